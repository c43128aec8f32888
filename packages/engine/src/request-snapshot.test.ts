import { describe, expect, it } from "vitest";
import { canonicalIp, snapshotInput } from "./request-snapshot.js";

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
