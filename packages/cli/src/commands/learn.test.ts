import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir, writeFiles } from "../test-utils/index.js";

function entry(
  requests: Array<{ action: string; resource: string }>,
  path = "keycard/authz/decision",
): string {
  return JSON.stringify({
    decision_id: "d",
    timestamp: "2026-01-01T00:00:00Z",
    path,
    input: {
      principal: {},
      region: "us-east-1",
      requests: requests.map((r) => ({ ...r, context: {} })),
    },
    result: { allow: true, requests: [] },
    labels: { app: "orders" },
  });
}

const get = (key: string) => ({
  action: "s3:GetObject",
  resource: `arn:aws:s3:::orders-documents/orders/${key}`,
});

describe("keycard learn", () => {
  it("prints the least-privilege policy for the recorded calls", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "a.jsonl": `${entry([get("1.json")])}\n${entry([get("2.json"), { action: "dynamodb:getitem", resource: "arn:aws:dynamodb:us-east-1:123456789012:table/orders" }])}\n`,
    });
    const result = await runCli(["learn", "a.jsonl"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Dynamodb",
          Effect: "Allow",
          Action: ["dynamodb:GetItem"],
          Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"],
        },
        {
          Sid: "S3",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: [
            "arn:aws:s3:::orders-documents/orders/1.json",
            "arn:aws:s3:::orders-documents/orders/2.json",
          ],
        },
      ],
    });
    expect(result.stderr).toBe("✓ learned 2 actions in 2 statements from 3 recorded requests\n");
  });

  it("generalizes resource names and writes the policy to a file", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "logs/one.jsonl": `${entry([get("1.json")])}\n`,
      "logs/two.jsonl": `${entry([get("2.json")])}\n`,
    });
    const result = await runCli(
      [
        "learn",
        "logs/one.jsonl",
        "logs/two.jsonl",
        "--generalize",
        "resource-names",
        "-o",
        "out/policy.json",
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("to out/policy.json");
    const policy = JSON.parse(readFileSync(join(dir, "out/policy.json"), "utf8"));
    expect(policy.Statement[0].Resource).toEqual(["arn:aws:s3:::orders-documents/orders/*"]);
  });

  it("skips other entrypoints silently and warns about unusable lines with file and line", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "a.jsonl": [
        entry([get("1.json")]),
        "not json",
        entry([get("x")], "other/policy"),
        "",
        '{"input":{}}',
      ].join("\n"),
    });
    const result = await runCli(["learn", "a.jsonl", "--json"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("warning: a.jsonl:2: skipped, not JSON");
    expect(result.stderr).toContain("warning: a.jsonl:5: skipped, no input.requests");
    expect(JSON.parse(result.stdout)).toMatchObject({
      lines: 4,
      requests: 1,
      skipped: 2,
      statements: 1,
      actions: 1,
    });
  });

  it("fails with exit 2 when there is nothing to learn from", async () => {
    const dir = tempDir();
    writeFiles(dir, { "empty.jsonl": "\n" });
    const empty = await runCli(["learn", "empty.jsonl"], { cwd: dir });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("no keycard decisions found in 1 file (0 lines read)");
    const missing = await runCli(["learn", "nope.jsonl"], { cwd: dir });
    expect(missing).toMatchObject({
      code: 2,
      stderr: "error: decision log nope.jsonl does not exist\n",
    });
    const none = await runCli(["learn"], { cwd: dir });
    expect(none.code).toBe(2);
    const mode = await runCli(["learn", "empty.jsonl", "--generalize", "everything"], { cwd: dir });
    expect(mode.code).toBe(2);
    expect(mode.stderr).toContain("--generalize must be one of none, resource-names");
  });

  it("reports a recorded action that is not an IAM action", async () => {
    const dir = tempDir();
    writeFiles(dir, { "a.jsonl": `${entry([{ action: "s3:*", resource: "*" }])}\n` });
    const result = await runCli(["learn", "a.jsonl"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "cannot learn from these logs: not an IAM action without wildcards",
    );
  });

  it("leaves out calls enforce mode refused and audit mode would deny, unless asked", async () => {
    const dir = tempDir();
    const logged = (
      requests: Array<{ action: string; resource: string }>,
      mode: string,
      allow: boolean,
      sent: boolean,
    ) => {
      const line = JSON.parse(entry(requests)) as Record<string, unknown>;
      return JSON.stringify({
        ...line,
        result: { allow, requests: [] },
        labels: { app: "keycard", mode },
        keycard: { service: "s3", operation: "X", client: "S3Client", sent, input: {} },
      });
    };
    const del = { action: "s3:DeleteObject", resource: "arn:aws:s3:::orders-documents/x" };
    const put = { action: "s3:PutObject", resource: "arn:aws:s3:::orders-documents/y" };
    writeFiles(dir, {
      "a.jsonl": [
        logged([get("1.json")], "enforce", true, true),
        logged([del], "enforce", false, false),
        logged([put], "audit", false, true),
      ].join("\n"),
    });
    const result = await runCli(["learn", "a.jsonl", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const learned = JSON.parse(result.stdout) as {
      policy: { Statement: Array<{ Action: string[] }> };
      denied: number;
    };
    expect(learned.policy.Statement.flatMap((s) => s.Action)).toEqual(["s3:GetObject"]);
    expect(learned.denied).toBe(2);
    expect(result.stderr).toMatch(/2 requests .*denied.*--include-denied/);

    const all = await runCli(["learn", "a.jsonl", "--json", "--include-denied"], { cwd: dir });
    const actions = (JSON.parse(all.stdout) as typeof learned).policy.Statement.flatMap(
      (s) => s.Action,
    );
    expect(actions.sort()).toEqual(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]);
  });
});
