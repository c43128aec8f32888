import { describe, expect, it } from "vitest";
import { authorizationForSync, preloadServices, prototypePollution } from "./index.js";

/**
 * Puts a setter on `Array.prototype[0 … count)` that writes the value through (so nothing seems
 * amiss) and keeps every value `wanted` picks, with the list it was written to: what code in the
 * process could keep to forge later. Returns what it kept and how to remove the setters.
 */
function keepingSetters(count: number, wanted: (value: unknown) => boolean) {
  const handed: Array<{ list: unknown[]; value: unknown }> = [];
  const prototype = Array.prototype as unknown as Record<number, unknown>;
  for (let i = 0; i < count; i++)
    Object.defineProperty(prototype, i, {
      configurable: true,
      set(this: unknown[], value: unknown) {
        if (wanted(value)) handed.push({ list: this, value });
        Object.defineProperty(this, i, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      },
    });
  const remove = () => {
    for (let i = 0; i < count; i++) delete prototype[i];
  };
  return { handed, remove };
}

const has = (value: unknown, ...names: string[]) =>
  typeof value === "object" && value !== null && names.every((name) => Object.hasOwn(value, name));

const call = (operation: string, input: Record<string, unknown>) =>
  authorizationForSync({
    service: "S3Client",
    operation,
    input,
    region: "us-east-1",
    accountId: "123456789012",
  });

describe("what iam-map keeps for later calls, while Array.prototype has setters", () => {
  it("is never handed to them: a memo of the operation a call resolved to", async () => {
    await preloadServices(["S3Client"]);
    // The plan exists before: only the memo naming it would be written now.
    call("GetObjectCommand", { Bucket: "public", Key: "a" });
    const { handed, remove } = keepingSetters(8, (value) => has(value, "plan", "identity"));
    try {
      for (const operation of ["GetObjectCommand", "HeadObjectCommand", "GetObjectAclCommand"])
        call(operation, { Bucket: "public", Key: "a" });
    } finally {
      remove();
    }
    expect(prototypePollution()).toBeUndefined();
    expect(handed).toEqual([]);
    expect(call("DeleteObjectCommand", { Bucket: "secret", Key: "x" }).requests[0]?.action).toBe(
      "s3:DeleteObject",
    );
  });

  it("is never handed to them: a class of reused mappings", () => {
    const { handed, remove } = keepingSetters(8, (value) => has(value, "setting", "template"));
    try {
      for (const Key of ["a", "b", "c", "d"]) call("PutObject", { Bucket: "public", Key });
    } finally {
      remove();
    }
    expect(handed).toEqual([]);
    // Classes made once the setters are gone are reused as usual.
    for (const Key of ["e", "f", "g"])
      expect(call("PutObject", { Bucket: "orders", Key }).requests[0]).toMatchObject({
        action: "s3:PutObject",
        resource: `arn:aws:s3:::orders/${Key}`,
      });
  });
});
