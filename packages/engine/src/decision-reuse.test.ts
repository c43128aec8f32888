// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` here are IAM policy variables.
/**
 * Differential test of decision reuse: every decision `evaluate` returns, reused from an
 * equivalent earlier request or not, must equal a fresh WebAssembly evaluation of the same
 * input. Policies and requests are pseudo-random but seeded (KEYCARD_REUSE_SEED explores others).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicyData } from "./compile.js";
import {
  type AuthorizationRequest,
  type ContextValue,
  type Decision,
  type EvaluationInput,
  loadPolicy,
  type PolicyDocument,
  type PolicyStatement,
  type PrincipalInfo,
} from "./index.js";
import { wasmInput } from "./partial-requests.js";
import { Picker } from "./test-utils/picker.js";
import { ENTRYPOINT, instantiate } from "./wasm-runtime.js";

const SEED = Number(process.env.KEYCARD_REUSE_SEED ?? 20261201);
const POLICIES = 80;
const REQUESTS_PER_POLICY = 140;

const principals: Array<PrincipalInfo | undefined> = [
  {
    arn: "arn:aws:iam::111122223333:user/alice",
    accountId: "111122223333",
    userId: "AIDAALICE",
    username: "alice",
    type: "User",
    tags: { team: "orders", Level: "5" },
  },
  { arn: "arn:aws:iam::111122223333:user/bob", username: "bob", type: "User", tags: {} },
  {
    arn: "arn:aws:sts::111122223333:assumed-role/app/x",
    type: "AssumedRole",
    tags: { Team: "a*" },
  },
  { username: "a.*", tags: { team: "(x)" } },
  undefined,
];

const regions = ["eu-west-1", "us-east-1", "", undefined];

const actions = [
  "s3:GetObject",
  "s3:getobject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:ListBucket",
  "sqs:SendMessage",
  "dynamodb:GetItem",
];

const resourcePatterns = [
  "*",
  "arn:aws:s3:::orders/*",
  "arn:aws:s3:::orders/in*/??-*.json",
  "arn:aws:s3:::orders/secret/*",
  "arn:aws:s3:::orders/a.json",
  "arn:aws:s3:::orders",
  "arn:aws:s3:::*/secret/*",
  "arn:aws:s3:::home/${aws:username}/*",
  "arn:aws:s3:::home/${aws:username, 'nobody'}/*",
  "arn:aws:s3:::teams/${aws:PrincipalTag/team}/*",
  "arn:aws:s3:::logs-${aws:RequestedRegion}/*",
  "arn:aws:s3:::orders/${s3:prefix}*",
  "arn:aws:s3:::orders/${*}/*",
  "arn:aws:s3:::orders/é?/*",
  "arn:aws:sqs:*:111122223333:jobs*",
  "arn:aws:dynamodb:*:*:table/Orders",
];

const conditions: Array<Record<string, Record<string, unknown>>> = [
  { StringEquals: { "s3:prefix": ["home/", "public/"] } },
  { StringLike: { "s3:prefix": "home/${aws:username}/*" } },
  { StringEquals: { "aws:ResourceTag/env": "prod" } },
  { Bool: { "aws:SecureTransport": "true" } },
  { NumericLessThanEquals: { "s3:max-keys": "10" } },
  { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
  { StringNotEquals: { "aws:PrincipalTag/team": "payroll" } },
  { "ForAnyValue:StringLike": { "aws:TagKeys": ["env", "own*"] } },
  { StringEqualsIfExists: { "aws:RequestTag/env": "${aws:PrincipalTag/team}" } },
  { Null: { "aws:RequestTag/env": "true" } },
];

const contextValues: Record<string, ReadonlyArray<ContextValue>> = {
  "s3:prefix": ["home/", "public/", "home/alice/x", "in", "", "a/b"],
  "aws:SecureTransport": [true, false, "true"],
  "s3:max-keys": [1, 10, "11"],
  "aws:SourceIp": ["10.1.2.3", "192.0.2.1"],
  "aws:TagKeys": [["env"], ["owner", "x"], []],
  "aws:RequestTag/env": ["orders", "prod"],
  "aws:ResourceTag/env": ["prod", "dev"],
  "aws:username": ["alice", "carol"],
};

const segments = [
  "a",
  "in",
  "inbox",
  "01",
  "1",
  "-",
  "x.json",
  "alice",
  "/",
  "secret",
  "é",
  "😀",
  "*",
];

function randomStatement(pick: Picker): PolicyStatement {
  const statement: Record<string, unknown> = { Effect: pick.chance(0.35) ? "Deny" : "Allow" };
  const actionPool = [...actions, "s3:*", "s3:Get*", "*", "s3:?utObject"];
  statement[pick.chance(0.1) ? "NotAction" : "Action"] = pick.some(actionPool, 1, 2);
  statement[pick.chance(0.2) ? "NotResource" : "Resource"] = pick.some(resourcePatterns, 1, 3);
  if (pick.chance(0.45)) {
    const condition: Record<string, Record<string, unknown>> = {};
    for (const c of pick.some(conditions, 1, 2)) {
      for (const [operator, entries] of Object.entries(c))
        condition[operator] = { ...condition[operator], ...entries };
    }
    statement.Condition = condition;
  }
  if (pick.chance(0.5)) statement.Sid = `S${pick.int(100)}`;
  return statement as unknown as PolicyStatement;
}

function randomPolicy(pick: Picker): { iam: PolicyDocument[]; boundary?: PolicyDocument } {
  const doc = (n: number): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: Array.from({ length: n }, () => randomStatement(pick)),
  });
  const iam = [doc(1 + pick.int(6))];
  return pick.chance(0.2) ? { iam, boundary: doc(1 + pick.int(3)) } : { iam };
}

function randomResource(pick: Picker): string {
  const bucket = pick.one(["orders", "home", "teams", "logs-eu-west-1", "other"]);
  if (pick.chance(0.05)) return "*";
  if (pick.chance(0.1)) return `arn:aws:s3:::${bucket}`;
  if (pick.chance(0.05)) return "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders";
  const key = pick.some(segments, 0, 5).join("");
  const middle = pick.one(["", "alice/", "bob/", "orders/", "secret/", "in/", "a*/"]);
  return `arn:aws:s3:::${bucket}/${middle}${key}`;
}

function randomRequest(pick: Picker): AuthorizationRequest {
  const resource = randomResource(pick);
  const request: AuthorizationRequest & Record<string, unknown> = {
    action: pick.one(actions),
    resource,
  };
  if (pick.chance(0.6)) {
    const context: Record<string, ContextValue> = {};
    for (const key of pick.some(Object.keys(contextValues), 1, 3)) {
      context[pick.chance(0.2) ? key.toUpperCase() : key] = pick.one(contextValues[key] ?? []);
    }
    // A context naming a key twice (ignoring case) is refused; keep one spelling.
    const seen = new Set<string>();
    for (const key of Object.keys(context)) {
      if (seen.has(key.toLowerCase())) delete context[key];
      seen.add(key.toLowerCase());
    }
    request.context = context;
    // `@keycard/iam-map` hands out one frozen context to many calls; the engine reuses its copy.
    if (pick.chance(0.4)) {
      if (sharedContexts.length > 0 && pick.chance(0.7)) request.context = pick.one(sharedContexts);
      else sharedContexts.push(deepFreeze(context));
    }
  }
  if (pick.chance(0.12)) {
    // Cut between code points: half a surrogate pair is not text the library can read.
    const points = Array.from(resource);
    const cut = 13 + pick.int(Math.max(1, points.length - 13));
    request.resourceParts = [points.slice(0, cut).join(""), { unknown: "object key" }];
  }
  if (pick.chance(0.1)) {
    const list = [pick.one(["aws:SourceIp", "s3:prefix"])];
    request.unknownContext = pick.chance(0.5) ? list : (sharedLists.get(list[0]!) as string[]);
  }
  return request;
}

/** Frozen contexts made so far, handed to later requests as they are, across policies too. */
const sharedContexts: Array<Record<string, ContextValue>> = [];
/** One frozen list of unknown keys per key, shared by every request naming it. */
const sharedLists = new Map(
  ["aws:SourceIp", "s3:prefix"].map((key) => [key, Object.freeze([key])] as const),
);

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/** JSON text with every object's keys sorted, so that key order does not count. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The documents as the library's data names them. */
function sourcesOf(iam: PolicyDocument[], boundary: PolicyDocument | undefined) {
  return [
    ...iam.map((document, i) => ({ name: `iam[${i}]`, document, boundary: false })),
    ...(boundary ? [{ name: "boundary[0]", document: boundary, boundary: true }] : []),
  ];
}

/** Notes the first five inputs whose two decisions differ. */
function compare(
  mismatches: string[],
  label: string,
  input: EvaluationInput,
  got: Decision,
  want: Decision,
): void {
  if (sortedJson(got) === sortedJson(want) || mismatches.length >= 5) return;
  mismatches.push(
    `${label}\ninput: ${JSON.stringify(input)}\ngot:  ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`,
  );
}

describe("decision reuse (differential)", () => {
  it("returns what a fresh WebAssembly evaluation returns, for every request", async () => {
    const wasmBytes = readFileSync(new URL("../wasm/keycard.wasm", import.meta.url));
    const fresh = await instantiate(wasmBytes, "test");
    const pick = new Picker(SEED);
    let cases = 0;
    let reused = 0;
    const mismatches: string[] = [];
    for (let p = 0; p < POLICIES; p++) {
      const { iam, boundary } = randomPolicy(pick);
      const policy = await loadPolicy({
        iam,
        ...(boundary ? { boundary } : {}),
        checkActions: false,
      });
      const sources = sourcesOf(iam, boundary);
      // Without `has_custom: false` the library writes every decision in full, as for a
      // bundle: the reference does not share the loader's completion of allowed requests.
      fresh.setData({ keycard: { policy: compilePolicyData(sources) } });
      const principal = pick.one(principals);
      const home = pick.one(regions);
      for (let r = 0; r < REQUESTS_PER_POLICY; r++) {
        // Mostly one caller per policy, as an application has; sometimes another.
        const who = pick.chance(0.85) ? principal : pick.one(principals);
        const region = pick.chance(0.85) ? home : pick.one(regions);
        const input: EvaluationInput = {
          ...(who ? { principal: who } : {}),
          ...(region === undefined ? {} : { region }),
          requests: Array.from({ length: pick.chance(0.15) ? 2 : 1 }, () => randomRequest(pick)),
        };
        const got = policy.evaluate(input);
        const prepared = wasmInput(input);
        if (typeof prepared === "string") throw new Error(prepared);
        const want = fresh.evaluate(prepared, ENTRYPOINT)[0]?.result as Decision;
        cases += input.requests.length;
        compare(mismatches, `policy ${p}: ${JSON.stringify({ iam, boundary })}`, input, got, want);
      }
      reused += policy.stats().reusedDecisions;
    }
    expect(mismatches).toEqual([]);
    expect(cases).toBeGreaterThanOrEqual(10_000);
    // The test means something only if many decisions were in fact reused.
    expect(reused / cases).toBeGreaterThan(0.2);
  }, 120_000);
});

/** Resources a caller might pass, and some a full read refuses (empty, U+0000, half a pair, too long). */
function evaluatorResource(pick: Picker): string {
  if (pick.chance(0.03))
    return pick.one([
      "",
      "arn:aws:s3:::orders/a\u0000",
      "arn:aws:s3:::orders/\ud800",
      "x".repeat(5000),
    ]);
  return randomResource(pick);
}

describe("resource evaluators (differential)", () => {
  it("decide what a fresh WebAssembly evaluation decides, for every resource", async () => {
    const wasmBytes = readFileSync(new URL("../wasm/keycard.wasm", import.meta.url));
    const fresh = await instantiate(wasmBytes, "test");
    const pick = new Picker(SEED + 1);
    let cases = 0;
    let reused = 0;
    const mismatches: string[] = [];
    for (let p = 0; p < POLICIES; p++) {
      const { iam, boundary } = randomPolicy(pick);
      const policy = await loadPolicy({
        iam,
        ...(boundary ? { boundary } : {}),
        checkActions: false,
      });
      // The same rules, evaluated in full every time, for what the library refuses to read.
      const uncached = await loadPolicy({
        iam,
        ...(boundary ? { boundary } : {}),
        checkActions: false,
        cache: false,
      });
      const sources = sourcesOf(iam, boundary);
      fresh.setData({ keycard: { policy: compilePolicyData(sources) } });
      const principal = pick.one(principals);
      const region = pick.one(regions);
      for (let t = 0; t < 8; t++) {
        const template = randomRequest(pick);
        // Keys unknown before the call are what sets many templates apart: more of them here.
        if (template.unknownContext === undefined && pick.chance(0.3))
          template.unknownContext = pick.chance(0.5)
            ? [pick.one(["aws:SourceIp", "s3:prefix"])]
            : (sharedLists.get(pick.one(["aws:SourceIp", "s3:prefix"])) as string[]);
        const input: EvaluationInput = {
          ...(principal ? { principal } : {}),
          ...(region === undefined ? {} : { region }),
          requests: [template],
        };
        const evaluator = policy.resourceEvaluator?.(input);
        if (evaluator === undefined) throw new Error("a loaded policy has resource evaluators");
        for (let k = 0; k < 20; k++) {
          const resource = evaluatorResource(pick);
          const same: EvaluationInput = { ...input, requests: [{ ...template, resource }] };
          const got = evaluator.evaluate(resource);
          const prepared = wasmInput(same);
          const readable =
            typeof prepared !== "string" &&
            resource !== "" &&
            resource.length <= 4096 &&
            !resource.includes("\u0000") &&
            (resource as string & { isWellFormed(): boolean }).isWellFormed();
          const want = readable
            ? (fresh.evaluate(prepared, ENTRYPOINT)[0]?.result as Decision)
            : uncached.evaluate(same);
          cases += 1;
          expect(Object.isFrozen(got)).toBe(readable);
          compare(mismatches, `policy ${p}: ${JSON.stringify({ iam, boundary })}`, same, got, want);
        }
      }
      reused += policy.stats().reusedDecisions;
    }
    expect(mismatches).toEqual([]);
    expect(cases).toBeGreaterThanOrEqual(10_000);
    // The fast path must have answered most of them for this to mean anything.
    expect(reused / cases).toBeGreaterThan(0.5);
  }, 120_000);
});

describe("decision reuse", () => {
  const V = "2012-10-17";
  const load = (Statement: PolicyStatement[]) =>
    loadPolicy({
      iam: [{ name: "p.json", document: { Version: V, Statement } }],
      checkActions: false,
    });
  const get = (resource: string, context?: AuthorizationRequest["context"]) => ({
    action: "s3:GetObject",
    resource,
    ...(context ? { context } : {}),
  });

  it("reads a shared context anew for an action whose statements read other keys", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
            {
              Effect: "Allow",
              Action: "s3:PutObject",
              Resource: "*",
              Condition: { StringEquals: { "s3:authType": "REST-HEADER" } },
            },
          ],
        },
      ],
      checkActions: false,
    });
    const header = Object.freeze({ "s3:authType": "REST-HEADER" });
    const presigned = Object.freeze({ "s3:authType": "REST-QUERY-STRING" });
    const call = (action: string, context: object, n: number) =>
      policy.evaluate({
        requests: [{ action, resource: `arn:aws:s3:::b/${n}`, context } as AuthorizationRequest],
      }).allow;
    // Each context is read first for GetObject, whose statements read no key, then for PutObject.
    expect(call("s3:GetObject", header, 1)).toBe(true);
    expect(call("s3:PutObject", header, 2)).toBe(true);
    expect(call("s3:GetObject", presigned, 3)).toBe(true);
    expect(call("s3:PutObject", presigned, 4)).toBe(false);
  });

  it("names the request's own resource in a reused implicit deny", async () => {
    const policy = await load([
      { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::a/*" },
    ]);
    policy.evaluate({ requests: [get("arn:aws:s3:::b/1")] });
    const second = policy.evaluate({ requests: [get("arn:aws:s3:::b/2")] });
    expect(policy.stats().reusedDecisions).toBe(1);
    expect(second.requests[0]?.resource).toBe("arn:aws:s3:::b/2");
    expect(second.requests[0]?.reason).toBe(
      "implicitly denied: no statement allows s3:GetObject on arn:aws:s3:::b/2",
    );
  });

  it("does not carry a decision over to another caller when a variable names the caller", async () => {
    const policy = await load([
      { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::home/${aws:username}/*" },
    ]);
    const alice = { username: "alice", type: "User" };
    const bob = { username: "bob", type: "User" };
    expect(
      policy.evaluate({ principal: alice, requests: [get("arn:aws:s3:::home/alice/x")] }).allow,
    ).toBe(true);
    expect(
      policy.evaluate({ principal: bob, requests: [get("arn:aws:s3:::home/alice/y")] }).allow,
    ).toBe(false);
    expect(
      policy.evaluate({ principal: alice, requests: [get("arn:aws:s3:::home/bob/y")] }).allow,
    ).toBe(false);
    expect(
      policy.evaluate({ principal: alice, requests: [get("arn:aws:s3:::home/alice/z")] }).allow,
    ).toBe(true);
  });

  it("keys on the condition values a statement reads", async () => {
    const policy = await load([
      {
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { StringEquals: { "s3:prefix": "public/" } },
      },
    ]);
    expect(
      policy.evaluate({ requests: [get("arn:aws:s3:::a/1", { "s3:prefix": "public/" })] }).allow,
    ).toBe(true);
    expect(
      policy.evaluate({ requests: [get("arn:aws:s3:::a/2", { "S3:Prefix": "private/" })] }).allow,
    ).toBe(false);
    expect(policy.evaluate({ requests: [get("arn:aws:s3:::a/3", {})] }).allow).toBe(false);
  });

  it("reads a request once, so a context that changes as it is read cannot poison the cache", async () => {
    const policy = await load([
      {
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { StringEquals: { "s3:prefix": "public/" } },
      },
    ]);
    let reads = 0;
    const shifty = {
      get "s3:prefix"() {
        reads += 1;
        return reads % 2 === 1 ? "private/" : "public/";
      },
    };
    Object.defineProperty(shifty, "s3:prefix", { enumerable: true });
    const first = policy.evaluate({ requests: [get("arn:aws:s3:::a/1", shifty as never)] });
    const honest = policy.evaluate({
      requests: [get("arn:aws:s3:::a/2", { "s3:prefix": "private/" })],
    });
    expect(honest.allow).toBe(false);
    expect(first.allow).toBe(false);
  });

  it("never lets a known request reuse a decision made while a key was unknown, or the reverse", async () => {
    const policy = await load([
      { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
      {
        Effect: "Deny",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
      },
    ]);
    const known = { ...get("arn:aws:s3:::a/1", { "aws:SourceIp": "192.0.2.1" }) };
    const unknown = { ...get("arn:aws:s3:::a/2"), unknownContext: ["aws:SourceIp"] };
    expect(policy.evaluate({ requests: [known] }).allow).toBe(true);
    expect(policy.evaluate({ requests: [unknown] }).allow).toBe(false);
    expect(policy.evaluate({ requests: [{ ...known, resource: "arn:aws:s3:::a/3" }] }).allow).toBe(
      true,
    );
  });

  it("does not carry an allow across callers through an Allow whose NotResource names the caller", async () => {
    const policy = await load([
      {
        Effect: "Allow",
        Action: "s3:GetObject",
        NotResource: "arn:aws:s3:::home/${aws:username}/private/*",
      },
    ]);
    const alice = { username: "alice", type: "User" };
    const nobody = { type: "User", arn: "arn:aws:iam::111122223333:user/x" };
    const key = "arn:aws:s3:::home/alice/private/k";
    expect(policy.evaluate({ principal: alice, requests: [get(key)] }).allow).toBe(false);
    // Without a user name the exclusion cannot be resolved: the Allow does not allow.
    expect(policy.evaluate({ principal: { arn: "x" }, requests: [get(key)] }).allow).toBe(false);
    expect(policy.evaluate({ principal: nobody, requests: [get("arn:aws:s3:::b/1")] }).allow).toBe(
      false,
    );
    expect(policy.evaluate({ principal: alice, requests: [get("arn:aws:s3:::b/1")] }).allow).toBe(
      true,
    );
  });

  it("echoes the action as each request wrote it", async () => {
    const policy = await load([{ Effect: "Allow", Action: "s3:PutObject", Resource: "*" }]);
    policy.evaluate({ requests: [get("arn:aws:s3:::b/1")] });
    const shouted = policy.evaluate({
      requests: [{ action: "S3:GETOBJECT", resource: "arn:aws:s3:::b/2" }],
    });
    expect(shouted.requests[0]?.action).toBe("S3:GETOBJECT");
    expect(shouted.requests[0]?.reason).toBe(
      "implicitly denied: no statement allows S3:GETOBJECT on arn:aws:s3:::b/2",
    );
  });

  it("says how it reuses decisions", async () => {
    const policy = await load([{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }]);
    expect(policy.stats().decisionReuse).toBe("by-equivalence");
    const off = await loadPolicy({
      iam: [
        { Version: V, Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] },
      ],
      cache: false,
      checkActions: false,
    });
    expect(off.stats()).toMatchObject({ decisionReuse: "off", cacheEntries: 0 });
  });
});
