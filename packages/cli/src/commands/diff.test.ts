import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ordersDocument,
  regalConfig,
  regalPath,
  runCli,
  tempDir,
  writeFiles,
  writeOrdersSet,
} from "../test-utils/index.js";

function widened(): object {
  return {
    ...ordersDocument,
    Statement: [
      ...ordersDocument.Statement,
      {
        Sid: "Cleanup",
        Effect: "Allow",
        Action: "s3:DeleteObject",
        Resource: "arn:aws:s3:::orders-documents/*",
      },
    ],
  };
}

function twoVersions(): string {
  const dir = tempDir();
  writeFiles(dir, { ".regal/config.yaml": regalConfig });
  writeOrdersSet(dir, "base/orders");
  writeOrdersSet(dir, "head/orders");
  return dir;
}

const tools = ["--regal", regalPath];

describe("keycard diff", () => {
  it("passes when the two versions allow the same", async () => {
    const dir = twoVersions();
    const result = await runCli(["diff", "base/orders", "head/orders", ...tools], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("keycard policy gate PASS  base/orders → head/orders");
    expect(result.stdout).toContain(
      "1 policy set, 0 new, 0 removed, 0 risks, 0 invalid, 0 failing tests",
    );
    expect(result.code).toBe(0);
  });

  it("fails with exit 1 on new access, naming the statement that grants it", async () => {
    const dir = twoVersions();
    writeFiles(dir, { "head/orders/orders.json": widened() });
    const result = await runCli(["diff", "base/orders", "head/orders", ...tools], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("keycard policy gate FAIL");
    expect(result.stdout).toContain("✗ new-access:");
    expect(result.stdout).toMatch(
      /\+ s3:DeleteObject on arn:aws:s3:::orders-documents\/\* \(orders\.json statement 2 \(Cleanup\) head\/orders\/orders\.json:\d+/,
    );
    expect(result.stdout).not.toContain("\u001b[");
  });

  it("names removed access by the base version's file, and sets outside the directory in full", async () => {
    const dir = twoVersions();
    writeFiles(dir, { "base/orders/orders.json": widened() });
    const result = await runCli(["diff", "orders", join(dir, "head/orders"), ...tools], {
      cwd: join(dir, "base"),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /- s3:DeleteObject on arn:aws:s3:::orders-documents\/\* \(orders\.json statement 2 \(Cleanup\) orders\/orders\.json:\d+/,
    );
    expect(result.stdout).toContain(`${join(dir, "head/orders")} modified`);
  });

  it("lets an approval waive new access, and prints the report as JSON or Markdown", async () => {
    const dir = twoVersions();
    writeFiles(dir, { "head/orders/orders.json": widened() });
    const approved = await runCli(
      ["diff", "base/orders", "head/orders", "--approved", "--json", ...tools],
      { cwd: dir },
    );
    expect(approved.code).toBe(0);
    const report = JSON.parse(approved.stdout);
    expect(report).toMatchObject({
      verdict: "pass",
      approved: true,
      counts: { sets: 1, newAccess: 1 },
    });
    expect(report.sets[0].newAccess[0]).toMatchObject({
      direction: "new",
      actions: ["s3:DeleteObject"],
    });

    const markdown = await runCli(["diff", "base/orders", "head/orders", "--markdown", ...tools], {
      cwd: dir,
    });
    expect(markdown.code).toBe(1);
    expect(markdown.stdout).toContain("s3:DeleteObject");
    expect(markdown.stdout).toMatch(/^#+ /m);
  });

  it("only fails on the checks named by --fail-on", async () => {
    const dir = twoVersions();
    writeFiles(dir, { "head/orders/orders.json": widened() });
    const result = await runCli(
      ["diff", "base/orders", "head/orders", "--fail-on", "invalid,tests", ...tools],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    const bad = await runCli(["diff", "base/orders", "head/orders", "--fail-on", "vibes"], {
      cwd: dir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--fail-on does not know vibes");
  });

  it("treats a missing base as a set the change adds", async () => {
    const dir = twoVersions();
    const result = await runCli(["diff", "nowhere", "head/orders", "--json", ...tools], {
      cwd: dir,
    });
    expect(JSON.parse(result.stdout).sets[0].status).toBe("added");
    expect(result.code).toBe(1);
  });

  it("rejects two missing sets and a missing argument", async () => {
    const dir = tempDir();
    const none = await runCli(["diff", "a", "b"], { cwd: dir });
    expect(none).toMatchObject({ code: 2, stderr: "error: neither a nor b is a directory\n" });
    const one = await runCli(["diff", join(dir, "a")], { cwd: dir });
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("Run `keycard diff --help` for usage.");
  });
});
