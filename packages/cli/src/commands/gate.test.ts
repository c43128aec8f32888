import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  git,
  ordersDocument,
  regalConfig,
  regalPath,
  runCli,
  tempDir,
  writeFiles,
  writeOrdersSet,
} from "../test-utils/index.js";

/** A repository on `main` with one committed policy set, policies/orders. */
function repository(): string {
  const dir = tempDir("keycard-gate-");
  git(dir, "init", "--quiet", "--initial-branch=main");
  writeFiles(dir, { "policies/.regal/config.yaml": regalConfig, "README.md": "# service\n" });
  writeOrdersSet(join(dir, "policies"));
  git(dir, "add", ".");
  git(dir, "commit", "--quiet", "-m", "orders policy");
  return dir;
}

const tools = ["--regal", regalPath];

describe("keycard gate", () => {
  it("passes when no policy set changed", async () => {
    const dir = repository();
    writeFiles(dir, { "README.md": "# service, documented\n" });
    const result = await runCli(["gate", ...tools], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("keycard policy gate PASS");
    expect(result.stdout).toContain("0 policy sets");
  });

  it("fails on new access in the working tree, from any folder of the repository", async () => {
    const dir = repository();
    writeFiles(dir, {
      "policies/orders/orders.json": {
        ...ordersDocument,
        Statement: [
          ...ordersDocument.Statement,
          { Sid: "Everything", Effect: "Allow", Action: "iam:*", Resource: "*" },
        ],
      },
    });
    const result = await runCli(["gate", ...tools], { cwd: join(dir, "policies", "orders") });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("keycard policy gate FAIL");
    expect(result.stdout).toContain("✗ escalation:");
    expect(result.stdout).toContain("policies/orders modified");
    expect(result.stdout).toMatch(
      // The renderer may list the actions or summarise them (`190 actions matching iam:*`).
      /\+ .*iam:.* on \* \(orders\.json statement 2 \(Everything\) policies\/orders\/orders\.json:\d+/,
    );
  });

  it("compares with --base and looks only under --paths", async () => {
    const dir = repository();
    git(dir, "checkout", "--quiet", "-b", "feature");
    writeOrdersSet(join(dir, "services"), "billing");
    writeFiles(dir, {
      "services/billing/orders.json": {
        ...ordersDocument,
        Statement: [ordersDocument.Statement[0]],
      },
    });
    git(dir, "add", ".");
    git(dir, "commit", "--quiet", "-m", "billing policy");

    const elsewhere = await runCli(["gate", "--base", "main", ...tools], { cwd: dir });
    expect(elsewhere.code).toBe(0);
    const result = await runCli(
      ["gate", "--base", "main", "--paths", "policies,services", "--json", ...tools],
      { cwd: dir },
    );
    const report = JSON.parse(result.stdout);
    expect(report.sets.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ["services/billing", "added"],
    ]);
    expect(report.verdict).toBe("fail");
    expect(result.code).toBe(1);
  });

  it("exits 2 outside a git repository and for an unknown base", async () => {
    const outside = await runCli(["gate"], { cwd: tempDir() });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain("not inside a git repository");
    const dir = repository();
    const unknown = await runCli(["gate", "--base", "no-such-branch", ...tools], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no-such-branch");
  });
  it("stops an OPA run over --memory-limit-mb and reports it, and refuses a limit too small to run", async () => {
    const dir = repository();
    writeFiles(dir, {
      "policies/orders/hungry_test.rego":
        "package keycard.custom.hungry_test\n\ntest_hungry if {\n\tcount(numbers.range(1, 300000000)) > 0\n}\n",
    });
    const result = await runCli(
      ["gate", "--memory-limit-mb", "256", "--coverage-threshold", "0", "--json", ...tools],
      { cwd: dir },
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    const findings = report.sets[0].findings.filter(
      (f: { rule?: string }) => f.rule === "ToolOutOfMemory",
    );
    expect(findings[0]?.message).toMatch(/over the limit of 256 MiB/);

    const tooSmall = await runCli(["gate", "--memory-limit-mb", "8", ...tools], { cwd: dir });
    expect(tooSmall.code).toBe(2);
    expect(tooSmall.stderr).toMatch(
      /--memory-limit-mb must be a number from 64 to 65536 \(got "8"\)/,
    );
    // OPA has to fill 256 MiB before it is stopped, which takes long on a busy machine.
  }, 90_000);
});
