import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { redactContext, redactionMatcher, summarizeInput } from "./redact.js";

const matcher = redactionMatcher();

describe("redactionMatcher", () => {
  test.each([
    ["Body", true],
    ["MessageBody", true],
    ["SecretString", true],
    ["SecretBinary", true],
    ["ClientSecret", true],
    ["Password", true],
    ["OldPassword", true],
    ["NextToken", true],
    ["SessionToken", true],
    ["SSECustomerKey", true],
    ["password", true],
    ["Bucket", false],
    ["Key", false],
    ["TableName", false],
    ["SecretId", false],
    ["SecretArn", false],
    ["SecretName", false],
    ["SharedSecret", true],
    ["SecretAccessKey", true],
    ["SecretHash", true],
  ])("%s → %s", (name, redacted) => {
    expect(matcher(name)).toBe(redacted);
  });

  test("extra globs and regular expressions add to the defaults", () => {
    const extra = redactionMatcher(["Key", "Customer*"]);
    expect(extra("key")).toBe(true);
    expect(extra("CustomerName")).toBe(true);
    expect(extra("Body")).toBe(true);
    expect(redactionMatcher([/^Table/])("TableName")).toBe(true);
  });

  test("secret identifiers can still be redacted on request", () => {
    expect(redactionMatcher(["SecretId"])("SecretId")).toBe(true);
  });

  test("glob characters other than * are literal", () => {
    expect(redactionMatcher(["a.c"])("abc")).toBe(false);
    expect(redactionMatcher(["a.c"])("a.c")).toBe(true);
  });
});

describe("summarizeInput", () => {
  test("keeps small plain values and redacts by name at any depth", () => {
    expect(
      summarizeInput(
        { Bucket: "b", Count: 3, Flag: true, Nested: { Password: "x", Name: "n" } },
        matcher,
      ),
    ).toEqual({ Bucket: "b", Count: 3, Flag: true, Nested: { Password: "[redacted]", Name: "n" } });
  });

  test("bytes, streams and blobs are described, never copied", () => {
    expect(
      summarizeInput(
        {
          A: new Uint8Array(5),
          B: Readable.from(["x"]),
          C: new Blob(["abc"]),
          D: new ArrayBuffer(2),
        },
        matcher,
      ),
    ).toEqual({ A: "[binary 5 bytes]", B: "[stream]", C: "[stream]", D: "[binary 2 bytes]" });
  });

  test("clips long strings, long lists, many members and deep nesting", () => {
    const summary = summarizeInput(
      {
        Long: "x".repeat(1000),
        List: Array.from({ length: 30 }, (_, i) => i),
        Deep: { a: { b: { c: { d: 1 } } } },
        Wide: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])),
      },
      matcher,
    ) as Record<string, unknown>;
    expect(summary["Long"]).toBe(`${"x".repeat(256)}…(+744 chars)`);
    expect(summary["List"]).toHaveLength(11);
    expect(summary["Deep"]).toEqual({ a: { b: { c: "[…]" } } });
    expect(Object.keys(summary["Wide"] as object)).toHaveLength(51);
  });

  test("never throws: cycles, throwing getters, bigints, odd numbers, dates, symbols", () => {
    const cycle: Record<string, unknown> = { Name: "c" };
    cycle["Self"] = cycle;
    const throwing = Object.defineProperty({}, "Bad", {
      enumerable: true,
      get() {
        throw new Error("no");
      },
    });
    expect(
      summarizeInput(
        {
          cycle,
          throwing,
          big: 10n,
          nan: Number.NaN,
          date: new Date(0),
          bad: new Date(Number.NaN),
          sym: Symbol("s"),
          fn: () => 1,
          nil: null,
          undef: undefined,
        },
        matcher,
      ),
    ).toEqual({
      cycle: { Name: "c", Self: "[circular]" },
      throwing: { Bad: "[unreadable]" },
      big: "10",
      nan: "NaN",
      date: "1970-01-01T00:00:00.000Z",
      bad: "[invalid date]",
      nil: null,
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("trap");
        },
      },
    );
    expect(summarizeInput(proxy, matcher)).toBe("[unreadable]");
  });

  test("the summary is JSON-serializable", () => {
    const summary = summarizeInput({ a: 1n, b: [new Uint8Array(1)], c: "ü🧾" }, matcher);
    expect(JSON.parse(JSON.stringify(summary))).toEqual({
      a: "1",
      b: ["[binary 1 bytes]"],
      c: "ü🧾",
    });
  });
});

describe("redactContext", () => {
  test("redacts secret-looking keys by their last segment and leaves the rest", () => {
    const context = { "aws:RequestedRegion": "us-east-1", "kms:EncryptionContext:password": "x" };
    expect(redactContext(context, matcher)).toEqual({
      "aws:RequestedRegion": "us-east-1",
      "kms:EncryptionContext:password": "[redacted]",
    });
  });

  test("returns the same object when nothing is redacted", () => {
    const context = { "aws:RequestedRegion": "us-east-1" };
    expect(redactContext(context, matcher)).toBe(context);
  });
});
