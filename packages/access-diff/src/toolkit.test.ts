import { createHash } from "node:crypto";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadPolicy } from "@keycard/engine";
import { describe, expect, it } from "vitest";
import { buildPolicyBundle } from "./build-set.js";
import { checkPolicySet } from "./check-set.js";
import { diffPolicySets } from "./diff.js";
import { readPolicyPath, readPolicySet } from "./policy-set.js";
import { closeSession, libraryBundle, openSession, prepareLibrary } from "./session.js";
import { iam, LIBRARY, TOOLS, tempDir, writeTree } from "./test-utils/fixtures.js";

const read = { Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::o/*" };
const denyDeletes =
  'package keycard.custom.orders\n\ndeny contains "no deletes" if {\n\tinput.request.action == "s3:DeleteObject"\n}\n';
const denyDeletesTest =
  'package keycard.custom.orders_test\n\nimport data.keycard.custom.orders\n\ntest_deletes_denied if {\n\t"no deletes" in orders.deny with input as {"request": {"action": "s3:DeleteObject"}}\n}\n\ntest_reads_pass if {\n\tcount(orders.deny) == 0 with input as {"request": {"action": "s3:GetObject"}}\n}\n';

/** The bytes of one file inside a gzip-compressed tar bundle. */
function entry(bundle: Uint8Array, name: string): Buffer | undefined {
  const tar = gunzipSync(bundle);
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    const path = header.subarray(0, 100).toString("latin1").replace(/\0.*$/s, "");
    if (!path) return undefined;
    const size = Number.parseInt(header.subarray(124, 136).toString("latin1").trim() || "0", 8);
    if (path.replace(/^\/+/, "") === name) return tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("one builder for keycard build and the gate", () => {
  it("evaluates a custom-Rego head from the exact bytes keycard build writes", async () => {
    const dir = writeTree(tempDir(), {
      "orders/orders.json": iam(read),
      "orders/orders.rego": denyDeletes,
      "orders/data.json": '{"regions": ["us-east-1"]}\n',
    });
    const built = await buildPolicyBundle({
      path: join(dir, "orders"),
      library: LIBRARY,
      tools: TOOLS,
    });
    expect(built.findings).toEqual([]);
    const again = await buildPolicyBundle({
      path: join(dir, "orders"),
      library: LIBRARY,
      tools: TOOLS,
    });
    expect(Buffer.from(again.bundle ?? []).equals(Buffer.from(built.bundle ?? [0]))).toBe(true);

    const diff = await diffPolicySets({
      head: join(dir, "orders"),
      library: LIBRARY,
      tools: TOOLS,
      checks: false,
    });
    expect(diff.bundleSha256).toBe(sha256(built.bundle ?? new Uint8Array()));
    // The bundle carries the documents and the data; the engine needs nothing else.
    const policy = await loadPolicy({ bundle: built.bundle ?? new Uint8Array(), cache: false });
    const decide = (action: string) =>
      policy.evaluate({ requests: [{ action, resource: "arn:aws:s3:::o/k" }] }).allow;
    expect(decide("s3:GetObject")).toBe(true);
    expect(decide("s3:DeleteObject")).toBe(false);
  });

  it("builds an IAM-only set with the very policy.wasm the gate loads for it", async () => {
    const dir = writeTree(tempDir(), { "team/app.json": iam(read) });
    const built = await buildPolicyBundle({
      path: join(dir, "team"),
      library: LIBRARY,
      tools: TOOLS,
    });
    const session = await openSession(TOOLS);
    try {
      const library = await libraryBundle(session, await prepareLibrary(session, LIBRARY));
      const wasm = entry(library, "policy.wasm");
      expect(wasm?.length).toBeGreaterThan(0);
      expect(
        entry(built.bundle ?? new Uint8Array(), "policy.wasm")?.equals(wasm ?? Buffer.alloc(0)),
      ).toBe(true);
    } finally {
      await closeSession(session);
    }
  });
});

describe("the shared reader", () => {
  it("refuses data that would land under keycard's own key, and data that is not an object", async () => {
    const dir = writeTree(tempDir(), {
      "a/app.json": iam(read),
      "a/keycard/data.json": '{"documents": []}\n',
      "b/app.json": iam(read),
      "b/data.json": "[1, 2]\n",
    });
    const a = await readPolicySet(join(dir, "a"));
    expect(a.problems.map((p) => [p.file, p.rule])).toEqual([
      ["keycard/data.json", "ReservedDataKey"],
    ]);
    const b = await readPolicySet(join(dir, "b"));
    expect(b.problems.map((p) => [p.file, p.rule])).toEqual([["data.json", "MalformedData"]]);
  });

  it("reads a single document with the same checks, and refuses a link to one", async () => {
    const dir = writeTree(tempDir(), {
      "app.json": iam(read),
      "big/deep.json": `${"[".repeat(200)}${"]".repeat(200)}`,
    });
    symlinkSync(join(dir, "app.json"), join(dir, "linked.json"));
    expect((await readPolicyPath(join(dir, "app.json")))?.documents.map((d) => d.path)).toEqual([
      "app.json",
    ]);
    expect((await readPolicyPath(join(dir, "linked.json")))?.problems[0]?.rule).toBe(
      "SymbolicLink",
    );
    expect((await readPolicyPath(join(dir, "big", "deep.json")))?.problems[0]?.rule).toBe(
      "JsonTooDeep",
    );
    expect(await readPolicyPath(join(dir, "missing.json"))).toBeUndefined();
  });
});

describe("checkPolicySet, the checks keycard test shares with the gate", () => {
  it("passes a tested set and fails one whose Rego no test covers", async () => {
    const dir = writeTree(tempDir(), {
      "ok/app.json": iam(read),
      "ok/orders.rego": denyDeletes,
      "ok/orders_test.rego": denyDeletesTest,
      "bare/app.json": iam(read),
      "bare/orders.rego": denyDeletes,
    });
    const ok = await checkPolicySet({ path: join(dir, "ok"), library: LIBRARY, tools: TOOLS });
    expect(ok.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(ok.tests).toMatchObject({ passed: 2, failed: 0, coverage: 100 });
    const bare = await checkPolicySet({ path: join(dir, "bare"), library: LIBRARY, tools: TOOLS });
    expect(bare.findings.map((f) => f.rule)).toContain("CoverageBelowThreshold");
  });

  it("resolves a decision test's import of the library in Regal, as the README recommends", async () => {
    const dir = writeTree(tempDir(), {
      "orders/app.json": iam(read),
      "orders/decision_test.rego":
        'package orders.decision_test\n\nimport data.keycard.authz\n\ntest_reads_allowed if {\n\tauthz.decision.allow with input as {\n\t\t"region": "us-east-1",\n\t\t"requests": [{"action": "s3:GetObject", "resource": "arn:aws:s3:::o/1", "context": {}}],\n\t}\n}\n',
    });
    const check = await checkPolicySet({
      path: join(dir, "orders"),
      library: LIBRARY,
      tools: TOOLS,
    });
    expect(check.findings).toEqual([]);
    expect(check.tests).toMatchObject({ passed: 1, failed: 0 });
  });

  it("still flags a reference to a library rule that does not exist", async () => {
    const dir = writeTree(tempDir(), {
      "orders/app.json": iam(read),
      "orders/decision_test.rego":
        "package orders.decision_test\n\nimport data.keycard.authz\n\ntest_typo if {\n\tauthz.decisoin.allow with input as {}\n}\n",
    });
    const check = await checkPolicySet({
      path: join(dir, "orders"),
      library: LIBRARY,
      tools: TOOLS,
    });
    const lint = check.findings.find((f) => f.check === "regal");
    expect(lint).toMatchObject({
      rule: "imports/unresolved-reference",
      file: "decision_test.rego",
      line: 6,
    });
  });
});
