import { prototypePollution } from "@keycard/iam-reference";
import { describe, expect, it } from "vitest";
import { usePrototypeCheck } from "./prototype-check.js";
import {
  canonicalIp,
  MAX_INPUT_TEXT,
  MAX_INPUT_VALUES,
  readInput,
  snapshotInput,
} from "./request-snapshot.js";
import { inheritIndexZero } from "./test-utils/prototypes.js";
import type { EvaluationInput } from "./types.js";

// As `loadPolicy` installs it: without the check, no copy is kept for later reads.
usePrototypeCheck(prototypePollution);

describe("canonicalIp", () => {
  it("spells IPv4-mapped IPv6 addresses as IPv4 and other IPv6 addresses in full", () => {
    expect(canonicalIp("203.0.113.5")).toBe("203.0.113.5");
    expect(canonicalIp("::ffff:203.0.113.5")).toBe("203.0.113.5");
    expect(canonicalIp("0:0::FFFF:cb00:7105")).toBe("203.0.113.5");
    expect(canonicalIp("2001:db8::1")).toBe("2001:db8:0:0:0:0:0:1");
    expect(canonicalIp("::")).toBe("0:0:0:0:0:0:0:0");
  });

  it("refuses ranges, zones and text that is no address", () => {
    for (const text of ["203.0.113.5/32", "::ffff:cb00:7105/128", "fe80::1%eth0", "x", ""])
      expect(canonicalIp(text)).toBeUndefined();
  });
});

describe("snapshotInput", () => {
  it("runs each getter once and returns plain data", () => {
    let reads = 0;
    const input = {
      requests: [
        {
          action: "s3:GetObject",
          resource: "*",
          get context() {
            reads += 1;
            return { n: reads };
          },
        },
      ],
    };
    const snapshot = snapshotInput(input);
    expect(reads).toBe(1);
    expect(snapshot).toEqual({
      requests: [{ action: "s3:GetObject", resource: "*", context: { n: 1 } }],
    });
  });

  it("names U+0000 but not an escaped backslash before u0000", () => {
    expect(snapshotInput({ requests: [{ resource: "a\u0000" }] })).toMatch(/U\+0000/);
    expect(snapshotInput({ requests: [{ resource: "a\\\u0000" }] })).toMatch(/U\+0000/);
    expect(typeof snapshotInput({ requests: [{ resource: "a\\u0000" }] })).toBe("object");
  });

  it("names a lone surrogate, which the library cannot read, but not a surrogate pair", () => {
    expect(snapshotInput({ requests: [{ resource: "a\ud800" }] })).toMatch(/lone surrogate/);
    expect(snapshotInput({ requests: [{ resource: "\udc00b" }] })).toMatch(/lone surrogate/);
    expect(typeof snapshotInput({ requests: [{ resource: "a\ud83d\ude00" }] })).toBe("object");
    expect(typeof snapshotInput({ requests: [{ resource: "a\\ud800" }] })).toBe("object");
  });

  it("says why an input cannot be read", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(snapshotInput(circular)).toMatch(/cannot be serialized/);
    expect(snapshotInput(undefined)).toMatch(/not an object/);
  });
});

describe("snapshotInput: one pass, as JSON reads it", () => {
  const request = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" };

  it("runs every getter and proxy trap at most once, and never reads members it skips", () => {
    const reads = new Map<PropertyKey, number>();
    const count = (key: PropertyKey) => reads.set(key, (reads.get(key) ?? 0) + 1);
    const context = new Proxy(
      { "s3:prefix": "a/", "aws:SecureTransport": true },
      {
        get(target, key, receiver) {
          count(`context.${String(key)}`);
          return Reflect.get(target, key, receiver);
        },
      },
    );
    const raw = {
      get principal() {
        count("principal");
        return {
          arn: "arn:aws:iam::111122223333:user/a",
          get extra() {
            count("extra");
            return 1;
          },
        };
      },
      requests: [
        {
          ...request,
          context,
          get note() {
            count("note");
            return "not read by the engine";
          },
        },
      ],
    };
    const snapshot = snapshotInput(raw, "engine") as EvaluationInput;
    expect(snapshot).toEqual({
      principal: { arn: "arn:aws:iam::111122223333:user/a" },
      requests: [{ ...request, context: { "s3:prefix": "a/", "aws:SecureTransport": true } }],
    });
    for (const [key, n] of reads) expect([key, n]).toEqual([key, 1]);
    expect(reads.has("note")).toBe(false);
    expect(reads.has("extra")).toBe(false);
    // Every member, for bundles whose custom rules may read any.
    const all = snapshotInput(raw, "all") as unknown as { requests: Array<{ note?: string }> };
    expect(all.requests[0]?.note).toBe("not read by the engine");
  });

  it("applies toJSON, unboxes primitives and leaves out what JSON leaves out", () => {
    const when = new Date("2024-01-02T03:04:05.000Z");
    const snapshot = snapshotInput({
      requests: [
        {
          ...request,
          context: {
            "aws:CurrentTime": when,
            "k:boxed": new String("x"),
            "k:nan": Number.NaN,
            "k:gone": undefined,
            "k:fn": () => 1,
            "k:list": [1, undefined, "a"],
            "k:custom": { toJSON: (key: string) => `custom ${key}` },
          },
        },
      ],
    });
    expect(snapshot).toEqual({
      requests: [
        {
          ...request,
          context: {
            "aws:CurrentTime": "2024-01-02T03:04:05.000Z",
            "k:boxed": "x",
            "k:nan": null,
            "k:list": [1, null, "a"],
            "k:custom": "custom k:custom",
          },
        },
      ],
    });
  });

  it("keeps a __proto__ key as an ordinary member and never touches a prototype", () => {
    const raw = JSON.parse(
      '{"requests":[{"action":"s3:GetObject","resource":"*","context":{"__proto__":{"polluted":1}}}]}',
    );
    const snapshot = snapshotInput(raw, "engine") as EvaluationInput;
    const context = snapshot.requests[0]?.context as Record<string, unknown>;
    expect(Object.keys(context)).toEqual(["__proto__"]);
    // The copy's prototype is its own empty one, which inherits nothing, never the key's value.
    expect(Object.getPrototypeOf(context)).toBe(Object.getPrototypeOf(snapshot));
    expect(Object.getPrototypeOf(Object.getPrototypeOf(context))).toBeNull();
    expect(context.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses, with a reason, inputs too deep or too large to copy, and what throws", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(snapshotInput({ requests: [{ ...request, context: { k: deep } }] })).toMatch(
      /nested more than 64 levels/,
    );
    const wide = new Array(MAX_INPUT_VALUES + 1).fill(0);
    expect(snapshotInput({ requests: [{ ...request, context: { k: wide } }] })).toMatch(
      /more than 200000 values/,
    );
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    expect(snapshotInput({ requests: [{ ...request, context: { k: sparse } }] })).toMatch(
      /more than 200000 values/,
    );
    const long = "a".repeat(MAX_INPUT_TEXT / 4);
    expect(
      snapshotInput({
        requests: [{ ...request, context: { a: long, b: long, c: long, d: long, e: long } }],
      }),
    ).toMatch(/characters of text/);
    expect(snapshotInput({ requests: [{ ...request, context: { k: 1n } }] })).toMatch(
      /cannot be serialized \(it holds a BigInt\)/,
    );
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(snapshotInput({ requests: [{ ...request, context: revoked.proxy }] })).toMatch(
      /cannot be serialized/,
    );
    expect(
      snapshotInput({
        toJSON: () => {
          throw new Error("no");
        },
      }),
    ).toBe("the input cannot be serialized (no)");
  });

  it("checks keys as well as values for U+0000 and lone surrogates", () => {
    expect(snapshotInput({ requests: [{ ...request, context: { "k\u0000": "v" } }] })).toMatch(
      /U\+0000/,
    );
    expect(snapshotInput({ requests: [{ ...request, context: { "k\ud800": "v" } }] })).toMatch(
      /lone surrogate/,
    );
  });
});

describe("readInput: principals read once and reused", () => {
  /** The principal as `evaluate` reads it (`engine` mode). */
  const principalOf = (principal: object) => {
    const read = readInput({ principal, requests: [] }, "engine");
    if (!("input" in read)) throw new Error(read.reason);
    return read.input.principal as Record<string, unknown>;
  };

  it("reuses the copy of a frozen principal of plain data, kept when the next read starts", () => {
    const sealed = Object.freeze({ arn: "a", tags: Object.freeze({ team: "blue" }) });
    const first = principalOf(sealed);
    const kept = principalOf(sealed);
    expect(principalOf(sealed)).toBe(kept);
    expect(Object.isFrozen(kept)).toBe(true);
    expect(first).toEqual({ arn: "a", tags: { team: "blue" } });
    expect(kept).toEqual(first);
  });

  it("refuses a frozen list with a hole while the prototype has that index, and keeps nothing", () => {
    const list: string[] = [];
    list[1] = "x";
    const holed = Object.freeze({ arn: "a", mfa: Object.freeze(list) });
    const objects = Object.prototype as Record<string, unknown>;
    try {
      for (const value of ["first", "second"]) {
        inheritIndexZero(Object.prototype, () => value);
        // Writing the copy's entry 0 would reach what was put there: refused.
        expect(() => principalOf(holed)).toThrow(/put an index on Array.prototype or Object/);
      }
    } finally {
      delete objects[0];
    }
    expect(principalOf(holed)["mfa"]).toEqual([null, "x"]);
  });

  it("refuses to read while a toJSON every list or object inherits could answer", () => {
    const listed = Object.freeze({ arn: "a", mfa: Object.freeze(["x"]) });
    const arrays = Object.getPrototypeOf(Array.prototype);
    const hooked = (setUp: () => void) => {
      try {
        setUp();
        return readInput({ principal: listed, requests: [] }, "engine");
      } finally {
        Object.setPrototypeOf(Array.prototype, arrays);
        delete (Object.prototype as { toJSON?: unknown }).toJSON;
        delete (Array.prototype as { toJSON?: unknown }).toJSON;
      }
    };
    const refusals = [
      hooked(() => {
        (Object.prototype as { toJSON?: unknown }).toJSON = () => ({});
      }),
      hooked(() => {
        (Array.prototype as { toJSON?: unknown }).toJSON = () => ["forged"];
      }),
      // Something between the two that hides its `toJSON` from `in`.
      hooked(() =>
        Object.setPrototypeOf(
          Array.prototype,
          new Proxy(Object.create(Object.prototype), {
            has: (target, key) => key !== "toJSON" && Reflect.has(target, key),
            get: (target, key, receiver) =>
              key === "toJSON" ? () => ["forged"] : Reflect.get(target, key, receiver),
          }),
        ),
      ),
    ];
    for (const read of refusals) {
      expect("input" in read).toBe(false);
      expect((read as { reason: string }).reason).toMatch(/has a toJSON/);
    }
    expect(principalOf(listed)["mfa"]).toEqual(["x"]);
  });
});
