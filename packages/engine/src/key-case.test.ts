/**
 * Condition-key names are case-insensitive. The loader lower-cases a policy's keys and the
 * Rego library lower-cases a request's keys with OPA's `lower()`; the request checks (IP values,
 * keys given twice), the context filter and the reuse key compare names too. Every one of them
 * must fold case exactly as the library does, or a Deny whose key holds some non-ASCII letter
 * never meets the request's key. These tests hold the folding to what OPA computes, code point
 * by code point, and run Denies on non-ASCII keys through every evaluation path.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ContextValue,
  type Decision,
  type EvaluationInput,
  loadPolicy,
  type Policy,
  type PolicyDocument,
  PolicyLoadError,
} from "./index.js";
import { foldKey, unsettledKey } from "./key-case.js";
import { buildBundle, makeTempDir, runOpa } from "./test-utils/opa.js";

const principal = { arn: "arn:aws:iam::111122223333:role/app", accountId: "111122223333" };

function tagDeny(key: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "s3:PutObject", Resource: "*" },
      {
        Sid: "DenySecret",
        Effect: "Deny",
        Action: "s3:PutObject",
        Resource: "*",
        Condition: { StringEquals: { [key]: "secret" } },
      },
      {
        Sid: "DenyTagged",
        Effect: "Deny",
        Action: "s3:PutObject",
        Resource: "*",
        Condition: { Null: { [key]: "false" } },
      },
    ],
  };
}

function put(context: Record<string, ContextValue>): EvaluationInput {
  return {
    principal,
    region: "us-east-1",
    requests: [{ action: "s3:PutObject", resource: "arn:aws:s3:::orders/a", context }],
  };
}

/** The same documents with the decision cache, without it, and checked against each other. */
async function bothWays(doc: PolicyDocument): Promise<(input: EvaluationInput) => Decision> {
  const cached = await loadPolicy({ iam: [doc], checkActions: false });
  const uncached = await loadPolicy({ iam: [doc], checkActions: false, cache: false });
  return (input) => {
    const a = cached.evaluate(input);
    const b = uncached.evaluate(input);
    expect(b).toEqual(a);
    return a;
  };
}

/** Every Unicode scalar value, each as a one-character string. */
function everyCodePoint(): string[] {
  const all: string[] = [];
  for (let c = 0; c <= 0x10ffff; c++)
    if (c < 0xd800 || c > 0xdfff) all.push(String.fromCodePoint(c));
  return all;
}

describe("a Deny on a non-ASCII condition key (tag keys may be any Unicode)", () => {
  it.each([
    ["s3:RequestObjectTag/ΟΔΟΣ", "s3:RequestObjectTag/ΟΔΟΣ"],
    ["s3:RequestObjectTag/İD", "s3:RequestObjectTag/İD"],
    ["s3:RequestObjectTag/ΟΔΟΣ", "S3:REQUESTOBJECTTAG/οδοσ"],
    ["s3:RequestObjectTag/İD", "s3:requestobjecttag/id"],
    ["s3:RequestObjectTag/straße", "s3:RequestObjectTag/STRAßE"],
    ["s3:RequestObjectTag/\u212Aey", "s3:RequestObjectTag/key"],
  ])("policy key %s applies to the request key %s", async (policyKey, requestKey) => {
    const evaluate = await bothWays(tagDeny(policyKey));
    expect(evaluate(put({})).allow).toBe(true);
    const decision = evaluate(put({ [requestKey]: "secret" }));
    expect(decision.allow).toBe(false);
    expect(decision.requests[0]?.reason).toMatch(/explicitly denied .*DenySecret.*DenyTagged/);
  });

  it("applies when the caller lists the key as unknown in another spelling", async () => {
    const evaluate = await bothWays(tagDeny("s3:RequestObjectTag/İD"));
    const decision = evaluate({
      ...put({}),
      requests: [
        {
          action: "s3:PutObject",
          resource: "arn:aws:s3:::orders/a",
          unknownContext: ["s3:RequestObjectTag/ID"],
        },
      ],
    });
    expect(decision.allow).toBe(false);
    expect(decision.requests[0]?.reason).toMatch(/unknown before the call/);
  });

  it("applies to a principal tag whose key holds such letters", async () => {
    const evaluate = await bothWays({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "s3:PutObject", Resource: "*" },
        {
          Effect: "Deny",
          Action: "s3:PutObject",
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalTag/ΟΔΟΣ": "blocked" } },
        },
      ],
    });
    const input = (tags: Record<string, string>) => ({
      ...put({}),
      principal: { ...principal, tags },
    });
    expect(evaluate(input({ ΟΔΟΣ: "open" })).allow).toBe(true);
    expect(evaluate(input({ ΟΔΟΣ: "blocked" })).allow).toBe(false);
    expect(evaluate(input({ οδοσ: "blocked" })).allow).toBe(false);
  });
});

describe("an IP value that is not an address, under a key spelled with non-ASCII letters", () => {
  const doc: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
      {
        Effect: "Deny",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
      },
    ],
  };
  const get = (context: Record<string, ContextValue>): EvaluationInput => ({
    principal,
    region: "us-east-1",
    requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context }],
  });

  it("makes the key unknown, so the Deny applies", async () => {
    const evaluate = await bothWays(doc);
    expect(evaluate(get({ "aws:Sourceİp": "10.1.2.3" })).allow).toBe(true);
    const decision = evaluate(get({ "aws:Sourceİp": "10.0.0.0/8" }));
    expect(decision.allow).toBe(false);
    expect(decision.requests[0]?.reason).toMatch(/unknown before the call: aws:sourceip/i);
  });

  it("counts as the same key as its ASCII spelling", async () => {
    const evaluate = await bothWays(doc);
    const decision = evaluate(get({ "aws:SourceIp": "10.1.2.3", "aws:Sourceİp": "8.8.8.8" }));
    expect(decision.allow).toBe(false);
    expect(decision.requests[0]?.reason).toMatch(/twice/);
  });
});

describe("condition keys whose lower-case form is not settled", () => {
  it.each([
    ["s3:RequestObjectTag/\u2C2F", "U+2C2F"],
    ["s3:RequestObjectTag/\u2C5F", "U+2C5F"],
    ["s3:RequestObjectTag/\u0264", "U+0264"],
    ["s3:RequestObjectTag/\uD800", "unpaired surrogate"],
  ])("are refused at load: %s", async (key, why) => {
    const error = await loadPolicy({ iam: [tagDeny(key)], checkActions: false }).catch((e) => e);
    expect(error).toBeInstanceOf(PolicyLoadError);
    expect(error.code).toBe("InvalidConditionKey");
    expect(error.message).toContain(JSON.stringify(key));
    expect(error.message).toContain(why);
  });
});

describe("foldKey is OPA's lower()", () => {
  const { dir, cleanup } = makeTempDir();
  afterAll(cleanup);
  const module = "package fold\n\nout := [lower(s) | some s in input.s]\n";

  it("in the WebAssembly library, for every code point and for strings of them", async () => {
    const bundle = buildBundle(dir, {
      modules: { "fold.rego": module },
      entrypoint: "fold/out",
      withoutLibrary: true,
    });
    const { readTarGz } = await import("./tar.js");
    const wasm = (await readTarGz(readFileSync(bundle))).get("policy.wasm") as Uint8Array;
    const sdk = (await import("@open-policy-agent/opa-wasm")) as unknown as {
      loadPolicy(
        wasm: Uint8Array,
      ): Promise<{ evaluate(input: unknown): Array<{ result: string[] }> }>;
    };
    const policy = await sdk.loadPolicy(wasm);
    const lower = (strings: string[]) => policy.evaluate({ s: strings })[0]?.result as string[];
    const all = everyCodePoint();
    const mismatches: string[] = [];
    for (let i = 0; i < all.length; i += 65_536) {
      const part = all.slice(i, i + 65_536);
      const lowered = lower(part);
      part.forEach((s, k) => {
        if (foldKey(s) !== lowered[k])
          mismatches.push(`U+${(s.codePointAt(0) as number).toString(16).toUpperCase()}`);
      });
    }
    expect(mismatches).toEqual([]);
    // Letter by letter, whatever surrounds it: no final sigma, no dotted i with a mark.
    const words = [
      "ΟΔΟΣ",
      "ΣΑΣ Σ",
      "İSTANBUL İ",
      "STRAßE ẞ",
      "ＦＵＬＬ",
      "\u212Aelvin",
      "ᏣᎳᎩ",
      "ᲛᲐᲠᲘ",
    ];
    expect(words.map(foldKey)).toEqual(lower(words));
    expect(foldKey("ΟΔΟΣ")).toBe("οδοσ");
    expect(foldKey("İD")).toBe("id");
  }, 60_000);

  it("wherever its lower-case form is settled, in `opa eval` and in JavaScript too", () => {
    const all = everyCodePoint();
    const path = join(dir, "input.json");
    const input = JSON.stringify({ s: all });
    writeFileSync(path, input);
    writeFileSync(join(dir, "fold.rego"), module);
    const out = JSON.parse(
      runOpa([
        "eval",
        "-d",
        join(dir, "fold.rego"),
        "-i",
        path,
        "--format",
        "json",
        "data.fold.out",
      ]),
    ) as { result: Array<{ expressions: Array<{ value: string[] }> }> };
    const viaGo = out.result[0]?.expressions[0]?.value as string[];
    // Where the three disagree, every form is unsettled; an unsettled letter folds only to
    // unsettled ones and a settled one only to settled ones. So a settled policy key never
    // meets a request key holding an unsettled letter, whichever implementation folds it.
    const wrong: string[] = [];
    let disagreements = 0;
    all.forEach((s, i) => {
      // JavaScript's own lower-casing, letter by letter (U+0130 is its only letter that
      // lower-cases to two: simple case mapping gives i).
      const viaJs = s === "\u0130" ? "i" : s.toLowerCase();
      const forms = [s, foldKey(s), viaGo[i] as string, viaJs];
      const agree = forms[1] === forms[2] && forms[1] === forms[3];
      if (!agree) disagreements += 1;
      const settled = forms.map((t) => unsettledKey(t) === undefined);
      const expected = agree && unsettledKey(s) === undefined;
      if (settled.some((one) => one !== expected))
        wrong.push(`U+${(s.codePointAt(0) as number).toString(16).toUpperCase()}`);
    });
    expect(wrong).toEqual([]);
    // The implementations do differ (so the comparison above compared something).
    expect(disagreements).toBeGreaterThan(40);
  }, 60_000);
});

describe("differential: non-ASCII keys on every evaluation path", () => {
  const { dir, cleanup } = makeTempDir();
  afterAll(cleanup);
  const names = [
    "ΟΔΟΣ",
    "Σίσυφος",
    "ΣΑΣ",
    "İstanbul",
    "ıstanbul",
    "ISTANBUL",
    "İ",
    "ı",
    "I",
    "straße",
    "STRASSE",
    "ẞ",
    "Ꮳ",
    "ꮳ",
    "ᏣᎳᎩ",
    "ᲛᲐᲠᲘ",
    "მარი",
    "ﬃ",
    "FFI",
    "\u212A",
    "K",
    "k",
    "Å",
    "\u212B",
    "Ǆ",
    "ǅ",
    "ǆ",
    "ＡＢＣ",
    "Ω",
    "\u2126",
    "ϴ",
    "θ",
    "ſ",
    "Ⅻ",
    "Ⓐ",
    "𐐀",
    "𐐨",
    "ꭰ",
  ];
  const variants = (name: string) => [
    ...new Set([
      name,
      name.toLowerCase(),
      name.toUpperCase(),
      foldKey(name),
      name.normalize("NFD"),
    ]),
  ];

  it("deny exactly when the request's key folds as the policy's key does", async () => {
    const bundleDir = join(dir, "b");
    mkdirSync(bundleDir);
    const bundle = buildBundle(bundleDir, {});
    let checked = 0;
    let denied = 0;
    for (const name of names) {
      const key = `aws:RequestTag/${name}`;
      const doc = tagDeny(key);
      const paths: Policy[] = [
        await loadPolicy({ iam: [doc], checkActions: false }),
        await loadPolicy({ iam: [doc], checkActions: false, cache: false }),
        // A bundle decides on the whole input with the library's full explanation path.
        await loadPolicy({ iam: [doc], bundle, checkActions: false }),
      ];
      for (const other of names.flatMap(variants)) {
        for (const written of [`aws:RequestTag/${other}`, `AWS:requesttag/${other}`]) {
          const expected = foldKey(written) === foldKey(key);
          for (const value of ["secret", "other"]) {
            const input = put({ [written]: value, "aws:RequestTag/plain": "x" });
            // The cached path twice: the second answer is the reused decision.
            const [cached, uncached, bundled] = paths as [Policy, Policy, Policy];
            const allows = [cached, cached, uncached, bundled].map((p) => p.evaluate(input).allow);
            expect({ key, written, value, allows }).toEqual({
              key,
              written,
              value,
              allows: allows.map(() => !expected),
            });
            checked += 1;
            if (expected) denied += 1;
          }
        }
      }
    }
    expect(denied).toBeGreaterThan(100);
    expect(checked - denied).toBeGreaterThan(1000);
  }, 120_000);
});
