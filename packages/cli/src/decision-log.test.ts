import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENTRYPOINT } from "@keycard/engine";
import { afterEach, describe, expect, test } from "vitest";
import { readDecisionLogs } from "./decision-log.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function read(requests: unknown[]) {
  const dir = await mkdtemp(join(tmpdir(), "keycard-log-"));
  dirs.push(dir);
  const path = join(dir, "decisions.jsonl");
  const line = {
    path: ENTRYPOINT,
    input: { requests },
    result: { allow: true },
    labels: { mode: "learn" },
    keycard: { sent: true },
  };
  await writeFile(path, `${JSON.stringify(line)}\n`);
  return readDecisionLogs([{ path, shown: "decisions.jsonl" }]);
}

const secretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders";

describe("readDecisionLogs", () => {
  test("resourceParts are passed through, so learned policies mark unknown parts", async () => {
    const resourceParts = [`${secretArn}-`, { unknown: "secret ARN suffix", length: 6 }];
    const got = await read([
      { action: "secretsmanager:GetSecretValue", resource: `${secretArn}-*`, resourceParts },
      { action: "s3:GetObject", resource: "arn:aws:s3:::orders/a.json" },
    ]);
    expect(got.skipped).toEqual([]);
    expect(got.requests).toEqual([
      { action: "secretsmanager:GetSecretValue", resource: `${secretArn}-*`, resourceParts },
      { action: "s3:GetObject", resource: "arn:aws:s3:::orders/a.json" },
    ]);
  });

  test("resourceParts that are malformed or do not spell the resource skip the request", async () => {
    const got = await read([
      { action: "s3:GetObject", resource: "arn:aws:s3:::a/*", resourceParts: "arn:aws:s3:::a/" },
      {
        action: "s3:GetObject",
        resource: "arn:aws:s3:::a/*",
        resourceParts: ["arn:aws:s3:::a/", 1],
      },
      {
        action: "s3:GetObject",
        resource: "arn:aws:s3:::a/*",
        resourceParts: ["arn:aws:s3:::a/", { unknown: "key", length: -1 }],
      },
      {
        action: "s3:GetObject",
        resource: "arn:aws:s3:::a/*",
        resourceParts: ["arn:aws:s3:::b/", { unknown: "key" }],
      },
    ]);
    expect(got.requests).toEqual([]);
    expect(got.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/not a list/),
      expect.stringMatching(/not text or unknown/),
      expect.stringMatching(/unusable length/),
      expect.stringMatching(/does not spell/),
    ]);
  });
});
