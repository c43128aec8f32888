import { describe, expect, it } from "vitest";
import { loadPolicy } from "./load-policy.js";
import { GLOB_ANY, GLOB_ONE, globMatches } from "./patterns.js";
import type { PolicyDocument } from "./policy-document.js";
import { globRegExp } from "./test-utils/glob.js";
import { Picker } from "./test-utils/picker.js";

describe("globMatches", () => {
  it("agrees with the regular expression on random globs and text, astral characters too", () => {
    const picker = new Picker(7);
    const alphabet = ["a", "b", "/", ":", "😀", "é", "\n"];
    const pick = () => picker.one(alphabet);
    let matches = 0;
    for (let n = 0; n < 20_000; n++) {
      let glob = "";
      for (let i = picker.int(7); i > 0; i--)
        glob += picker.chance(0.25) ? GLOB_ANY : picker.chance(0.2) ? GLOB_ONE : pick();
      let text = "";
      for (let i = picker.int(8); i > 0; i--) text += pick();
      const expected = globRegExp(glob).test(text);
      if (expected) matches++;
      expect(globMatches(glob, text), JSON.stringify({ glob, text })).toBe(expected);
    }
    // Both outcomes are well represented.
    expect(matches).toBeGreaterThan(2_000);
    expect(matches).toBeLessThan(18_000);
  });

  it("counts a question mark as one code point", () => {
    expect(globMatches(GLOB_ONE, "😀")).toBe(true);
    expect(globMatches(`${GLOB_ONE}${GLOB_ONE}`, "😀")).toBe(false);
    expect(globMatches(`${GLOB_ANY}${GLOB_ONE}${GLOB_ONE}`, "😀")).toBe(false);
    expect(globMatches(`${GLOB_ANY}${GLOB_ONE}`, "x😀")).toBe(true);
  });

  it("decides text that nearly matches many stars without backtracking over it", () => {
    // A backtracking matcher takes about 2,000^8 steps here; this one a few million at most.
    const glob = `arn:aws:s3:::b/${`${GLOB_ANY}/`.repeat(8)}${GLOB_ANY}.json`;
    expect(globMatches(glob, `arn:aws:s3:::b/${"/".repeat(2_000)}x`)).toBe(false);
    expect(globMatches(glob, `arn:aws:s3:::b/${"/".repeat(2_000)}x.json`)).toBe(true);
  });
});

describe("a policy whose patterns have many stars", () => {
  it("decides a resource chosen to make a backtracking matcher run for years, as afresh", async () => {
    const document: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
        {
          Effect: "Deny",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/*/*/*/*/*/*/*/*.json",
        },
      ],
    };
    const reusing = await loadPolicy({ iam: [{ name: "stars.json", document }] });
    const fresh = await loadPolicy({ iam: [{ name: "stars.json", document }], cache: false });
    for (const resource of [
      "arn:aws:s3:::b/a/b/c/d/e/f/g/h.json",
      `arn:aws:s3:::b/${"/".repeat(1_000)}x`,
      `arn:aws:s3:::b/${"/".repeat(1_000)}x.json`,
      "arn:aws:s3:::b/x",
    ]) {
      const input = { requests: [{ action: "s3:GetObject", resource }] };
      expect(reusing.evaluate(input).allow, resource.slice(0, 40)).toBe(
        fresh.evaluate(input).allow,
      );
    }
    expect(
      reusing.evaluate({ requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/x" }] })
        .allow,
    ).toBe(true);
  });
});

describe("a resource longer than any AWS resource's ARN", () => {
  it("is denied, named, before any pattern is matched against it", async () => {
    const document: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
        { Effect: "Deny", Action: "s3:GetObject", Resource: `arn:aws:s3:::*${"a".repeat(2000)}b*` },
      ],
    };
    const policy = await loadPolicy({ iam: [{ name: "long.json", document }] });
    // A megabyte chosen to nearly match: minutes of matching, were it matched.
    const long = `arn:aws:s3:::x/${"a".repeat(1_000_000)}`;
    const decision = policy.evaluate({ requests: [{ action: "s3:GetObject", resource: long }] });
    expect(decision.allow).toBe(false);
    expect(decision.requests[0]?.reason).toMatch(
      /requests\[0\]\.resource is 1000015 characters long/,
    );
    const longest = `arn:aws:ssm:us-east-1:111122223333:parameter/${"p".repeat(2048)}`;
    expect(
      policy.evaluate({ requests: [{ action: "s3:GetObject", resource: longest }] }).allow,
    ).toBe(true);
  });
});
