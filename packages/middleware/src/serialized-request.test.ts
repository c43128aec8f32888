import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { Pluggable } from "@smithy/types";
import { afterEach, describe, expect, test } from "vitest";
import { allow, doc, guarded } from "./test-utils/fixtures.js";

// The SDK works out once per operation where each input member goes in the request, reading the
// model's traits from plain objects. A getter on Object.prototype that answers for a trait while
// that happens, then removes itself, shapes every later request of the operation; keycard's check
// runs after it is gone. Each test here is such an attack, or a call that must still go through.

const TRAITS = ["httpHeader", "httpPayload", "httpQuery"];
afterEach(() => {
  for (const name of TRAITS) unpollute(name);
});

type Key = string | symbol;

/** Removes a member this file added to Object.prototype. */
const unpollute = (key: Key): boolean => delete (Object.prototype as Record<Key, unknown>)[key];

/**
 * Defines a getter on Object.prototype under `key`. What the SDK assigns under that key lands on
 * the object assigned to, as it would without the getter.
 */
function onPrototype(key: Key, get: (target: Record<string, unknown>) => unknown): void {
  Object.defineProperty(Object.prototype, key, {
    configurable: true,
    get(this: Record<string, unknown>) {
      return get(this);
    },
    set(this: object, value: unknown) {
      Object.defineProperty(this, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    },
  });
}

/**
 * Defines a getter for the trait `name` on Object.prototype. `answer` sees the traits object
 * read and how often it was read before; once `done` says so the getter removes itself.
 */
function poisonTrait(
  name: string,
  answer: (traits: Record<string, unknown>, reads: number) => unknown,
  done: () => boolean,
): { reads: () => number } {
  const counts = new WeakMap<object, number>();
  let total = 0;
  onPrototype(name, (traits) => {
    total++;
    const reads = counts.get(traits) ?? 0;
    counts.set(traits, reads + 1);
    const value = answer(traits, reads);
    if (done()) unpollute(name);
    return value;
  });
  return { reads: () => total };
}

/**
 * A step that runs after keycard copied the input and before the SDK serializes it: other code
 * in the process gets a turn there on any call (the endpoint is resolved asynchronously).
 */
// biome-ignore lint/suspicious/noExplicitAny: a plugin for any client
function beforeSerializing(run: () => void): Pluggable<any, any> {
  return {
    applyToStack(stack) {
      stack.add(
        (next) => (args) => {
          run();
          return next(args);
        },
        { step: "serialize", priority: "high", name: "hostileTiming" },
      );
    },
  };
}

const ownQuery = (traits: Record<string, unknown>): unknown =>
  Object.hasOwn(traits, "httpQuery") ? traits["httpQuery"] : undefined;

function s3With(poison: () => void) {
  return (config: object) => {
    const client = new S3Client({ ...config, forcePathStyle: true });
    let armed = true;
    client.middlewareStack.use(
      beforeSerializing(() => {
        if (!armed) return;
        armed = false;
        poison();
      }),
    );
    return client;
  };
}

const listXml = {
  headers: { "content-type": "application/xml" },
  body: "<ListBucketResult><Name>orders</Name></ListBucketResult>",
};

describe("a layout the SDK keeps, shaped while it was made", () => {
  test("ListObjectsV2: Prefix and Delimiter swapped are refused, then and on every later call", async () => {
    // Only listings under public/ are allowed; AWS reads s3:prefix from the query's "prefix".
    const policy = doc({
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::orders",
      Condition: { StringLike: { "s3:prefix": "public/*" } },
    });
    let swapped = 0;
    const s3 = await guarded(
      s3With(() =>
        poisonTrait(
          "httpHeader",
          (traits, reads) => {
            const query = ownQuery(traits);
            // The second read of a member's header trait is the SDK taking its wire name.
            if ((query === "prefix" || query === "delimiter") && reads === 1) {
              swapped++;
              const other = query === "prefix" ? "delimiter" : "prefix";
              return { toLowerCase: () => other };
            }
            return undefined;
          },
          () => swapped === 2,
        ),
      ),
      policy,
      listXml,
    );
    const attack = await s3.send(
      new ListObjectsV2Command({ Bucket: "orders", Prefix: "public/", Delimiter: "secret/" }),
    );
    expect(swapped).toBe(2);
    expect(Object.hasOwn(Object.prototype, "httpHeader")).toBe(false);
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain('"prefix" does not carry Prefix');
    // The clean call the layout now sends as ?delimiter=public/: a listing of the whole bucket.
    const later = await s3.send(new ListObjectsV2Command({ Bucket: "orders", Prefix: "public/" }));
    expect(later.sent).toBe(false);
    expect(later.decision?.reason).toContain('"delimiter" is sent, and the input has no Delimiter');
  });

  test("GetObject: ResponseCacheControl sent as versionId is refused (no GetObjectVersion by the back door)", async () => {
    let served = false;
    const s3 = await guarded(
      s3With(() =>
        poisonTrait(
          "httpHeader",
          (traits, reads) => {
            if (ownQuery(traits) !== "response-cache-control" || reads !== 1) return undefined;
            served = true;
            return { toLowerCase: () => "versionId" };
          },
          () => served,
        ),
      ),
      doc(allow("s3:GetObject", "arn:aws:s3:::orders/*")),
    );
    const input = { Bucket: "orders", Key: "a.json", ResponseCacheControl: "v2" };
    const attack = await s3.send(new GetObjectCommand(input));
    expect(served).toBe(true);
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain(
      '"versionId" is sent, and the input has no VersionId',
    );
    const later = await s3.send(new GetObjectCommand({ ...input, Key: "b.json" }));
    expect(later.sent).toBe(false);
    // Calls the kept layout does not touch still go through.
    expect((await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "c.json" }))).sent).toBe(
      true,
    );
  });

  test("HeadObject: a Key sent as the body leaves the path's label unfilled, and is refused", async () => {
    let labels = 0;
    const s3 = await guarded(
      s3With(() =>
        poisonTrait(
          "httpPayload",
          (traits) => {
            if (!Object.hasOwn(traits, "httpLabel")) return undefined;
            labels++;
            return 1;
          },
          () => labels === 2,
        ),
      ),
      doc(allow("s3:GetObject", "arn:aws:s3:::orders/public/*")),
    );
    const attack = await s3.send(new HeadObjectCommand({ Bucket: "orders", Key: "public/a" }));
    expect(labels).toBe(2);
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain("the path still holds the label {Key+}");
  });
});

describe("what the SDK reads from the operation on every call", () => {
  // Where the SDK keeps an operation's method, path and host prefix, on its schema object.
  const cacheKey = Symbol.for("@smithy/schema-x");
  afterEach(() => {
    for (const key of ["endpoint", "headers", cacheKey]) unpollute(key);
  });
  /** The SDK's kept bindings for `operation` as a DELETE of the object. */
  const asDelete = (target: Record<string, unknown>, operation: string) =>
    Object.hasOwn(target, "traits") && target["name"] === operation
      ? [
          "DELETE",
          "/{Key+}",
          [],
          [
            ["/", 0],
            ["Key", 2],
          ],
          undefined,
        ]
      : undefined;

  test("a host prefix the model does not have sends the call elsewhere, and is refused", async () => {
    const s3 = await guarded(
      s3With(() =>
        onPrototype("endpoint", (traits) => {
          if (!Object.hasOwn(traits, "http")) return undefined;
          unpollute("endpoint");
          return ["secret."];
        }),
      ),
      doc(allow("s3:GetObject", "arn:aws:s3:::orders/*")),
    );
    const attack = await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.txt" }));
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain(`host "secret.127.0.0.1" is not the endpoint's`);
  });

  test("an x-amz- header no member of the operation carries is refused (PutObject as a copy)", async () => {
    const s3 = await guarded(
      s3With(() =>
        onPrototype("headers", (endpoint) => {
          if (!Object.hasOwn(endpoint, "hostname") || Object.hasOwn(endpoint, "method")) {
            return undefined;
          }
          queueMicrotask(() => unpollute("headers"));
          return { "x-amz-copy-source": "secret/passwords.txt" };
        }),
      ),
      doc(allow("s3:PutObject", "arn:aws:s3:::uploads/*")),
      { headers: { etag: '"1"' } },
    );
    const put = (Key: string) => new PutObjectCommand({ Bucket: "uploads", Key, Body: "" });
    const attack = await s3.send(put("c.txt"));
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain('"x-amz-copy-source" is sent, and no input member');
    // The SDK keeps the endpoint it resolved for the bucket, header and all: later calls too.
    expect((await s3.send(put("d.txt"))).sent).toBe(false);
  });

  test("a symbol-keyed member on Object.prototype is seen: GetObject sent as DELETE is refused", async () => {
    const s3 = await guarded(
      (config) => new S3Client({ ...config, forcePathStyle: true }),
      doc(allow("s3:GetObject", "arn:aws:s3:::orders/*")),
    );
    onPrototype(cacheKey, (schema) => asDelete(schema, "GetObject"));
    const attack = await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.txt" }));
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain("Symbol(@smithy/schema-x)");
  });

  test("the method is the model's: a DELETE in place of HeadObject's HEAD is refused", async () => {
    const s3 = await guarded(
      s3With(() =>
        onPrototype(cacheKey, (schema) => {
          const bindings = asDelete(schema, "HeadObject");
          if (bindings) unpollute(cacheKey);
          return bindings;
        }),
      ),
      doc(allow("s3:GetObject", "arn:aws:s3:::orders/*")),
    );
    const attack = await s3.send(new HeadObjectCommand({ Bucket: "orders", Key: "b.txt" }));
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain("the method is not the operation's HEAD");
  });
});

describe("members moved after serializing", () => {
  /** Middleware after the serializer that hands on another input in place of the call's. */
  const swappingTo = (input: object) => (config: object) => {
    const client = new S3Client({ ...config, forcePathStyle: true });
    client.middlewareStack.add((next) => (args) => next({ ...args, input }), {
      step: "build",
      name: "swapInput",
    });
    return client;
  };

  test.each([
    ["another key", "public/a", "secret/b", `is not "/public/a" after the endpoint`],
    [
      "a key that ends the serialized path (the whole path counts)",
      "a.json",
      "secret/a.json",
      '"/orders/secret/a.json" is not "/a.json"',
    ],
  ])(
    "an input replaced after the request was serialized is refused: %s",
    async (_name, checked, sent, reason) => {
      const s3 = await guarded(
        swappingTo({ Bucket: "orders", Key: checked }),
        doc(allow("s3:GetObject", `arn:aws:s3:::orders/${checked}`)),
      );
      const attack = await s3.send(new GetObjectCommand({ Bucket: "orders", Key: sent }));
      expect(attack.sent).toBe(false);
      expect(attack.decision?.reason).toContain(reason);
    },
  );
});

describe("a call that arrives while Object.prototype is polluted", () => {
  test("is refused before the SDK serializes it: the serializer never reads the member", async () => {
    const s3 = await guarded(
      (config) => new S3Client({ ...config, forcePathStyle: true }),
      doc(allow("s3:PutObject", "arn:aws:s3:::orders/*")),
      { headers: { etag: '"1"' } },
    );
    const getter = poisonTrait(
      "httpQuery",
      () => undefined,
      () => false,
    );
    const attack = await s3.send(new PutObjectCommand({ Bucket: "orders", Key: "a", Body: "x" }));
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain('"httpQuery"');
    expect(getter.reads()).toBe(0);
    unpollute("httpQuery");
    const clean = await s3.send(new PutObjectCommand({ Bucket: "orders", Key: "a", Body: "x" }));
    expect(clean.sent).toBe(true);
  });
});

// Operations no attack above touches: each attack leaves the SDK's kept layout of its operation
// poisoned for the rest of this file, which is what it shows.
describe("requests the SDK lays out as the model says go through", () => {
  test("headers, prefix headers, timestamps, numbers, lists, encoded keys and checksums", async () => {
    const s3 = await guarded(
      (config) => new S3Client({ ...config, forcePathStyle: true }),
      doc(allow("s3:*", "*")),
      { headers: { etag: '"1"', "content-type": "application/xml" }, body: "<R></R>" },
    );
    const when = new Date("2030-01-02T03:04:05.678Z");
    const calls = [
      new PutObjectCommand({
        Bucket: "orders",
        Key: "dir/a b+(c)*ü.json",
        Body: "x",
        ACL: "private",
        ContentType: "application/json",
        Metadata: { Owner: "team-a", "x-Mixed": "1" },
        ObjectLockRetainUntilDate: when,
        ObjectLockMode: "GOVERNANCE",
        Expires: when,
        ChecksumAlgorithm: "SHA256",
      }),
      new CopyObjectCommand({
        Bucket: "orders",
        Key: "copy",
        CopySource: "orders/dir/a%20b.json",
        CopySourceIfModifiedSince: when,
        MetadataDirective: "REPLACE",
        Metadata: { a: "1" },
      }),
      new UploadPartCommand({
        Bucket: "orders",
        Key: "big",
        UploadId: "u-1",
        PartNumber: 3,
        Body: "x",
      }),
      new ListObjectsCommand({ Bucket: "orders", Prefix: "p/", Delimiter: "/", MaxKeys: 5 }),
      new GetObjectAttributesCommand({
        Bucket: "orders",
        Key: "k",
        ObjectAttributes: ["ETag", "ObjectSize"],
        MaxParts: 2,
      }),
    ];
    for (const command of calls) {
      const result = await s3.send(command);
      expect(JSON.stringify(result.decision), command.constructor.name).toBeUndefined();
      expect(result.sent).toBe(true);
    }
  });
});

/**
 * An S3 client whose SDK context runs `whileRead` each time keycard reads the call from it: code
 * that runs after keycard's first check of the prototype, as a getter other middleware put on
 * the context would.
 */
function readRunsCode(whileRead: () => void) {
  return (config: object) => {
    const client = new S3Client({ ...config, forcePathStyle: true });
    client.middlewareStack.add(
      (next, context) => (args) => {
        const name = context.clientName;
        Object.defineProperty(context, "clientName", {
          configurable: true,
          get() {
            if (new Error().stack?.includes("readSdkCall")) whileRead();
            return name;
          },
        });
        return next(args);
      },
      { step: "initialize", priority: "high" },
    );
    return client;
  };
}

describe("a member added to Object.prototype while keycard reads the call", () => {
  test("is seen even when it removes itself the first time the mapping reads it", async () => {
    // Armed after a first clean call, so that the next ones are decided at once.
    let armed = false;
    const s3 = await guarded(
      readRunsCode(() => {
        if (!armed) return;
        Object.defineProperty(Object.prototype, "partition", {
          configurable: true,
          get() {
            unpollute("partition");
            return "aws-cn";
          },
        });
      }),
      doc(allow("s3:GetObject", "*"), {
        Effect: "Deny",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::orders/secret*",
      }),
      { headers: { etag: '"1"' } },
    );
    expect((await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a" }))).sent).toBe(true);
    armed = true;
    const attack = await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "secret.csv" }));
    unpollute("partition");
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain('"partition"');
  });

  test("is seen before anything is decided, even when it is gone by the time the call goes on", async () => {
    const s3 = await guarded(
      // Added for the mapping to trip on, and removed a turn later.
      readRunsCode(() => {
        (Object.prototype as Record<string, unknown>)["resourceType"] = "bucket";
        queueMicrotask(() => unpollute("resourceType"));
      }),
      doc(allow("s3:GetObject", "arn:aws:s3:::orders/*")),
      { headers: { etag: '"1"' } },
    );
    // The first call waits for the caller, by which time the member is gone: it maps a clean
    // call. The next ones are decided at once, with the member there.
    const first = await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a" }));
    const attack = await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "b" }));
    unpollute("resourceType");
    expect(first.sent).toBe(true);
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain('"resourceType"');
  });
});

describe("an index added to Array.prototype", () => {
  test("refuses the call, since every hole in an array reads it, and leaves nothing decided", async () => {
    const s3 = await guarded(
      (config) => new S3Client({ ...config, forcePathStyle: true }),
      doc(allow("s3:GetObject", "arn:aws:s3:::orders/*")),
      { headers: { etag: '"1"' } },
    );
    const added = Array.prototype as unknown as Record<string, unknown>;
    expect((await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a" }))).sent).toBe(true);
    added["0"] = '{"action":"s3:GetObject","resource":"arn:aws:s3:::orders/x"}';
    let attack: Awaited<ReturnType<typeof s3.send>>;
    try {
      attack = await s3.send(new DeleteObjectCommand({ Bucket: "secret", Key: "y" }));
    } finally {
      delete added["0"];
    }
    expect(attack.sent).toBe(false);
    const later = await s3.send(new DeleteObjectCommand({ Bucket: "secret", Key: "z" }));
    expect(later.sent).toBe(false);
  });
});

describe("a method added to String.prototype that answers when text is split", () => {
  test("refuses the call: keycard's reading of the copy source would follow it", async () => {
    const s3 = await guarded(
      (config) => new S3Client({ ...config, forcePathStyle: true }),
      doc(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::orders/*")),
      { body: "<CopyObjectResult><ETag>1</ETag></CopyObjectResult>" },
    );
    const split = String.prototype.split;
    Object.defineProperty(String.prototype, Symbol.split, {
      configurable: true,
      value(this: string, text: string, limit?: number) {
        if (String(this) === "?" && text.startsWith("secret/")) return ["orders/decoy", ""];
        return split.call(text, new RegExp(`\\${String(this)}`), limit);
      },
    });
    let attack: Awaited<ReturnType<typeof s3.send>>;
    try {
      attack = await s3.send(
        new CopyObjectCommand({ Bucket: "orders", Key: "loot.txt", CopySource: "secret/pw.txt" }),
      );
    } finally {
      delete (String.prototype as unknown as Record<symbol, unknown>)[Symbol.split];
    }
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain("String.prototype[Symbol.split]");
  });
});
