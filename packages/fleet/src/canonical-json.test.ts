import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";

describe("canonicalJson", () => {
  it("sorts keys by UTF-8 bytes, keeps number spellings and escapes as Go does", () => {
    expect(canonicalJson('{ "b": 1.0, "a": [1E3, -0, {"d": null, "c": true}] }')).toBe(
      '{"a":[1E3,-0,{"c":true,"d":null}],"b":1.0}',
    );
    // U+E000 sorts before U+1F600 in UTF-8, after it in UTF-16.
    expect(canonicalJson('{"\u{1F600}":1,"\uE000":2}')).toBe('{"\uE000":2,"\u{1F600}":1}');
    expect(canonicalJson('"<&>\\u2028\\ud83d\\ude00"')).toBe('"<&>\\u2028\u{1F600}"');
    expect(canonicalJson('{"a":1,"a":2}')).toBe('{"a":2}');
  });

  it("refuses a lone surrogate escape, which Go would digest as U+FFFD and JSON.parse keep", () => {
    for (const lone of ['"\\ud800"', '"a\\udc00b"', '{"\\ud800":1}', '"\\ud800\\u0041"']) {
      expect(() => canonicalJson(lone), lone).toThrow(/lone surrogate/);
    }
  });

  it("refuses what is not JSON", () => {
    for (const bad of ["{", '{"a" 1}', "[1,]", "01", '"\u0001"', "1 2", "NaN"]) {
      expect(() => canonicalJson(bad), bad).toThrow(/invalid JSON/);
    }
  });
});
