// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` here are IAM policy variables.
/**
 * The built-in library runs on OPA's WebAssembly ABI directly (`opa-abi.ts`); bundles whose
 * custom Rego calls JavaScript built-ins run on `@open-policy-agent/opa-wasm`. Both must read
 * the same module alike: this runs the built-in module through both, on the same random
 * policies and a few thousand random and hostile input texts, one after another in the same
 * instances (so that heap state left by one call would show in the next), and requires
 * identical results, failures included.
 */
import { describe, expect, it } from "vitest";
import { compilePolicyData, type SourceDocument } from "./compile.js";
import { type AbiState, evaluateText, instantiateDirect } from "./opa-abi.js";
import { wasmInput } from "./partial-requests.js";
import { Picker } from "./test-utils/picker.js";
import type { EvaluationInput } from "./types.js";
import { builtinWasmBytes, ENTRYPOINT, type LoadedWasmPolicy } from "./wasm-runtime.js";

const SEED = Number(process.env.KEYCARD_ABI_SEED ?? 20261201);
const POLICIES = 6;
const INPUTS_PER_POLICY = 500;

const actions = [
  "s3:GetObject",
  "s3:PutObject",
  "S3:getobject",
  "s3:ListBucket",
  "kms:Decrypt",
  "iam:CreateUser",
  "sqs:SendMessage",
  "x",
  "",
  "s3:*",
];
const resources = [
  "arn:aws:s3:::orders/2024/a.json",
  "arn:aws:s3:::orders",
  "arn:aws:s3:::home/alice/x",
  "arn:aws:kms:eu-west-1:111122223333:key/abc",
  "arn:aws:iam::111122223333:user/dev/alice",
  "*",
  "",
  'arn:aws:s3:::é/😀/\\u0000/"quoted"',
  "arn:aws:s3:::a\nb\tc",
];
const actionPatterns = [
  "s3:GetObject",
  "s3:Get*",
  "s3:*",
  "*",
  "kms:Decrypt",
  "iam:*User",
  "s3:?etObject",
];
const resourcePatterns = [
  "*",
  "arn:aws:s3:::orders/*",
  "arn:aws:s3:::orders",
  "arn:aws:s3:::home/${aws:username}/*",
  "arn:aws:s3:::${aws:PrincipalTag/team}/*",
  "arn:aws:kms:*:111122223333:key/*",
  "arn:aws:iam::111122223333:user/*",
  "arn:aws:s3:::or?ers/*",
];
const conditions: Array<Record<string, Record<string, unknown>>> = [
  { StringEquals: { "s3:prefix": ["a/", "b/"] } },
  { StringLike: { "aws:RequestTag/env": "prod*" } },
  { StringNotEquals: { "aws:PrincipalTag/team": "ops" } },
  { NumericLessThan: { "s3:max-keys": "10" } },
  { Bool: { "aws:SecureTransport": "true" } },
  { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
  { DateGreaterThan: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } },
  { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/app-*" } },
  { Null: { "aws:ResourceTag/env": "true" } },
  { "ForAnyValue:StringEquals": { "aws:TagKeys": ["a", "b"] } },
  { StringEqualsIfExists: { "s3:x-amz-acl": "private" } },
];
const contextKeys = [
  "s3:prefix",
  "aws:RequestTag/env",
  "s3:max-keys",
  "aws:SecureTransport",
  "aws:SourceIp",
  "aws:CurrentTime",
  "aws:TagKeys",
  "S3:PREFIX",
  "s3:x-amz-acl",
];
const contextValues: unknown[] = [
  "a/",
  "prod-1",
  "5",
  5,
  1e300,
  -0,
  true,
  "true",
  "203.0.113.7",
  "2025-06-01T00:00:00Z",
  ["a", "c"],
  [],
  null,
  { nested: ["x", 1] },
  "é😀",
  "x".repeat(3000),
  "\\u0000",
];

function randomPolicy(pick: Picker, index: number): SourceDocument[] {
  const statement = () => {
    const s: Record<string, unknown> = { Effect: pick.chance(0.3) ? "Deny" : "Allow" };
    s[pick.chance(0.15) ? "NotAction" : "Action"] = pick.some(actionPatterns, 1, 2);
    s[pick.chance(0.15) ? "NotResource" : "Resource"] = pick.some(resourcePatterns, 1, 2);
    if (pick.chance(0.5)) s.Condition = Object.assign({}, ...pick.some(conditions, 1, 2));
    if (pick.chance(0.5)) s.Sid = `S${pick.int(100)}`;
    return s;
  };
  const doc = (n: number) => ({
    Version: "2012-10-17",
    Statement: Array.from({ length: n }, statement),
  });
  const documents: SourceDocument[] = [
    { name: `p${index}.json`, document: doc(2 + pick.int(8)), boundary: false },
  ];
  if (pick.chance(0.3))
    documents.push({ name: "boundary.json", document: doc(1 + pick.int(3)), boundary: true });
  return documents;
}

/** An input text: mostly well-formed requests, some partly known, some hostile or malformed. */
function randomText(pick: Picker): string {
  const roll = pick.int(20);
  if (roll === 0)
    return pick.one(["", "{", "null", "[]", "42", '{"requests":', '{"requests":[1,2]}', '"text"']);
  const request = (): Record<string, unknown> => {
    const r: Record<string, unknown> = {
      action: pick.chance(0.05) ? pick.int(5) : pick.one(actions),
      resource: pick.chance(0.05) ? null : pick.one(resources),
    };
    if (pick.chance(0.6)) {
      const context: Record<string, unknown> = {};
      for (const key of pick.some(contextKeys, 1, 3)) context[key] = pick.one(contextValues);
      r.context = pick.chance(0.03) ? "not an object" : context;
    }
    if (pick.chance(0.15)) r.unknownContext = pick.some(contextKeys, 1, 2);
    if (pick.chance(0.15))
      r.resourceParts = [
        "arn:aws:s3:::orders/",
        { unknown: "object key", ...(pick.chance(0.5) ? { length: 1 + pick.int(8) } : {}) },
      ];
    return r;
  };
  const input: Record<string, unknown> = {
    requests: Array.from({ length: 1 + pick.int(3) }, request),
  };
  if (pick.chance(0.8))
    input.principal = pick.chance(0.05)
      ? pick.one([null, "alice", [], 7])
      : {
          arn: "arn:aws:iam::111122223333:role/app-orders",
          accountId: "111122223333",
          ...(pick.chance(0.5)
            ? { type: "User", username: pick.one(["alice", "é", "a*b", ""]) }
            : { type: "AssumedRole" }),
          ...(pick.chance(0.6)
            ? { tags: pick.chance(0.2) ? {} : { team: pick.one(["orders", "ops", "Orders"]) } }
            : {}),
          ...(pick.chance(0.3) ? { mfa: pick.chance(0.5) } : {}),
        };
  if (pick.chance(0.8)) input.region = pick.one(["eu-west-1", "us-east-1", "", 3]);
  // Partly known requests as the engine hands them to the library, where it can convert them.
  let converted: unknown = input;
  try {
    const prepared = wasmInput(input as unknown as EvaluationInput);
    if (typeof prepared !== "string") converted = prepared;
  } catch {
    // Malformed requests go to the library as they are.
  }
  return JSON.stringify(converted);
}

/** The result of one evaluation, or the failure's message with addresses and offsets removed. */
function outcome(run: () => unknown): unknown {
  try {
    return { result: run() };
  } catch (thrown) {
    return {
      failed: true,
      message: String((thrown as Error)?.message ?? thrown).replace(/\d+/g, "#"),
    };
  }
}

describe("the built-in module on the direct ABI and on opa-wasm", () => {
  it(`decides ${POLICIES * INPUTS_PER_POLICY} random and hostile inputs identically`, async () => {
    const bytes = await builtinWasmBytes();
    // The DOM-free TypeScript libs do not declare WebAssembly.
    const module = await (
      globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<object> } }
    ).WebAssembly.compile(bytes);
    const direct = instantiateDirect(module);
    expect(direct).toBeDefined();
    const sdk = (await import("@open-policy-agent/opa-wasm")) as unknown as {
      loadPolicy(
        module: object,
        memory?: { initial: number; maximum?: number },
      ): Promise<LoadedWasmPolicy>;
    };
    const viaSdk = await sdk.loadPolicy(module, { initial: 5, maximum: 8192 });
    const id = direct?.entrypoints[ENTRYPOINT] as number;
    expect(id).toBe(viaSdk.entrypoints[ENTRYPOINT]);
    const pick = new Picker(SEED);
    const encoder = new TextEncoder();
    let compared = 0;
    let failures = 0;
    let allowed = 0;
    for (let p = 0; p < POLICIES; p++) {
      const data = compilePolicyData(randomPolicy(pick, p));
      // Both ways the engine loads data: with the built-in shortcut, and as a bundle would.
      const policyData = p % 2 === 0 ? { ...data, has_custom: false } : data;
      direct?.setData({ keycard: { policy: policyData } });
      viaSdk.setData({ keycard: { policy: policyData } });
      for (let i = 0; i < INPUTS_PER_POLICY; i++) {
        const text = randomText(pick);
        const a = outcome(() => JSON.parse(evaluateText(direct as AbiState, id, text)));
        const b = outcome(() => viaSdk.evaluate(encoder.encode(text).buffer, ENTRYPOINT));
        expect({ text, outcome: a }).toEqual({ text, outcome: b });
        compared += 1;
        if ((a as { failed?: boolean }).failed) failures += 1;
        else if (
          (a as { result: Array<{ result?: { allow?: boolean } }> }).result[0]?.result?.allow
        )
          allowed += 1;
      }
    }
    expect(compared).toBe(POLICIES * INPUTS_PER_POLICY);
    // The inputs reach the interesting cases: some allowed, most decided.
    expect(allowed).toBeGreaterThan(compared / 50);
    expect(failures).toBeLessThan(compared / 5);
  }, 120_000);
});
