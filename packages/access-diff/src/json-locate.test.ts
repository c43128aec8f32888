import { describe, expect, it } from "vitest";
import { JsonSyntaxError, lineOf, parseLocatedJson } from "./json-locate.js";

describe("parseLocatedJson", () => {
  it("records where each value starts", () => {
    const text =
      '{\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Condition": { "StringEqualz": {} }\n    }\n  ]\n}\n';
    const located = parseLocatedJson(text);
    expect(located.value).toEqual(JSON.parse(text));
    expect(lineOf(located, ["Statement", 0])).toBe(3);
    expect(lineOf(located, ["Statement", 0, "Condition", "StringEqualz"])).toBe(5);
    // Unknown paths fall back to the nearest located parent.
    expect(lineOf(located, ["Statement", 0, "Action"])).toBe(3);
  });

  it("reports syntax errors at their line and column", () => {
    const text = '{\n  "Statement": [\n    { "Effect": "Allow" "Action": "*" }\n  ]\n}';
    expect(() => parseLocatedJson(text)).toThrow(JsonSyntaxError);
    try {
      parseLocatedJson(text);
    } catch (error) {
      expect((error as JsonSyntaxError).position).toEqual({ line: 3, column: 25 });
    }
  });

  it("rejects trailing content", () => {
    expect(() => parseLocatedJson("{} x")).toThrow(/after the document/);
  });
});
