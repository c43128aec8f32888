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
import { foldKey, unsettledKey, versionUnsettled } from "./key-case.js";
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
    ["s3:RequestObjectTag/ǄD", "s3:RequestObjectTag/ǄD"],
    ["s3:RequestObjectTag/ΟΔΟΣ", "S3:REQUESTOBJECTTAG/οδοσ"],
    ["s3:RequestObjectTag/ΟΔΟΣ", "s3:RequestObjectTag/Οδοσ"],
    ["s3:RequestObjectTag/ǄD", "s3:requestobjecttag/ǅd"],
    ["s3:RequestObjectTag/ΣΟΦΙΑ", "s3:RequestObjectTag/σοφια"],
    ["s3:RequestObjectTag/\u212Aey", "s3:RequestObjectTag/key"],
  ])("policy key %s applies to the request key %s", async (policyKey, requestKey) => {
    const evaluate = await bothWays(tagDeny(policyKey));
    expect(evaluate(put({})).allow).toBe(true);
    const decision = evaluate(put({ [requestKey]: "secret" }));
    expect(decision.allow).toBe(false);
    expect(decision.requests[0]?.reason).toMatch(/explicitly denied .*DenySecret.*DenyTagged/);
  });

  it("applies when the caller lists the key as unknown in another spelling", async () => {
    const evaluate = await bothWays(tagDeny("s3:RequestObjectTag/ǄD"));
    const decision = evaluate({
      ...put({}),
      requests: [
        {
          action: "s3:PutObject",
          resource: "arn:aws:s3:::orders/a",
          unknownContext: ["s3:RequestObjectTag/ǆd"],
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

/** Whether a letter folds otherwise once its case is changed, by the definition the loader applies. */
function roundTripUnstable(s: string): boolean {
  const folded = foldKey(s);
  return (
    foldKey(folded.toUpperCase()) !== folded ||
    foldKey(s.toUpperCase()) !== folded ||
    foldKey(s.toLowerCase()) !== folded
  );
}

const refused = (s: string) => unsettledKey(s) !== undefined;

describe("condition keys that fold otherwise once their case is changed", () => {
  // IAM matches key names case-insensitively; whether it takes ς for σ or ß for ss is not
  // documented. A policy key holding such a letter is refused, so no policy means one or the
  // other depending on it.
  it.each([
    ["s3:RequestObjectTag/οδος", "U+03C2"],
    ["aws:PrincipalTag/οδος", "U+03C2"],
    ["s3:RequestObjectTag/straße", "U+00DF"],
    ["s3:RequestObjectTag/STRAẞE", "U+1E9E"],
    ["s3:RequestObjectTag/oﬃce", "U+FB03"],
    ["s3:RequestObjectTag/ŉ", "U+0149"],
    ["s3:RequestObjectTag/ΐ", "U+0390"],
    ["s3:RequestObjectTag/İD", "U+0130"],
    ["s3:RequestObjectTag/ıd", "U+0131"],
    ["s3:RequestObjectTag/ſecret", "U+017F"],
    ["s3:RequestObjectTag/µ", "U+00B5"],
  ])("are refused at load: %s", async (key, why) => {
    for (const cache of [undefined, false as const]) {
      const error = await loadPolicy({ iam: [tagDeny(key)], checkActions: false, cache }).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(PolicyLoadError);
      expect(error.code).toBe("InvalidConditionKey");
      expect(error.message).toContain(JSON.stringify(key));
      expect(error.message).toContain(why);
    }
  });

  it("a Deny on the upper-case key still applies to the tag in upper and simple lower case", async () => {
    const evaluate = await bothWays(tagDeny("s3:RequestObjectTag/ΟΔΟΣ"));
    for (const written of ["ΟΔΟΣ", "οδοσ", "Οδοσ"]) {
      const decision = evaluate(put({ [`s3:RequestObjectTag/${written}`]: "secret" }));
      expect({ written, allow: decision.allow }).toEqual({ written, allow: false });
    }
    const strasse = await bothWays(tagDeny("s3:RequestObjectTag/STRASSE"));
    expect(strasse(put({ "s3:RequestObjectTag/strasse": "secret" })).allow).toBe(false);
  });

  it("the refused set holds every code point whose round trip folds otherwise", () => {
    const missing: string[] = [];
    let count = 0;
    for (const s of everyCodePoint()) {
      if (!roundTripUnstable(s)) continue;
      count += 1;
      if (!refused(s)) missing.push(`U+${(s.codePointAt(0) as number).toString(16).toUpperCase()}`);
    }
    expect(missing).toEqual([]);
    expect(count).toBeGreaterThan(300);
  }, 60_000);

  it("no two keys that differ only by case fold differently unless one is refused", () => {
    // JavaScript's case mappings work code point by code point except a final Σ, which
    // lower-cases to ς (refused); foldKey maps each code point to one. So checking every code
    // point, and every string reached from it by up to three case changes, covers keys of any
    // length. Each step is checked on its own: keys linked only through a refused one (İ
    // lower-cases to i and a combining dot, and folds to i) differ by more than case, and a
    // chain of accepted keys folds alike step by step.
    const contextual: string[] = [];
    const wrong: string[] = [];
    const steps = [
      (t: string) => t.toUpperCase(),
      (t: string) => t.toLowerCase(),
      (t: string) => foldKey(t),
    ];
    for (const s of everyCodePoint()) {
      const lower = s.toLowerCase();
      const upper = s.toUpperCase();
      if (
        `a${s}`.toLowerCase() !== `a${lower}` ||
        `${s}a`.toLowerCase() !== `${lower}a` ||
        `a${s}`.toUpperCase() !== `A${upper}` ||
        `${s}a`.toUpperCase() !== `${upper}A`
      )
        contextual.push(s);
      if ([...foldKey(s)].length !== 1 || foldKey(foldKey(s)) !== foldKey(s)) wrong.push(s);
      let reached = new Set([s]);
      for (let depth = 0; depth < 3; depth++) {
        const next = new Set(reached);
        for (const t of reached) {
          const changed = steps.map((f) => f(t));
          if (t === "Σ") changed.push("ς");
          for (const u of changed) {
            next.add(u);
            if (!refused(t) && !refused(u) && foldKey(t) !== foldKey(u))
              wrong.push(`U+${(s.codePointAt(0) as number).toString(16).toUpperCase()}: ${t} ${u}`);
          }
        }
        reached = next;
      }
    }
    expect(contextual).toEqual(["Σ"]);
    expect(refused("ς")).toBe(true);
    expect(wrong).toEqual([]);
  }, 120_000);

  it("a request key holding a refused letter matches no accepted key but İ's, which folds to i", () => {
    // foldKey maps each code point to one, so two keys fold alike only letter by letter.
    const acceptedFolds = new Set<string>();
    const refusedFolds: string[] = [];
    for (const s of everyCodePoint()) {
      if (refused(s)) refusedFolds.push(s);
      else acceptedFolds.add(foldKey(s));
    }
    const shared = refusedFolds.filter((s) => acceptedFolds.has(foldKey(s)));
    expect(shared).toEqual(["İ"]);
  }, 60_000);

  it("a request key holding a refused letter never makes a Deny not apply", async () => {
    const upper = await bothWays(tagDeny("s3:RequestObjectTag/ΟΔΟΣ"));
    const ascii = await bothWays(tagDeny("s3:RequestObjectTag/ODOS"));
    const extras = {
      "s3:RequestObjectTag/οδος": "other",
      "s3:RequestObjectTag/STRAẞE": "other",
      "s3:RequestObjectTag/ſ": "other",
      "s3:RequestObjectTag/ß": "other",
    };
    for (const evaluate of [upper, ascii]) {
      expect(evaluate(put(extras)).allow).toBe(true);
    }
    expect(upper(put({ ...extras, "s3:RequestObjectTag/οδοσ": "secret" })).allow).toBe(false);
    expect(ascii(put({ ...extras, "s3:RequestObjectTag/odos": "secret" })).allow).toBe(false);
    // As principal tags, and listed as unknown.
    const tagged = await bothWays({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "s3:PutObject", Resource: "*" },
        {
          Effect: "Deny",
          Action: "s3:PutObject",
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalTag/ODOS": "blocked" } },
        },
      ],
    });
    const withTags = (tags: Record<string, string>) => ({
      ...put({}),
      principal: { ...principal, tags },
    });
    expect(tagged(withTags({ οδος: "blocked", ODOS: "blocked" })).allow).toBe(false);
    expect(tagged(withTags({ ODOS: "blocked", ſ: "x" })).allow).toBe(false);
    const unknown = upper({
      ...put({ "s3:RequestObjectTag/οδος": "other" }),
      requests: [
        {
          action: "s3:PutObject",
          resource: "arn:aws:s3:::orders/a",
          unknownContext: ["s3:RequestObjectTag/οδος", "s3:RequestObjectTag/ΟΔΟΣ"],
        },
      ],
    });
    expect(unknown.allow).toBe(false);
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
      const settled = forms.map(
        (t) => ![...t].some((ch) => versionUnsettled(ch.codePointAt(0) as number)),
      );
      const expected = agree && settled[0];
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
    // Names whose case round trip folds otherwise are refused as policy keys (tested above);
    // they still appear among the request's spellings.
    const accepted = names.filter((name) => unsettledKey(name) === undefined);
    expect(names.length - accepted.length).toBeGreaterThan(8);
    for (const name of accepted) {
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
