import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ordersDocument,
  regalPath,
  runCli,
  tempDir,
  writeFiles,
  writeOrdersSet,
} from "../test-utils/index.js";

describe("keycard test", () => {
  it("validates the IAM JSON, runs the Rego tests and reports coverage", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    const result = await runCli(["test", "orders", "--verbose"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("✓ IAM    1 IAM document, 2 statements, all valid");
    expect(result.stdout).toContain("✓ Rego   3 tests: 3 passed, 0 failed");
    expect(result.stdout).toContain(
      "✓ keycard.custom.orders_test.test_unencrypted_put_denied  orders/orders_test.rego:5",
    );
    expect(result.stdout).toContain("✓ Cover  100.0% of the set's Rego");
    expect(result.stdout.trimEnd().endsWith("PASS")).toBe(true);
  });

  it("fails with exit 1 on a failing test and names it with its file and line", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFiles(dir, {
      "orders/more_test.rego":
        "package keycard.custom.orders_test\n\ntest_wrong if {\n\t1 == 2\n}\n",
    });
    const result = await runCli(["test", "orders"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ Rego   4 tests: 3 passed, 1 failed");
    expect(result.stdout).toContain(
      "✗ keycard.custom.orders_test.test_wrong  orders/more_test.rego:3",
    );
    expect(result.stdout).not.toContain("test_unencrypted_put_denied");
    expect(result.stdout.trimEnd().endsWith("FAIL")).toBe(true);
  });

  it("fails on invalid IAM JSON, naming the file and statement", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "team/app.json": {
        Version: "2012-10-17",
        Statement: [{ Sid: "Bad", Effect: "Allow", Action: "GetObject", Resource: "*" }],
      },
    });
    const result = await runCli(["test", "team"], {
      cwd: dir,
      env: { OPA_PATH: "/nonexistent/opa" },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ IAM    1 IAM document, 0 statements, 1 invalid document");
    expect(result.stdout).toMatch(
      /✗ team\/app\.json:\d+: statement 0 \(Bad\), Action: "GetObject" is not an action/,
    );
    expect(result.stdout).toContain("- Rego   no Rego modules or tests");
  });

  it("fails when coverage is under --min-coverage", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFiles(dir, {
      "orders/extra.rego":
        'package keycard.custom.extra\n\ndeny contains "no deletes" if {\n\tinput.request.action == "s3:DeleteObject"\n}\n',
    });
    const result = await runCli(["test", "orders", "--min-coverage", "95"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ Cover {2}\d+\.\d% of the set's Rego \(minimum 95%\)/);
    expect(result.stdout).toMatch(/orders\/extra\.rego 0\.0%, lines 3-4 not covered/);
    const lenient = await runCli(["test", "orders", "--min-coverage", "10"], { cwd: dir });
    expect(lenient.code).toBe(0);
  });

  it("lets a set's tests ask the keycard decision about the set's own IAM JSON", async () => {
    // Outside keycard.custom: a test there would be one of the custom rules it queries.
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFiles(dir, {
      "orders/decision_test.rego": `package orders.decision_test

import data.keycard.authz

test_reads_allowed if {
	authz.decision.allow with input as {
		"region": "us-east-1",
		"requests": [{"action": "s3:GetObject", "resource": "arn:aws:s3:::orders-documents/orders/1.json", "context": {}}],
	}
}

test_other_region_denied if {
	not authz.decision.allow with input as {
		"region": "eu-west-1",
		"requests": [{"action": "s3:GetObject", "resource": "arn:aws:s3:::orders-documents/orders/1.json", "context": {}}],
	}
}
`,
    });
    // The pattern the README recommends passes every check the gate makes, Regal included.
    const result = await runCli(["test", "orders"], { cwd: dir, env: { REGAL_PATH: regalPath } });
    expect(result.stdout).toContain("5 tests: 5 passed, 0 failed");
    expect(result.stdout).toContain("✓ Lint   opa fmt, opa check --strict, Regal: formatted");
    expect(result.code).toBe(0);
  });

  it("reports Rego that does not compile as a failure", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFiles(dir, {
      "orders/broken.rego": "package keycard.custom.broken\n\ndeny contains x if {\n",
    });
    const result = await runCli(["test", "orders"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ Rego   the modules do not compile:");
    expect(result.stdout).toContain("orders/broken.rego:");
  });

  it("needs no OPA for a set of IAM JSON alone, and prints JSON with --json", async () => {
    const dir = tempDir();
    writeFiles(dir, { "team/app.json": ordersDocument });
    const result = await runCli(["test", "team", "--json"], {
      cwd: dir,
      env: { OPA_PATH: "/nonexistent/opa" },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      set: "team",
      pass: true,
      iam: { documents: ["app.json"], statements: 2, problems: [], warnings: [] },
      rego: { passed: 0, failed: 0, tests: [] },
    });
  });

  it("fails on actions IAM does not know, as the gate does", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "team/app.json": {
        Version: "2012-10-17",
        Statement: [{ Sid: "Typo", Effect: "Allow", Action: "s3:GetObjekt", Resource: "*" }],
      },
    });
    const result = await runCli(["test", "team"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ team\/app\.json:\d+: statement 0 \(Typo\), Action: unknown action "s3:GetObjekt"/,
    );
  });

  it("applies the gate's coverage threshold when none is given", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "team/app.json": ordersDocument,
      "team/rule.rego":
        'package keycard.custom.rule\n\ndeny contains "no deletes" if {\n\tinput.request.action == "s3:DeleteObject"\n}\n',
    });
    const result = await runCli(["test", "team"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ Cover {2}0\.0% of the set's Rego \(minimum 80%\)/);
  });

  it("fails on Rego the gate would reject for its format or its lint", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFiles(dir, {
      "orders/messy.rego":
        'package keycard.custom.messy\n\ndeny contains   "x" if {\n    input.request.action == "s3:DeleteObject"\n}\n',
    });
    const result = await runCli(["test", "orders", "--min-coverage", "0"], {
      cwd: dir,
      env: { REGAL_PATH: regalPath },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ Lint");
    expect(result.stdout).toContain("orders/messy.rego:1: not formatted");
  });

  it("says plainly that linting was skipped when Regal is missing", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    const result = await runCli(["test", "orders"], {
      cwd: dir,
      // OPA comes from OPA_PATH; an empty PATH leaves Regal nowhere to be found.
      env: { REGAL_PATH: undefined, PATH: "" },
    });
    expect(result.stdout).toContain("Regal was not found, so Rego files were not linted");
  });

  it("fails what the gate's reader refuses, and Rego the WebAssembly runtime cannot run", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFiles(dir, {
      "outside.json": ordersDocument,
      "orders/clock.rego":
        'package keycard.custom.clock\n\ndeny contains "late" if {\n\ttime.now_ns() > 0\n}\n',
    });
    symlinkSync(join(dir, "outside.json"), join(dir, "orders", "linked.json"));
    const result = await runCli(["test", "orders", "--min-coverage", "0"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ Build  orders/linked.json: is a symbolic link");
    expect(result.stdout).toMatch(/orders\/clock\.rego:4:.*time\.now_ns/);
  });

  it("rejects a bad --min-coverage", async () => {
    const result = await runCli(["test", "x", "--min-coverage", "120"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--min-coverage must be a percentage from 0 to 100");
  });
});
