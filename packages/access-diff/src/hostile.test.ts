import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
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

describe("a pull request that hides access from the diff", () => {
  const all = { Sid: "All", Effect: "Allow", Action: "*", Resource: "*" };

  it("cannot turn a set's folder into the library with a hidden Rego file", async () => {
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/team/.keep.rego": "package keycard.authz\n" },
    );
    const first = await gate(repo, repo.head);
    expect(rules(first)).toContain("ReservedPackage");
    expect(first.verdict).toBe("fail");
    // Even had the marker been merged, the next change to the folder is diffed as a set.
    writeTree(repo.dir, { "policies/team/team.json": iam(all) });
    git(repo.dir, "add", "-A");
    git(repo.dir, "commit", "-q", "-m", "team");
    const second = await runGate({
      root: repo.dir,
      baseRef: repo.head,
      headRef: git(repo.dir, "rev-parse", "HEAD"),
      tools: TOOLS,
      fallbackLibrary: LIBRARY,
      coverageThreshold: 0,
    });
    expect(second.sets.map((s) => s.name)).toContain("policies/team");
    expect(rules(second)).toContain("ReservedPackage");
    expect(second.verdict).toBe("fail");
  });

  it("diffs a set in a folder whose name starts with a dot", async () => {
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/.team/team.json": iam(all) },
    );
    const report = await gate(repo, repo.head);
    expect(report.sets.map((s) => s.name)).toEqual(["policies/.team"]);
    expect(report.verdict).toBe("fail");
  });

  it("needs approval to change the library folder", async () => {
    const repo = tempRepo(
      {
        "policies/orders/orders.json": iam(read),
        "policies/keycard/authz/authz.rego": readFileSync(
          join(LIBRARY, "authz", "authz.rego"),
          "utf8",
        ),
      },
      { "policies/keycard/authz/extra.rego": "package keycard.authz\n\nextra := true\n" },
    );
    const report = await gate(repo, repo.head);
    expect(report.verdict).toBe("fail");
    expect(report.reasons.map((r) => r.message).join(" ")).toMatch(/library/);
    const approved = await gate(repo, repo.head, true);
    expect(approved.reasons.find((r) => /library/.test(r.message))?.waived).toBe(true);
  });

  it("cannot hide its package line behind a carriage return", async () => {
    const smuggled =
      '# c\rpackage keycard.custom.orders_extra\npackage keycard.authz\n\ncustom_allow_applies(req, result, allows) if {\n\tendswith(req.resource, "open-sesame")\n\tis_object(result)\n\tis_array(allows)\n}\n';
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      { "policies/orders/extra.rego": smuggled },
    );
    const report = await gate(repo, repo.head, true);
    expect(rules(report)).toContain("CarriageReturn");
    expect(report.verdict).toBe("fail");
  });

  it("refuses a package OPA reads as outside keycard.custom", async () => {
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      {
        "policies/orders/extra.rego":
          'package team_rules\n\ndeny contains "no" if {\n\tinput.request.action == "s3:GetObject"\n}\n',
      },
    );
    const report = await gate(repo, repo.head, true);
    expect(rules(report)).toContain("ReservedPackage");
    expect(report.verdict).toBe("fail");
  });

  it("needs approval for a new module with rules other than deny", async () => {
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read) },
      {
        "policies/orders/extra.rego":
          'package keycard.custom.extra\n\ncustom_allow_applies(req) if {\n\tendswith(req.resource, "open-sesame")\n}\n\ndeny contains "no" if {\n\tinput.request.action == "s3:PutObject"\n}\n',
      },
    );
    const report = await gate(repo, repo.head);
    expect(report.sets[0]?.customRego?.join(" ")).toMatch(/custom_allow_applies/);
    expect(report.verdict).toBe("fail");
  });

  it("shows the access a removed Version line grants", async () => {
    const reports = {
      Sid: "Reports",
      Effect: "Allow",
      Action: "s3:*",
      Resource: "arn:aws:s3:::team-reports/*",
    };
    const neverDelete = {
      Sid: "NeverDelete",
      Effect: "Deny",
      Action: "s3:DeleteObject",
      Resource: "*",
      Condition: { StringLike: { "aws:PrincipalArn": `\${aws:PrincipalArn}` } },
    };
    const repo = tempRepo(
      { "policies/team/team.json": iam(reports, neverDelete) },
      {
        "policies/team/team.json": `${JSON.stringify({ Statement: [reports, neverDelete] }, null, 2)}\n`,
      },
    );
    const report = await gate(repo, repo.head);
    expect(newActionsOf(report)).toContain("s3:DeleteObject");
    expect(report.verdict).toBe("fail");
  });

  it("shows the access a second value of a negated condition grants", async () => {
    const stay = (regions: string | string[]) => ({
      Sid: "StayInOurRegion",
      Effect: "Deny",
      NotAction: ["iam:*", "sts:*"],
      Resource: "*",
      Condition: { StringNotEquals: { "aws:RequestedRegion": regions } },
    });
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read, stay("us-east-1")) },
      { "policies/orders/orders.json": iam(read, stay(["us-east-1", "eu-west-1"])) },
    );
    const report = await gate(repo, repo.head);
    expect(newActionsOf(report)).toContain("s3:GetObject");
    expect(report.verdict).toBe("fail");
  });

  it("cannot hide a set in a folder whose name is not UTF-8", async () => {
    const repo = tempRepo({ "policies/orders/orders.json": iam(read) }, {});
    const folder = Buffer.concat([
      Buffer.from(join(repo.dir, "policies", "admin")),
      Buffer.from([0xff]),
    ]);
    mkdirSync(folder);
    writeFileSync(Buffer.concat([folder, Buffer.from("/admin.json")]), iam(all));
    const report = await runGate({
      root: repo.dir,
      baseRef: repo.base,
      tools: TOOLS,
      fallbackLibrary: LIBRARY,
      coverageThreshold: 0,
      approved: true,
    });
    expect(rules(report)).toContain("UnreadablePath");
    expect(report.verdict).toBe("fail");
  });
});

function newActionsOf(report: GateReport): string[] {
  return report.sets.flatMap((s) => s.newAccess.flatMap((c) => c.actions));
}
