import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { authorizationForSync, preloadServices } from "./authorization.js";
import { mappingReuseCounts } from "./mapping-reuse.js";
import { RECORD_PROTOTYPE } from "./object-prototype.js";
import { FIXED, record } from "./test-utils/map.js";
import type { AuthorizationResult } from "./types.js";

// A file of its own: the operations' reuse state is fresh here, whatever other tests did.
beforeAll(() => preloadServices(["S3Client"]));

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
    // The first call of the operation with this list is mapped afresh; the second makes a class
    // and the third reuses it.
    expect(calls(Object.freeze(["Bucket", "Key"]) as string[])).toBe(2);
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

describe("what code in the process can change under a class", () => {
  const added = Object.prototype as Record<string, unknown>;

  it("a `value` added to Object.prototype does not make an accessor read as a data member", () => {
    for (const Key of ["learn", "again"])
      authorizationForSync({
        ...base,
        operation: "GetObject",
        input: record({ Bucket: "public", Key }),
      });
    const evil = Object.create(RECORD_PROTOTYPE) as Record<string, unknown>;
    Object.defineProperty(evil, "Bucket", { get: () => "secret", enumerable: true });
    Object.defineProperty(evil, "Key", { value: "payroll.csv", enumerable: true });
    added["value"] = "public";
    let resource: string | undefined;
    try {
      resource = authorizationForSync({ ...base, operation: "GetObject", input: evil }).requests[0]
        ?.resource;
    } finally {
      delete added["value"];
    }
    expect(resource).toBe("arn:aws:s3:::secret/payroll.csv");
  });

  it("a Reflect.ownKeys replaced after loading does not hide a member added to Object.prototype", () => {
    for (const Key of ["learn", "again"])
      authorizationForSync({ ...base, operation: "GetObject", input: { Bucket: "listed", Key } });
    const real = Reflect.ownKeys;
    added["VersionId"] = "v1";
    Reflect.ownKeys = (target: object) =>
      target === Object.prototype ? real(target).filter((k) => k !== "VersionId") : real(target);
    try {
      const r = authorizationForSync({
        ...base,
        operation: "GetObject",
        input: { Bucket: "listed", Key: "secret.csv" },
      });
      expect(r.requests[0]?.action).toBe("s3:GetObjectVersion");
    } finally {
      Reflect.ownKeys = real;
      delete added["VersionId"];
    }
  });

  it("code run through a prototype chain while a class is made cannot leave its mapping behind", () => {
    for (const Key of ["y", "z"])
      authorizationForSync({
        ...base,
        operation: "UploadPart",
        input: record({ Bucket: "x", Key, Body: new Uint8Array(1) }),
      });
    const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
    let fired = false;
    // Any `instanceof` on the body would walk into this trap and pollute once.
    const trap = new Proxy(typedArrayPrototype, {
      getPrototypeOf(target) {
        if (!fired) {
          fired = true;
          added["resource"] = "arn:aws:s3:::public/x";
        }
        return Reflect.getPrototypeOf(target);
      },
    });
    Object.setPrototypeOf(Uint8Array.prototype, trap);
    let first: AuthorizationResult;
    try {
      first = authorizationForSync({
        ...base,
        operation: "UploadPart",
        input: record({ Bucket: "secret", Key: "first", Body: new Uint8Array(1) }),
      });
    } finally {
      Object.setPrototypeOf(Uint8Array.prototype, typedArrayPrototype);
      delete added["resource"];
    }
    const later = authorizationForSync({
      ...base,
      operation: "UploadPart",
      input: record({ Bucket: "secret", Key: "payroll.csv", Body: new Uint8Array(1) }),
    });
    expect(first.requests[0]?.resource).toBe("arn:aws:s3:::secret/first");
    expect(later.requests[0]?.resource).toBe("arn:aws:s3:::secret/payroll.csv");
  });
});
