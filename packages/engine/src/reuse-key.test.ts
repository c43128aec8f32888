import { describe, expect, it } from "vitest";
import { compilePolicyData } from "./compile.js";
import { loadPolicy } from "./load-policy.js";
import type { PolicyDocument } from "./policy-document.js";
import { ActionPlans, MAX_PLANNED_ACTION_LENGTH, ReuseKeys } from "./reuse-key.js";
import { globRegExp } from "./test-utils/glob.js";

const data = compilePolicyData([
  {
    name: "p.json",
    boundary: false,
    document: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
    },
  },
]);

describe("ReuseKeys", () => {
  it("keys an action longer than a real one on the whole request, without a plan", () => {
    const keys = new ReuseKeys(data);
    const json = () => "WHOLE";
    const short = keys.key(
      { action: "s3:GetObject", resource: "arn:aws:s3:::b/x", context: undefined },
      "[[],[]]",
      json,
    );
    expect(short).not.toContain("WHOLE");
    const action = `s3:${"A".repeat(MAX_PLANNED_ACTION_LENGTH)}`;
    const long = keys.key(
      { action, resource: "arn:aws:s3:::b/x", context: undefined },
      "[[],[]]",
      json,
    );
    expect(long).toBe(`${envPart(short)}\u0001EWHOLE`);
  });

  it("gives each principal-and-region text its own short stand-in", () => {
    const keys = new ReuseKeys(data);
    const request = { action: "s3:GetObject", resource: "arn:aws:s3:::b/x", context: undefined };
    const texts = ['[["a"],["us-east-1"]]', '[["b"],["us-east-1"]]', '[["a"],["eu-west-1"]]'];
    const parts = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (const text of texts) {
        // Equal text made afresh, as each evaluation makes it: the stand-in follows the content.
        const part = envPart(keys.key(request, `${text} `.trim(), () => "WHOLE"));
        expect(part.length).toBeLessThan(text.length);
        expect(parts.get(text) ?? part).toBe(part);
        parts.set(text, part);
      }
    }
    expect(new Set(parts.values()).size).toBe(texts.length);
  });
});

/** The part of a key that stands for the principal and region. */
function envPart(key: string): string {
  return key.slice(0, key.indexOf("\u0001"));
}

/** A key without the part that stands for the principal and region. */
function withoutEnv(key: string): string {
  return key.slice(key.indexOf("\u0001"));
}

/** A seeded generator, so that a failure names inputs that can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe.each([
  { mode: "looked up", count: 1200, longest: 4, lookedUp: true },
  { mode: "of many lengths, tested one by one", count: 160, longest: 60, lookedUp: false },
])("ReuseKeys with many exact and prefix patterns $mode", ({ count, longest, lookedUp }) => {
  const next = random(12);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const bases = [
    "arn:aws:s3:::b",
    "arn:aws:s3:::b1",
    "arn:aws:s3:::é",
    "arn:aws:s3:::😀",
    "arn:aws:s3:::/",
  ];
  // Pattern text: `${*}` and `${?}` are a literal `*` and `?`.
  const patternParts = ["a", "b", "/", "é", "😀", "${*}", "${?}", "1"];
  // Resource text: the same characters, literal `*` and `?`, and the halves of an astral one.
  const resourceParts = ["a", "b", "/", "é", "😀", "*", "?", "1", "\uD83D", "\uDE00"];
  const suffix = (parts: readonly string[], max: number): string => {
    let text = "";
    for (let n = Math.floor(next() * (max + 1)); n > 0; n--) text += pick(parts);
    return text;
  };
  const patterns = new Set<string>(["arn:aws:s3:::*", "arn:aws:s3:::b?a*", "arn:aws:s3:::*/a"]);
  while (patterns.size < count) {
    const text = pick(bases) + suffix(patternParts, longest);
    patterns.add(next() < 0.5 ? text : `${text}*`);
  }
  // Each pattern's text, and for a prefix the prefix alone, which it must match.
  const resources = [...patterns].flatMap((p) => {
    const text = p.replaceAll("${*}", "*").replaceAll("${?}", "?");
    return p.endsWith("*") && !p.endsWith("${*}") ? [text, text.slice(0, -1)] : [text];
  });
  const data = compilePolicyData([
    {
      name: "many.json",
      boundary: false,
      document: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: "s3:PutObject", Resource: [...patterns] },
          { Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::${aws:username}/*" },
        ],
      },
    },
  ]);
  // Forms a document cannot produce: the empty prefix and the empty exact text.
  data.statements[0]?.resource?.push({ p: "" }, { s: "" });
  const action = "s3:PutObject";
  const named = '[[{"username":"b1"}],[]]';
  const anonymous = "[[],[]]";

  /** The key as it was built before the plan was indexed: one test after another. */
  const tests = new ActionPlans(data).plan(action).tests;
  function reference(resource: string, envText: string): string {
    let bits = "";
    for (const test of tests) {
      let match: boolean;
      if ("s" in test) match = resource === test.s;
      else if ("p" in test) match = resource.startsWith(test.p);
      else if ("g" in test) match = globRegExp(test.g.glob).test(resource);
      else {
        if (envText === anonymous) return `R${JSON.stringify(resource)}`;
        let glob = "";
        for (const part of test.tpl) glob += "g" in part ? part.g : "b1";
        match = globRegExp(glob).test(resource);
      }
      bits += match ? "1" : "0";
    }
    const positions: number[] = [];
    for (let i = 0; i < bits.length; i++) if (bits[i] === "1") positions.push(i);
    return positions.join(",");
  }

  function expected(resource: string, envText: string): string {
    if (!(resource as string & { isWellFormed(): boolean }).isWellFormed())
      return `${envText}\u0001EWHOLE`;
    return `${envText}\u0001Q${JSON.stringify(action)}|${reference(resource, envText)}||`;
  }

  it("plans exact, prefix, regular-expression and template tests", () => {
    const plan = new ActionPlans(data).plan(action);
    expect(plan.usable).toBe(true);
    expect(plan.exact.size).toBeGreaterThan(count / 4);
    const prefixes = plan.tests.filter((test) => "p" in test).length;
    expect(prefixes).toBeGreaterThan(count / 4);
    expect(plan.prefixes.size).toBe(lookedUp ? prefixes : 0);
    expect(plan.prefixes.has("")).toBe(lookedUp);
    expect(plan.others.length).toBe(lookedUp ? 3 : 3 + prefixes);
    expect(plan.exact.size + plan.prefixes.size + plan.others.length).toBe(plan.tests.length);
  });

  const cut = (text: string): string => text.slice(0, Math.floor(next() * (text.length + 1)));

  it("gives every resource the key the per-test loop gives", () => {
    const keys = new ReuseKeys(data);
    const byKey = new Map<string, string>();
    const byMatches = new Map<string, string>();
    const sizes = new Set<number>();
    const envParts = new Map<string, string>();
    for (let i = 0; i < 6000; i++) {
      const resource =
        i % 3 === 0
          ? pick(resources)
          : i % 3 === 1
            ? pick(resources) + suffix(resourceParts, 2)
            : cut(pick(resources));
      const envText = i % 10 === 0 ? anonymous : named;
      const key = keys.key({ action, resource, context: undefined }, envText, () => "WHOLE");
      expect(withoutEnv(key), JSON.stringify(resource)).toBe(
        withoutEnv(expected(resource, envText)),
      );
      // One stand-in per principal-and-region text, and a different one for each.
      expect(envParts.get(envText) ?? envPart(key)).toBe(envPart(key));
      envParts.set(envText, envPart(key));
      if (envText !== named || key.endsWith("WHOLE")) continue;
      const matches = reference(resource, envText);
      sizes.add(matches === "" ? 0 : matches.split(",").length);
      // Requests that match the same tests, and only those, share a key.
      expect(byKey.get(key) ?? matches).toBe(matches);
      expect(byMatches.get(matches) ?? key).toBe(key);
      byKey.set(key, matches);
      byMatches.set(matches, key);
    }
    expect(new Set(envParts.values()).size).toBe(envParts.size);
    expect(Math.max(...sizes)).toBeGreaterThan(4);
    expect(sizes.has(1)).toBe(true);
  });
});

describe("reuse while Object.prototype has a member named like a principal field", () => {
  it("refuses while a principal field is inherited, and keys the principal as the library sees it after", async () => {
    const document: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
        {
          Effect: "Deny",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/${aws:username, 'anon'}",
        },
      ],
    };
    const reusing = await loadPolicy({ iam: [{ name: "anon.json", document }] });
    const principal = {
      arn: "arn:aws:iam::111122223333:role/r",
      accountId: "111122223333",
      type: "AssumedRole",
      tags: {},
    };
    const input = (resource: string) => ({
      principal,
      region: "us-east-1",
      requests: [{ action: "s3:GetObject", resource }],
    });
    const prototype = Object.prototype as unknown as Record<string, unknown>;
    prototype["username"] = "zzz";
    try {
      // What the engine computes could read the inherited member: it decides nothing.
      for (const resource of ["arn:aws:s3:::b/other", "arn:aws:s3:::b/zzz"]) {
        const refused = reusing.evaluate(input(resource));
        expect(refused.allow).toBe(false);
        expect(refused.requests[0]?.reason).toContain('Object.prototype has the member "username"');
      }
    } finally {
      delete prototype["username"];
    }
    expect(reusing.evaluate(input("arn:aws:s3:::b/other")).allow).toBe(true);
    expect(reusing.evaluate(input("arn:aws:s3:::b/zzz")).allow).toBe(true);
    // The library fills in the default for the missing user name: this is the denied object.
    expect(reusing.evaluate(input("arn:aws:s3:::b/anon")).allow).toBe(false);
  });
});
