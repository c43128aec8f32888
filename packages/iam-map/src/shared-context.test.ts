import { describe, expect, it } from "vitest";
import { authorizationForSync } from "./authorization.js";
import { freshMappings } from "./mapping-reuse.js";
import { sharedContext, sharedUnknown } from "./shared-context.js";
import { FIXED, map } from "./test-utils/map.js";

const principal = { arn: "arn:aws:sts::123456789012:assumed-role/app/s" };
const putObject = (key: string, extra = {}) =>
  map(
    "S3Client",
    "PutObjectCommand",
    { Bucket: "orders", Key: key, Body: "{}" },
    {
      principal,
      secureTransport: true,
      ...extra,
    },
  );

describe("requests share a frozen context and list between calls of a kind", () => {
  it("hands calls that differ only in their resource the same frozen objects, from the second on", async () => {
    const [first] = (await putObject("a.json")).requests;
    const [second] = (await putObject("b.json")).requests;
    const [third] = (await putObject("c.json")).requests;
    expect(third?.resource).not.toBe(second?.resource);
    // Made once, it is not frozen: a context that differs on every call is never kept.
    expect(Object.isFrozen(first?.context)).toBe(false);
    expect(Object.isFrozen(first?.unknownContext)).toBe(false);
    expect(Object.isFrozen(second?.context)).toBe(true);
    expect(Object.isFrozen(second?.unknownContext)).toBe(true);
    expect(third?.context).toBe(second?.context);
    expect(third?.unknownContext).toBe(second?.unknownContext);
    expect(second?.context).toEqual(first?.context);
    expect(() => {
      (second?.context as Record<string, unknown>)["aws:SecureTransport"] = false;
    }).toThrow(TypeError);
  });

  it("hands out a new context when a value differs, and the earlier one is left as it was", async () => {
    await putObject("a.json");
    const [tls] = (await putObject("a.json")).requests;
    const [clear] = (await putObject("a.json", { secureTransport: false })).requests;
    const [later] = (await putObject("a.json", { now: new Date(FIXED.now.getTime() + 1000) }))
      .requests;
    expect(Object.isFrozen(tls?.context)).toBe(true);
    expect(clear?.context).not.toBe(tls?.context);
    expect(clear?.context?.["aws:SecureTransport"]).toBe(false);
    expect(tls?.context?.["aws:SecureTransport"]).toBe(true);
    expect(later?.context).not.toBe(tls?.context);
    expect(later?.context?.["aws:EpochTime"]).toBe((tls?.context?.["aws:EpochTime"] as number) + 1);
  });

  it("never freezes a context a caller was handed, even when the next one equals it", async () => {
    const [first] = (await putObject("x.json", { secureTransport: false })).requests;
    const handed = first?.context as Record<string, unknown>;
    handed["k:mine"] = "changed";
    const [second] = (await putObject("y.json", { secureTransport: false })).requests;
    expect(Object.isFrozen(handed)).toBe(false);
    expect(second?.context).not.toBe(handed);
    expect(second?.context?.["k:mine"]).toBeUndefined();
  });

  it("leaves a context holding a list as it is, since its list could change", async () => {
    const getItem = (id: string) =>
      map(
        "DynamoDBClient",
        "GetItemCommand",
        { TableName: "orders", Key: { id: { S: id } } },
        {
          principal,
        },
      );
    const [first] = (await getItem("1")).requests;
    const [second] = (await getItem("1")).requests;
    expect(first?.context?.["dynamodb:LeadingKeys"]).toEqual(["1"]);
    expect(Object.isFrozen(first?.context)).toBe(false);
    expect(second?.context).not.toBe(first?.context);
  });

  it("compares keys in order and values by identity", () => {
    const owner = {};
    sharedContext(owner, { a: "1", b: 2 });
    const kept = sharedContext(owner, { a: "1", b: 2 });
    expect(Object.isFrozen(kept)).toBe(true);
    expect(sharedContext(owner, { a: "1", b: 2 })).toBe(kept);
    expect(sharedContext(owner, { b: 2, a: "1" })).not.toBe(kept);
    expect(sharedContext(owner, { a: "1", b: "2" })).not.toBe(kept);
    expect(sharedContext({}, { a: "1", b: 2 })).not.toBe(kept);
    sharedUnknown(owner, ["x", "y"]);
    const list = sharedUnknown(owner, ["x", "y"]);
    expect(sharedUnknown(owner, ["x", "y"])).toBe(list);
    expect(sharedUnknown(owner, ["y", "x"])).not.toBe(list);
    expect(Object.isFrozen(list)).toBe(true);
  });
});

describe("a context a caller changed and froze", () => {
  it("is never handed to a later call", async () => {
    // Mapped afresh: a reused mapping would hand out contexts of its own.
    const call = async (IfMatch: string) =>
      freshMappings(() =>
        authorizationForSync({
          ...FIXED,
          service: "S3Client",
          operation: "GetObjectCommand",
          input: { Bucket: "tls-only", Key: "k", IfMatch },
          principal,
          secureTransport: false,
        }),
      );
    const [first] = (await call("e1")).requests;
    const handed = first?.context as Record<string, unknown>;
    expect(Object.isFrozen(handed)).toBe(false);
    handed["aws:SecureTransport"] = true;
    Object.freeze(handed);
    for (const etag of ["e2", "e3"]) {
      const [later] = (await call(etag)).requests;
      expect(later?.context).not.toBe(handed);
      expect(later?.context?.["aws:SecureTransport"]).toBe(false);
    }
  });
});
