import { describe, expect, it } from "vitest";
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
  it("hands two calls that differ only in their resource the same frozen objects", async () => {
    const [first] = (await putObject("a.json")).requests;
    const [second] = (await putObject("b.json")).requests;
    expect(second?.resource).not.toBe(first?.resource);
    expect(second?.context).toBe(first?.context);
    expect(second?.unknownContext).toBe(first?.unknownContext);
    expect(Object.isFrozen(first?.context)).toBe(true);
    expect(Object.isFrozen(first?.unknownContext)).toBe(true);
    expect(() => {
      (first?.context as Record<string, unknown>)["aws:SecureTransport"] = false;
    }).toThrow(TypeError);
  });

  it("hands out a new context when a value differs, and the earlier one is left as it was", async () => {
    const [tls] = (await putObject("a.json")).requests;
    const [clear] = (await putObject("a.json", { secureTransport: false })).requests;
    const [later] = (await putObject("a.json", { now: new Date(FIXED.now.getTime() + 1000) }))
      .requests;
    expect(clear?.context).not.toBe(tls?.context);
    expect(clear?.context?.["aws:SecureTransport"]).toBe(false);
    expect(tls?.context?.["aws:SecureTransport"]).toBe(true);
    expect(later?.context).not.toBe(tls?.context);
    expect(later?.context?.["aws:EpochTime"]).toBe((tls?.context?.["aws:EpochTime"] as number) + 1);
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
    const first = sharedContext(owner, { a: "1", b: 2 });
    expect(sharedContext(owner, { a: "1", b: 2 })).toBe(first);
    expect(sharedContext(owner, { b: 2, a: "1" })).not.toBe(first);
    expect(sharedContext(owner, { a: "1", b: "2" })).not.toBe(first);
    expect(sharedContext({}, { a: "1", b: 2 })).not.toBe(first);
    const list = sharedUnknown(owner, ["x", "y"]);
    expect(sharedUnknown(owner, ["x", "y"])).toBe(list);
    expect(sharedUnknown(owner, ["y", "x"])).not.toBe(list);
    expect(Object.isFrozen(list)).toBe(true);
  });
});
