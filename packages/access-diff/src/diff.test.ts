import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffPolicySets } from "./diff.js";
import { iam, LIBRARY, newActions, TOOLS, tempDir, writeTree } from "./test-utils/fixtures.js";

const read = {
  Sid: "Read",
  Effect: "Allow",
  Action: ["s3:GetObject", "s3:ListBucket"],
  Resource: ["arn:aws:s3:::orders", "arn:aws:s3:::orders/*"],
};
const put = {
  Sid: "Put",
  Effect: "Allow",
  Action: "s3:PutObject",
  Resource: "arn:aws:s3:::orders/in/*",
};

function sets(base: Record<string, string>, head: Record<string, string>) {
  const dir = tempDir();
  return { base: writeTree(join(dir, "base"), base), head: writeTree(join(dir, "head"), head) };
}

describe("diffPolicySets", () => {
  it("lists new and removed access grouped by statement and resource pattern", async () => {
    const { base, head } = sets(
      { "orders.json": iam(read, put) },
      {
        "orders.json": iam(read, {
          Sid: "Delete",
          Effect: "Allow",
          Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
          Resource: "arn:aws:s3:::orders/*",
        }),
      },
    );
    const diff = await diffPolicySets({ base, head, name: "policies/orders", tools: TOOLS });
    expect(diff.status).toBe("modified");
    expect(diff.findings).toEqual([]);
    expect(diff.newAccess).toHaveLength(1);
    expect(diff.newAccess[0]).toMatchObject({
      actions: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
      resource: "arn:aws:s3:::orders/*",
      statement: {
        document: "orders.json",
        file: "policies/orders/orders.json",
        statementIndex: 1,
        sid: "Delete",
        line: 16,
      },
      unconditional: true,
      accessLevels: ["Write"],
    });
    expect(diff.removedAccess).toEqual([
      expect.objectContaining({ actions: ["s3:PutObject"], resource: "arn:aws:s3:::orders/in/*" }),
    ]);
    expect(diff.corpus.evaluations).toBeGreaterThan(0);
  });

  it("evaluates one request per class of requests both versions must decide alike", async () => {
    const { base, head } = sets(
      { "app.json": iam(read) },
      {
        "app.json": iam(read, {
          Sid: "Run",
          Effect: "Allow",
          Action: "ec2:RunInstances",
          Resource: "*",
        }),
      },
    );
    const diff = await diffPolicySets({ base, head, tools: TOOLS });
    const [run] = diff.newAccess;
    // Every resource type of RunInstances is probed and reported, but evaluated once.
    expect(run?.actions).toEqual(["ec2:RunInstances"]);
    expect(run?.requestCount).toBeGreaterThan(10);
    // One class; the base names no EC2 action, so only the head is asked.
    expect(diff.corpus.evaluations).toBe(1);
    expect(run?.examples[1]?.resource).not.toBe(run?.examples[0]?.resource);
  });

  it("shows access that depends on a condition as conditional", async () => {
    const { base, head } = sets(
      { "orders.json": iam(read) },
      {
        "orders.json": iam(read, {
          ...put,
          Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
        }),
      },
    );
    const diff = await diffPolicySets({ base, head, tools: TOOLS });
    expect(diff.newAccess).toEqual([
      expect.objectContaining({
        actions: ["s3:PutObject"],
        unconditional: false,
        conditionKeys: ["aws:SourceIp"],
      }),
    ]);
  });

  it("reports invalid documents at their line and skips the diff", async () => {
    const { base, head } = sets(
      { "orders.json": iam(read) },
      {
        "orders.json": iam(read, { Effect: "Allow", Action: "s3:GetObject", Resource: "orders" }),
        "typo.json": iam({ Effect: "Allow", Action: "s3:GetObjekt", Resource: "*" }),
      },
    );
    const diff = await diffPolicySets({ base, head, name: "policies/orders", tools: TOOLS });
    expect(diff.findings).toContainEqual(
      expect.objectContaining({
        check: "iam",
        severity: "error",
        rule: "InvalidArn",
        file: "policies/orders/orders.json",
        line: 19,
      }),
    );
    expect(diff.newAccess).toEqual([]);
    expect(diff.notes.join(" ")).toMatch(/needs a head version that loads/);
  });

  it("reports unknown actions as errors at their line", async () => {
    const { base, head } = sets(
      { "orders.json": iam(read) },
      {
        "orders.json": iam(read),
        "typo.json": iam({ Effect: "Allow", Action: "s3:GetObjekt", Resource: "*" }),
      },
    );
    const diff = await diffPolicySets({ base, head, name: "policies/orders", tools: TOOLS });
    expect(diff.findings).toContainEqual(
      expect.objectContaining({
        rule: "UnknownAction",
        severity: "error",
        file: "policies/orders/typo.json",
        line: 6,
      }),
    );
  });

  it("flags escalation methods, completing pairs with access the head already had", async () => {
    const pass = {
      Sid: "Pass",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: "arn:aws:iam::123456789012:role/app",
    };
    const { base, head } = sets(
      { "app.json": iam(pass) },
      {
        "app.json": iam(pass, {
          Sid: "Lambda",
          Effect: "Allow",
          Action: ["lambda:CreateFunction", "iam:CreatePolicyVersion"],
          Resource: "*",
        }),
      },
    );
    const diff = await diffPolicySets({ base, head, tools: TOOLS });
    const ids = diff.risks.map((r) => r.id);
    expect(ids).toContain("iam-create-policy-version");
    expect(ids).toContain("passrole-lambda");
    expect(ids).not.toContain("passrole-ec2");
    expect(diff.risks[0]?.severity).toBe("critical");
  });

  it("flags NotAction, service wildcards and writes on every resource", async () => {
    const { base, head } = sets(
      { "app.json": iam(read) },
      {
        "app.json": iam(
          read,
          {
            Sid: "Everything",
            Effect: "Allow",
            NotAction: "iam:*",
            Resource: "arn:aws:s3:::orders/*",
          },
          { Sid: "Queues", Effect: "Allow", Action: "sqs:*", Resource: "*" },
        ),
      },
    );
    const diff = await diffPolicySets({ base, head, tools: TOOLS });
    const ids = new Set(diff.risks.map((r) => r.id));
    expect(ids).toEqual(
      new Set([
        "allow-not-action",
        "service-wildcard",
        "write-on-any-resource",
        "permissions-management-on-any-resource",
      ]),
    );
  });

  it("treats a new set as all new access and a deleted one as all removed", async () => {
    const dir = tempDir();
    const only = writeTree(join(dir, "only"), { "orders.json": iam(put) });
    const added = await diffPolicySets({ head: only, tools: TOOLS });
    expect(added.status).toBe("added");
    expect(newActions(added)).toEqual(["s3:PutObject"]);
    const deleted = await diffPolicySets({ base: only, tools: TOOLS });
    expect(deleted.status).toBe("deleted");
    expect(deleted.removedAccess.flatMap((c) => c.actions)).toEqual(["s3:PutObject"]);
  });

  it("replays recorded traffic and counts the real calls a change would deny", async () => {
    const line = (action: string, resource: string) =>
      JSON.stringify({
        decision_id: "1",
        path: "keycard/authz/decision",
        input: {
          principal: { arn: "arn:aws:iam::123456789012:role/orders" },
          region: "eu-west-1",
          requests: [{ action, resource }],
        },
        result: { allow: true },
      });
    const recorded = `${line("s3:PutObject", "arn:aws:s3:::orders/in/2026/a.json")}\n${line("s3:PutObject", "arn:aws:s3:::orders/in/2026/b.json")}\nnot json\n`;
    const { base, head } = sets(
      { "orders.json": iam(read, put), "recorded/audit.jsonl": recorded },
      { "orders.json": iam(read), "recorded/audit.jsonl": recorded },
    );
    const diff = await diffPolicySets({ base, head, name: "policies/orders", tools: TOOLS });
    expect(diff.corpus.recorded).toBe(2);
    const removed = diff.removedAccess.find((c) => c.recordedCalls > 0);
    expect(removed).toMatchObject({
      actions: ["s3:PutObject"],
      recordedCalls: 2,
      sources: ["recorded", "generated"],
    });
    expect(diff.findings).toContainEqual(
      expect.objectContaining({
        severity: "warning",
        file: "policies/orders/recorded/audit.jsonl",
        line: 3,
      }),
    );
  });

  it("evaluates repeated recorded calls once and still counts each", async () => {
    const line = JSON.stringify({
      path: "keycard/authz/decision",
      input: {
        region: "us-east-1",
        requests: [{ action: "s3:PutObject", resource: "arn:aws:s3:::orders/in/a" }],
      },
    });
    const recorded = `${Array.from({ length: 500 }, () => line).join("\n")}\n`;
    const { base, head } = sets(
      { "orders.json": iam(read, put), "recorded/a.jsonl": recorded },
      { "orders.json": iam(read), "recorded/a.jsonl": recorded },
    );
    const diff = await diffPolicySets({ base, head, tools: TOOLS });
    expect(diff.removedAccess.find((c) => c.recordedCalls > 0)?.recordedCalls).toBe(500);
    expect(diff.corpus.evaluations).toBeLessThan(50);
  });

  it("checks, tests and diffs a set with custom Rego", async () => {
    const rule =
      'package keycard.custom.orders\n\ndeny contains "no deletes" if {\n\tinput.request.action == "s3:DeleteObject"\n}\n\ndeny contains "no puts" if {\n\tinput.request.action == "s3:PutObject"\n\tinput.region == "eu-west-1"\n}\n';
    const test =
      'package keycard.custom.orders_test\n\nimport data.keycard.custom.orders\n\ntest_no_deletes if {\n\t"no deletes" in orders.deny with input as {"region": "us-east-1", "request": {"action": "s3:DeleteObject", "resource": "arn:aws:s3:::orders/x"}}\n}\n';
    const { base, head } = sets(
      { "orders.json": iam(read, { ...put, Action: ["s3:PutObject", "s3:DeleteObject"] }) },
      {
        "orders.json": iam(read, { ...put, Action: ["s3:PutObject", "s3:DeleteObject"] }),
        "orders.rego": rule,
        "orders_test.rego": test,
      },
    );
    const diff = await diffPolicySets({
      base,
      head,
      name: "policies/orders",
      library: LIBRARY,
      tools: TOOLS,
      coverageThreshold: 90,
    });
    expect(diff.tests).toMatchObject({ passed: 1, failed: 0 });
    expect(diff.tests?.coverage).toBeGreaterThan(0);
    expect(diff.tests?.coverage).toBeLessThan(90);
    expect(diff.findings).toContainEqual(
      expect.objectContaining({ check: "coverage", severity: "error" }),
    );
    expect(diff.corpus.tests).toBe(1);
    expect(diff.removedAccess.flatMap((c) => c.actions)).toContain("s3:DeleteObject");
    expect(diff.notes.join(" ")).toMatch(/every generated request/);
  });

  it("rejects network builtins, unformatted files and lint errors in custom Rego", async () => {
    const rule =
      'package keycard.custom.leak\n\ndeny contains r if {\n  r := http.send({"method": "GET", "url": "http://127.0.0.1:1"}).body\n}\n';
    const { base, head } = sets(
      { "orders.json": iam(read) },
      { "orders.json": iam(read), "leak.rego": rule },
    );
    const diff = await diffPolicySets({
      base,
      head,
      name: "policies/orders",
      library: LIBRARY,
      tools: TOOLS,
    });
    const checks = diff.findings.map((f) => `${f.check}:${f.file ?? ""}:${f.line ?? ""}`);
    expect(checks).toContain("fmt:policies/orders/leak.rego:1");
    expect(diff.findings).toContainEqual(
      expect.objectContaining({
        check: "check",
        message: expect.stringMatching(/http\.send/),
        line: 4,
      }),
    );
    expect(diff.findings.some((f) => f.check === "build")).toBe(true);
  });

  it("reports Regal violations at their line", async () => {
    const rule =
      'package keycard.custom.x\n\nisBad if {\n\tinput.request.action == "s3:GetObject"\n}\n\ndeny contains "bad" if isBad\n';
    const { base, head } = sets(
      { "orders.json": iam(read) },
      { "orders.json": iam(read), "x.rego": rule },
    );
    const diff = await diffPolicySets({
      base,
      head,
      name: "policies/orders",
      library: LIBRARY,
      tools: TOOLS,
    });
    expect(diff.findings).toContainEqual(
      expect.objectContaining({
        check: "regal",
        severity: "error",
        rule: "style/prefer-snake-case",
        file: "policies/orders/x.rego",
        line: 3,
      }),
    );
  });

  it("needs a library for custom Rego", async () => {
    const { base, head } = sets(
      { "orders.json": iam(read) },
      { "orders.json": iam(read), "x.rego": "package keycard.custom.x\n" },
    );
    const diff = await diffPolicySets({ base, head, checks: false, tools: TOOLS });
    expect(diff.findings).toContainEqual(
      expect.objectContaining({ check: "build", rule: "LibraryNotFound" }),
    );
  });
});
