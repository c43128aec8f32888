import { symlinkSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffPolicySets } from "./diff.js";
import { runGate } from "./gate.js";
import { git, iam, LIBRARY, TOOLS, tempDir, tempRepo, writeTree } from "./test-utils/fixtures.js";
import type { GateReport } from "./types.js";

const read = { Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::o/*" };
const everything = { Sid: "All", Effect: "Allow", Action: "iam:*", Resource: "*" };

function rules(report: GateReport): string[] {
  return report.sets.flatMap((s) => s.findings.map((f) => f.rule ?? ""));
}

/** Commits `files` on top of the head (symbolic links given as `{ link: target }`). */
function commit(dir: string, links: Record<string, string>): string {
  for (const [path, target] of Object.entries(links)) symlinkSync(target, join(dir, path));
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "links");
  return git(dir, "rev-parse", "HEAD");
}

const gate = (repo: { dir: string; base: string }, head: string, approved = false) =>
  runGate({
    root: repo.dir,
    baseRef: repo.base,
    headRef: head,
    tools: TOOLS,
    fallbackLibrary: LIBRARY,
    approved,
    coverageThreshold: 0,
  });

describe("a hostile pull request", () => {
  it("cannot hide a file over the size limit from the gate", async () => {
    const big = `${JSON.stringify({ Version: "2012-10-17", Statement: [everything], pad: "x".repeat(9 * 1024 * 1024) })}\n`;
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/orders/big.json": big },
    );
    const report = await gate(repo, repo.head, true);
    expect(rules(report)).toContain("FileTooLarge");
    expect(report.verdict).toBe("fail");
  });

  it("cannot replace a policy file with a symbolic link", async () => {
    const repo = tempRepo({ "policies/orders/orders.json": iam(read) }, {});
    writeTree(repo.dir, { "outside.json": iam(everything), "policies/orders/orders.json": null });
    const head = commit(repo.dir, { "policies/orders/orders.json": "../../outside.json" });
    const report = await gate(repo, head, true);
    expect(rules(report)).toContain("SymbolicLink");
    expect(report.verdict).toBe("fail");
  });

  it("cannot ship data the bundle would not carry, or set keycard's own data", async () => {
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      {
        "policies/orders/data.yaml": "keycard: {}\n",
        "policies/billing/billing.json": iam(read),
        "policies/billing/data.json": JSON.stringify({ keycard: { documents: [] } }),
      },
    );
    const report = await gate(repo, repo.head, true);
    expect(rules(report)).toEqual(
      expect.arrayContaining(["UnsupportedDataFile", "ReservedDataKey"]),
    );
    expect(report.verdict).toBe("fail");
  });

  it("cannot bring its own keycard library in a folder sorted before the real one", async () => {
    const fake = 'package keycard.authz\n\ndecision := {"results": [{"allow": true}]}\n';
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/aaa/authz.rego": fake, "policies/orders/orders.json": iam(read, everything) },
    );
    const report = await gate(repo, repo.head, true);
    expect(rules(report)).toContain("ReservedPackage");
    expect(report.verdict).toBe("fail");
  });

  it("needs approval for a custom allow rule the corpus never triggers", async () => {
    const rule =
      'package keycard.custom.backdoor\n\nallow contains "ok" if {\n\tinput.principal.arn == "arn:aws:iam::999999999999:role/x"\n}\n';
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/orders/backdoor.rego": rule },
    );
    const report = await gate(repo, repo.head);
    expect(report.verdict).toBe("fail");
    expect(report.reasons.map((r) => r.message).join(" ")).toMatch(
      /custom Rego can grant access of unknown extent/,
    );
    const approved = await gate(repo, repo.head, true);
    expect(approved.reasons.find((r) => /custom Rego/.test(r.message))?.waived).toBe(true);
  });
});

describe("a Regal configuration", () => {
  it("never makes Regal fetch capabilities from a URL", async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.end("{}");
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as { port: number };
    try {
      const head = writeTree(tempDir(), {
        "orders.json": iam(read),
        "x.rego":
          'package keycard.custom.x\n\ndeny contains "no" if {\n\tinput.request.action == "s3:PutObject"\n}\n',
      });
      const diff = await diffPolicySets({
        head,
        library: LIBRARY,
        tools: TOOLS,
        coverageThreshold: 0,
        regalConfig: `capabilities:\n  from:\n    url: http://127.0.0.1:${port}/caps.json\n`,
      });
      expect(requests).toBe(0);
      expect(diff.notes.join(" ")).toMatch(/sets capabilities/);
    } finally {
      server.close();
    }
  });
});

describe("custom Rego the WebAssembly runtime cannot run", () => {
  it("refuses a builtin OPA has and the WebAssembly runtime lacks, by name", async () => {
    const rule =
      'package keycard.custom.clock\n\ndeny contains "late" if {\n\tcount(crypto.x509.parse_certificates("x")) > 0\n\tinput.request.action == "s3:PutObject"\n}\n';
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/orders/clock.rego": rule },
    );
    const report = await gate(repo, repo.head, true);
    expect(report.verdict).toBe("fail");
    const build = report.sets[0]?.findings.find((f) => f.rule === "BuildFailed");
    expect(build?.message).toMatch(/crypto\.x509\.parse_certificates/);
  });

  it("fails the gate when the head's bundle cannot evaluate a request", async () => {
    // Compiles and passes opa check, then fails every evaluation with a conflict.
    const rule =
      'package keycard.custom.clash\n\nlevel = 1 if input.request.action\n\nlevel = 2 if input.request.action\n\ndeny contains "clash" if level == 3\n';
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/orders/clash.rego": rule },
    );
    const report = await gate(repo, repo.head, true);
    expect(report.verdict).toBe("fail");
    expect(report.sets[0]?.findings.map((f) => f.rule)).toContain("WasmEvaluationFailed");
  });

  it("refuses time.now_ns, which the runtime does not implement", async () => {
    const rule =
      'package keycard.custom.clock\n\ndeny contains "late" if {\n\ttime.now_ns() > 0\n}\n';
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/orders/clock.rego": rule },
    );
    const report = await gate(repo, repo.head, true);
    expect(report.verdict).toBe("fail");
    const messages = report.sets[0]?.findings.map((f) => f.message).join(" ");
    expect(messages).toMatch(/time\.now_ns/);
  });
});

describe("a document nested too deep", () => {
  it("is a finding, not an aborted run", async () => {
    const deep = `{"Version": "2012-10-17", "Statement": ${"[".repeat(5000)}${"]".repeat(5000)}}`;
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/orders/deep.json": deep },
    );
    const report = await gate(repo, repo.head, true);
    expect(report.verdict).toBe("fail");
    const messages = report.sets[0]?.findings.map((f) => f.message).join(" ");
    expect(messages).toMatch(/nested/);
  });
});

describe("a pull request that exhausts a tool", () => {
  it("is a finding with a clear message when opa test outgrows its memory limit", async () => {
    const hungry =
      "package keycard.custom.hungry_test\n\ntest_hungry if {\n\tcount(numbers.range(1, 300000000)) > 0\n}\n";
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/orders/hungry_test.rego": hungry },
    );
    const report = await runGate({
      root: repo.dir,
      baseRef: repo.base,
      headRef: repo.head,
      tools: { ...TOOLS, memoryBytes: 256 * 1024 * 1024 },
      fallbackLibrary: LIBRARY,
      coverageThreshold: 0,
    });
    expect(report.verdict).toBe("fail");
    const finding = report.sets[0]?.findings.find((f) => f.rule === "ToolOutOfMemory");
    expect(finding?.message).toMatch(/opa test could not finish: .*over the limit of 256 MiB/);
    expect(report.counts.failedTests).toBeGreaterThan(0);
  });

  it("skips a decision-log line nested thousands deep, with a warning", async () => {
    const deep = `{"path": "keycard/authz/decision", "input": ${"[".repeat(5000)}${"]".repeat(5000)}}\n`;
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/orders/recorded/deep.jsonl": deep },
    );
    const report = await gate(repo, repo.head);
    const finding = report.sets[0]?.findings.find((f) => f.rule === "RecordedLine");
    expect(finding).toMatchObject({ severity: "warning", line: 1 });
    expect(finding?.message).toMatch(/nested more than 100 levels/);
  });
});
