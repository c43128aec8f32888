import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { authorizationForSync, preloadServices } from "./authorization.js";
import { mappingReuseCounts } from "./mapping-reuse.js";
import { RECORD_PROTOTYPE } from "./object-prototype.js";
import { FIXED } from "./test-utils/map.js";

// A file of its own: the operations' reuse state is fresh here, whatever other tests did.
beforeAll(() => preloadServices(["S3Client"]));

function record(members: Record<string, unknown>): Record<string, unknown> {
  const out = Object.create(RECORD_PROTOTYPE) as Record<string, unknown>;
  for (const [key, value] of Object.entries(members))
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

const base = {
  ...FIXED,
  principal: { arn: "arn:aws:sts::123456789012:assumed-role/app/s" },
  service: "S3Client",
};

describe("classes are not made or kept from what could change under them", () => {
  const added = Object.prototype as Record<string, unknown>;
  afterEach(() => {
    delete added["resource"];
    delete added["VersionId"];
  });

  it("makes no class while Object.prototype has an added member that stands in for a rule's option", () => {
    // The operation's plan is made first, while the prototype is clean, and a class of it is
    // reused, so that the next class is made at once.
    for (const Key of ["y", "z"])
      authorizationForSync({
        ...base,
        operation: "DeleteObject",
        input: record({ Bucket: "x", Key }),
      });
    // A rule that leaves `resource` out of its options would read this one.
    added["resource"] = "arn:aws:s3:::allowed/anything";
    authorizationForSync({
      ...base,
      operation: "DeleteObject",
      input: record({ Bucket: "vault", Key: "a" }),
    });
    authorizationForSync({
      ...base,
      operation: "DeleteObject",
      input: record({ Bucket: "vault", Key: "b" }),
    });
    delete added["resource"];
    const later = authorizationForSync({
      ...base,
      operation: "DeleteObject",
      input: record({ Bucket: "vault", Key: "c" }),
    });
    expect(later.requests.map((r) => r.resource)).toEqual(["arn:aws:s3:::vault/c"]);
  });

  it("maps a class made before Object.prototype changed as a record is mapped: records inherit nothing", () => {
    for (const Key of ["a", "b"])
      authorizationForSync({
        ...base,
        operation: "GetObject",
        input: record({ Bucket: "orders", Key }),
      });
    added["VersionId"] = "v9";
    const reused = authorizationForSync({
      ...base,
      operation: "GetObject",
      input: record({ Bucket: "orders", Key: "c" }),
    });
    expect(reused.requests[0]?.action).toBe("s3:GetObject");
    expect(reused.requests[0]?.resource).toBe("arn:aws:s3:::orders/c");
  });

  it("maps a plain object afresh while Object.prototype has an added member, which the SDK would send", () => {
    for (const Key of ["a", "b"])
      authorizationForSync({ ...base, operation: "GetObject", input: { Bucket: "plain", Key } });
    added["VersionId"] = "v9";
    const polluted = authorizationForSync({
      ...base,
      operation: "GetObject",
      input: { Bucket: "plain", Key: "c" },
    });
    expect(polluted.requests[0]?.action).toBe("s3:GetObjectVersion");
  });

  it("does not reuse across member lists that could change, only frozen ones", () => {
    const calls = (inputMembers: string[]) => {
      const before = mappingReuseCounts();
      for (const Key of ["a", "b", "c"]) {
        const args = { ...base, operation: "HeadObject", inputMembers };
        authorizationForSync({ ...args, input: record({ Bucket: "lists", Key }) });
      }
      const after = mappingReuseCounts();
      return after.made - before.made + after.reused - before.reused;
    };
    expect(calls(["Bucket", "Key"])).toBe(0);
    expect(calls(Object.freeze(["Bucket", "Key"]) as string[])).toBe(3);
  });
});

describe("classes are not made while Array.prototype has an index", () => {
  it("so a mapping made then is not reused once it is gone", () => {
    for (const Key of ["y", "z"])
      authorizationForSync({
        ...base,
        operation: "PutObject",
        input: record({ Bucket: "x", Key }),
      });
    Object.defineProperty(Array.prototype, "0", {
      value: "public-bucket",
      configurable: true,
      writable: true,
    });
    try {
      authorizationForSync({
        ...base,
        operation: "PutObject",
        input: record({ Bucket: "secret-bucket", Key: "a" }),
      });
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>)["0"];
    }
    const later = authorizationForSync({
      ...base,
      operation: "PutObject",
      input: record({ Bucket: "secret-bucket", Key: "payroll/2024.csv" }),
    });
    expect(later.requests.map((r) => r.resource)).toEqual([
      "arn:aws:s3:::secret-bucket/payroll/2024.csv",
    ]);
  });
});
