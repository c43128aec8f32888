import { createHash } from "node:crypto";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { diffPolicySets } from "@keycard/access-diff";
import { loadPolicy } from "@keycard/engine";
import { describe, expect, it } from "vitest";
import { findLibrary } from "../library.js";
import { opaPath, runCli, tempDir, writeFiles, writeOrdersSet } from "../test-utils/index.js";

const put = (context: Record<string, string> = {}) => ({
  region: "us-east-1",
  requests: [
    { action: "s3:PutObject", resource: "arn:aws:s3:::orders-documents/orders/1.json", context },
  ],
});

describe("keycard build", () => {
  it("compiles IAM JSON and custom Rego into a bundle the engine loads on its own", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFiles(dir, { "orders/data.json": { approvedRegions: ["us-east-1"] } });
    const result = await runCli(["build", "orders", "-o", "out/orders.tar.gz"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "built out/orders.tar.gz from orders: 1 IAM document, 2 statements, 1 Rego module",
    );

    const policy = await loadPolicy({ bundle: join(dir, "out/orders.tar.gz") });
    expect(policy.documents).toEqual(["orders.json"]);
    const denied = policy.evaluate(put());
    expect(denied.allow).toBe(false);
    expect(denied.requests[0]?.customDenies).toEqual([
      "order documents must be written with server-side encryption",
    ]);
    expect(policy.evaluate(put({ "s3:x-amz-server-side-encryption": "aws:kms" })).allow).toBe(true);
  });

  it("writes bundle.tar.gz by default and summarises as JSON with --json", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    const result = await runCli(["build", "orders", "--json"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, "bundle.tar.gz"))).toBe(true);
    expect(JSON.parse(result.stdout)).toMatchObject({
      bundle: "bundle.tar.gz",
      set: "orders",
      documents: ["orders.json"],
      boundaries: [],
      modules: ["orders.rego"],
      statements: 2,
      warnings: [],
    });
  });

  it("carries the set's data.json for the custom rules beside the IAM documents", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "team/app.json": {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
      },
      "team/data.json": { approvedRegions: ["eu-west-1"] },
      "team/regions.rego": `package keycard.custom.regions

deny contains "region not approved" if {
	not input.region in data.approvedRegions
}
`,
    });
    expect((await runCli(["build", "team"], { cwd: dir })).code).toBe(0);
    const policy = await loadPolicy({ bundle: join(dir, "bundle.tar.gz") });
    const read = (region: string) =>
      policy.evaluate({
        region,
        requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }],
      });
    expect(read("eu-west-1").allow).toBe(true);
    expect(read("us-east-1").requests[0]?.customDenies).toEqual(["region not approved"]);
  });

  it("builds a bundle with a permissions boundary and no Rego", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "team/app.json": {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
      },
      "team/boundary.json": {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
      },
    });
    const result = await runCli(["build", "team", "-o", "team.tar.gz"], { cwd: dir });
    expect(result.code).toBe(0);
    const policy = await loadPolicy({ bundle: join(dir, "team.tar.gz") });
    const request = (action: string) => ({ requests: [{ action, resource: "arn:aws:s3:::b/k" }] });
    expect(policy.evaluate(request("s3:GetObject")).allow).toBe(true);
    expect(policy.evaluate(request("s3:DeleteObject")).allow).toBe(false);
  });

  it("stops before compiling when IAM JSON is invalid, naming file, line and statement", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFileSync(
      join(dir, "orders/extra.json"),
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Sid": "Oops", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Conditions": {} }\n  ]\n}\n',
    );
    const result = await runCli(["build", "orders"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: orders/extra.json:4: statement 0 (Oops), Conditions:");
    expect(result.stderr).toContain("error: orders has 1 invalid IAM document");
    expect(existsSync(join(dir, "bundle.tar.gz"))).toBe(false);
  });

  it("reports Rego that does not compile at the set's own paths", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFiles(dir, {
      "orders/broken.rego": "package keycard.custom.broken\n\ndeny contains x if {\n",
    });
    const result = await runCli(["build", "orders"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("opa build could not compile orders");
    expect(result.stderr).toContain("orders/broken.rego:");
    expect(result.stderr).not.toContain("keycard-");
  });

  it("says what installs OPA when it cannot be found", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    const onPath = await runCli(["build", "orders"], {
      cwd: dir,
      env: { OPA_PATH: undefined, PATH: dir },
    });
    expect(onPath.code).toBe(2);
    expect(onPath.stderr).toContain("the OPA CLI (opa) was not found on PATH");
    expect(onPath.stderr).toContain("https://www.openpolicyagent.org/docs/latest/#running-opa");
    expect(onPath.stderr).toContain("go install github.com/open-policy-agent/opa@v1.22.2");

    const flag = await runCli(["build", "orders", "--opa", "./no-such-opa"], { cwd: dir });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("the OPA CLI was not found at ./no-such-opa (from --opa)");
  });

  it("rejects a missing set and a missing argument as input and usage errors", async () => {
    const dir = tempDir();
    const missing = await runCli(["build", "nowhere"], { cwd: dir });
    expect(missing).toMatchObject({
      code: 2,
      stderr: "error: policy set nowhere does not exist\n",
    });
    const none = await runCli(["build"], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Run `keycard build --help` for usage.");
  });

  it("refuses what the gate refuses: links, oversized files, other data files, keycard's data", async () => {
    const cases: Array<[string, (dir: string) => void, RegExp]> = [
      [
        "a symbolic link",
        (dir) => symlinkSync(join(dir, "outside.json"), join(dir, "orders", "linked.json")),
        /linked\.json.*symbolic link/,
      ],
      [
        "a file over the size limit",
        (dir) => writeFileSync(join(dir, "orders", "big.json"), " ".repeat(9 * 1024 * 1024)),
        /big\.json.*over the limit/,
      ],
      [
        "data.yaml",
        (dir) => writeFileSync(join(dir, "orders", "data.yaml"), "a: 1\n"),
        /data\.yaml.*data\.json/,
      ],
      [
        "a keycard key in data.json",
        (dir) => writeFiles(dir, { "orders/data.json": { keycard: { documents: [] } } }),
        /data\.json.*keycard/,
      ],
      [
        "a keycard package",
        (dir) => writeFiles(dir, { "orders/lib.rego": "package keycard.authz\n" }),
        /lib\.rego.*keycard\.authz/,
      ],
      [
        "a hidden Rego file with a keycard package",
        (dir) => writeFiles(dir, { "orders/.keep.rego": "package keycard.authz\n" }),
        /\.keep\.rego.*keycard\.authz/,
      ],
      [
        "a package hidden behind a carriage return",
        (dir) =>
          writeFiles(dir, {
            "orders/extra.rego":
              "# c\rpackage keycard.custom.extra\npackage keycard.authz\n\nx := 1\n",
          }),
        /extra\.rego.*carriage return/,
      ],
      [
        "a package outside keycard.custom as OPA reads it",
        (dir) =>
          writeFiles(dir, {
            "orders/extra.rego": 'package team_rules\n\ndeny contains "no" if input.x\n',
          }),
        /extra\.rego.*package team_rules/,
      ],
    ];
    for (const [what, add, message] of cases) {
      const dir = tempDir();
      writeOrdersSet(dir);
      writeFiles(dir, { "outside.json": { Version: "2012-10-17", Statement: [] } });
      add(dir);
      const result = await runCli(["build", "orders"], { cwd: dir });
      expect(result.code, what).toBe(2);
      expect(result.stderr, what).toMatch(message);
    }
  });

  it("builds the same bytes from the same set, with no temporary path inside", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    expect((await runCli(["build", "orders", "-o", "a.tar.gz"], { cwd: dir })).code).toBe(0);
    await new Promise((done) => setTimeout(done, 1100));
    expect((await runCli(["build", "orders", "-o", "b.tar.gz"], { cwd: dir })).code).toBe(0);
    const a = readFileSync(join(dir, "a.tar.gz"));
    expect(a.equals(readFileSync(join(dir, "b.tar.gz")))).toBe(true);
    expect(gunzipSync(a).toString("latin1")).not.toContain(tmpdir());
  });

  it("writes the bytes the gate evaluates for the same set", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    const result = await runCli(["build", "orders", "-o", "orders.tar.gz", "--json"], { cwd: dir });
    expect(result.code).toBe(0);
    const bytes = readFileSync(join(dir, "orders.tar.gz"));
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    expect(JSON.parse(result.stdout)).toMatchObject({ sha256 });
    const diff = await diffPolicySets({
      head: join(dir, "orders"),
      library: findLibrary(),
      tools: { opa: opaPath },
      checks: false,
    });
    expect(diff.bundleSha256).toBe(sha256);
  });

  it("refuses builtins that reach the network or that the WebAssembly runtime lacks", async () => {
    for (const call of [
      'http.send({"method": "GET", "url": "http://127.0.0.1:1"})',
      "time.now_ns()",
    ]) {
      const dir = tempDir();
      writeOrdersSet(dir);
      writeFiles(dir, {
        "orders/clock.rego": `package keycard.custom.clock\n\ndeny contains "x" if {\n\t${call}\n}\n`,
      });
      const result = await runCli(["build", "orders"], { cwd: dir });
      expect(result.code, call).toBe(2);
      expect(result.stderr, call).toMatch(/undefined function|unsafe built-in|not available/);
    }
  });

  it("says plainly when a document is nested too deep", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFileSync(
      join(dir, "orders", "deep.json"),
      `{"Version": "2012-10-17", "Statement": ${"[".repeat(5000)}${"]".repeat(5000)}}`,
    );
    const result = await runCli(["build", "orders"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/deep\.json.*nested/);
    expect(result.stderr).not.toMatch(/RangeError|Maximum call stack/);
  });
});
