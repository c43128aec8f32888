import { describe, expect, it, vi } from "vitest";

/** The module as a process first loads it: nothing decoded or indexed yet. */
async function freshServiceData(): Promise<typeof import("./service-data.js")> {
  vi.resetModules();
  return import("./service-data.js");
}

describe("service tables read while String.prototype has a split method added", () => {
  it("are the generated ones, and stay so once the method is gone", async () => {
    const { hasService, serviceData } = await freshServiceData();
    const prototype = String.prototype as unknown as Record<symbol, unknown>;
    // Code in the process that answers every split with a list of its own: read as the service
    // keys, it would put S3's tables under another service's name.
    Object.defineProperty(prototype, Symbol.split, {
      value: () => ["s3-object-lambda", "s3"],
      configurable: true,
      writable: true,
    });
    try {
      expect(hasService("s3")).toBe(true);
      expect(serviceData("s3").actionNames).toContain("PutBucketPolicy");
    } finally {
      delete prototype[Symbol.split];
    }
    expect(hasService("a2c")).toBe(true);
    expect(serviceData("s3").actionNames).toContain("PutBucketPolicy");
    expect(serviceData("s3-object-lambda").actionNames).not.toContain("PutBucketPolicy");
    expect(serviceData("sqs").actionNames).toContain("SendMessage");
  });
});
