import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterEach, describe, expect, test } from "vitest";
import { allow, doc, guarded } from "./test-utils/fixtures.js";

// The SDK resolves endpoints through plain objects and keeps each one it resolves for the whole
// process, shared by every client of the service. Any code can resolve one with its own client
// while Object.prototype answers for a parameter, then remove the member: keycard's clients then
// get the kept endpoint. Each test poisons an entry its own client never shares with another test.
// A configured endpoint's entry is keyed on it exactly, so there a getter armed during the call
// itself does it.

const POISONED = ["Bucket", "Endpoint"];
afterEach(() => {
  for (const name of POISONED) delete (Object.prototype as Record<string, unknown>)[name];
});

/**
 * Resolves the endpoint of `command` with a client of the attacker's own while a getter on
 * Object.prototype answers `name` with `value`: except when the SDK computes the cache key of
 * the entry, which must be the one the victim's calls look up.
 */
async function poisonEndpointCache(
  client: { send(command: never): Promise<unknown> },
  command: unknown,
  name: string,
  value: string,
  keyValue: string | undefined,
): Promise<void> {
  Object.defineProperty(Object.prototype, name, {
    configurable: true,
    get() {
      return (new Error().stack ?? "").includes(".hash") ? keyValue : value;
    },
  });
  try {
    await client.send(command as never).catch(() => undefined);
  } finally {
    delete (Object.prototype as Record<string, unknown>)[name];
  }
}

/**
 * A client of `make` whose calls resolve their endpoint while a getter on Object.prototype
 * answers `name` with `value` (except for the cache key): armed after keycard copied the input,
 * gone in the next microtask, before keycard's check.
 */
function poisonedWhileResolving(
  make: (config: object) => DynamoDBClient,
  name: string,
  value: string,
) {
  return (config: object) => {
    const client = make(config);
    client.middlewareStack.add(
      (next) => (args) => {
        Object.defineProperty(Object.prototype, name, {
          configurable: true,
          get() {
            if ((new Error().stack ?? "").includes(".hash")) return undefined;
            queueMicrotask(() => delete (Object.prototype as Record<string, unknown>)[name]);
            return value;
          },
        });
        return next(args);
      },
      { step: "serialize", priority: "high", name: "hostileTiming" },
    );
    return client;
  };
}

const neverSent = {
  handle: async () => {
    throw new Error("never sent");
  },
};
const attackerConfig = {
  region: "us-east-1",
  credentials: { accessKeyId: "AKIAATTACKER00000001", secretAccessKey: "x" },
  requestHandler: neverSent,
  maxAttempts: 1,
};

/**
 * Resolves an endpoint with the attacker's own client's endpoint provider, with parameters that
 * read as `key` when the SDK computes the cache key and as `evil` when its rules read them.
 */
async function poisonWithParameters(
  key: Record<string, unknown>,
  evil: Record<string, unknown>,
): Promise<void> {
  const client = new S3Client(attackerConfig);
  const params: Record<string, unknown> = {};
  for (const name of new Set([...Object.keys(key), ...Object.keys(evil)])) {
    let reads = 0;
    Object.defineProperty(params, name, {
      enumerable: true,
      get: () => (reads++ === 0 ? key[name] : (evil[name] ?? key[name])),
    });
  }
  const provider = client.config.endpointProvider as (p: object, c?: object) => unknown;
  provider(params, {});
}

/** The parameters a default S3 client's object calls resolve their endpoint with. */
const awsKey = (bucket: string) => ({
  Accelerate: false,
  Bucket: bucket,
  DisableMultiRegionAccessPoints: false,
  DisableS3ExpressSessionAuth: false,
  ForcePathStyle: false,
  Region: "us-east-1",
  UseDualStack: false,
  UseFIPS: false,
  UseGlobalEndpoint: false,
});

describe("an endpoint the SDK keeps, resolved from another caller's parameters", () => {
  const s3Victim = (bucket: string) =>
    guarded(
      (config) => new S3Client(config),
      doc(allow(["s3:PutObject", "s3:GetObject"], `arn:aws:s3:::${bucket}/*`)),
      { headers: { etag: '"1"' } },
      { endpoint: undefined },
    );

  test("another bucket's host with this bucket as the path is refused", async () => {
    const victim = await s3Victim("orders1");
    await poisonWithParameters(awsKey("orders1"), {
      Endpoint: "https://protected.s3.us-east-1.amazonaws.com",
      ForcePathStyle: true,
    });
    const put = await victim.send(new PutObjectCommand({ Bucket: "orders1", Key: "k", Body: "x" }));
    expect(put.sent).toBe(false);
    expect(put.decision?.reason).toContain('"protected.s3.us-east-1.amazonaws.com" is neither');
  });

  test("a host that leads with this bucket's name and another label is refused", async () => {
    const victim = await s3Victim("orders2");
    await poisonWithParameters(awsKey("orders2"), {
      Bucket: "orders2.protected",
      // Over plain HTTP the SDK puts a dotted name in the host.
      Endpoint: "http://s3.us-east-1.amazonaws.com",
    });
    const put = await victim.send(new PutObjectCommand({ Bucket: "orders2", Key: "k", Body: "x" }));
    expect(put.sent).toBe(false);
    expect(put.decision?.reason).toContain('"orders2.protected.s3.us-east-1.amazonaws.com"');
  });

  test("a call that names no bucket sent to a bucket's host is refused", async () => {
    const victim = await guarded(
      (config) => {
        const client = new S3Client(config);
        // Stands for a kept endpoint another caller left: the one this call gets.
        client.middlewareStack.addRelativeTo(
          ((next: (args: unknown) => Promise<unknown>, context: { endpointV2?: unknown }) =>
            (args: unknown) => {
              context.endpointV2 = {
                url: new URL("https://protected.s3.us-east-1.amazonaws.com/"),
              };
              return next(args);
            }) as never,
          { relation: "after", toMiddleware: "endpointV2Middleware", name: "keptEndpoint" },
        );
        return client;
      },
      doc(allow("s3:ListAllMyBuckets", "*")),
      { headers: { "content-type": "application/xml" }, body: "<ListAllMyBucketsResult/>" },
      { endpoint: undefined },
    );
    const list = await victim.send(new ListBucketsCommand({}));
    expect(list.sent).toBe(false);
    expect(list.decision?.reason).toContain("not one of S3's own hosts");
  });

  test("a bucket named like S3's own first label is addressed by path, and goes through", async () => {
    const victim = await s3Victim("s3");
    const get = await victim.send(new GetObjectCommand({ Bucket: "s3", Key: "k" }));
    expect(get.decision?.reason).toBeUndefined();
    expect(get.sent).toBe(true);
    expect(get.requests[0]?.hostname).toBe("s3.us-east-1.amazonaws.com");
  });
});

describe("an endpoint the SDK keeps, resolved while Object.prototype answered for a parameter", () => {
  test("S3 on AWS's endpoint: a kept endpoint of another bucket is refused", async () => {
    const victim = await guarded(
      (config) => new S3Client(config),
      doc(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::orders/*")),
      { headers: { etag: '"1"' } },
      { endpoint: undefined },
    );
    await poisonEndpointCache(
      new S3Client(attackerConfig),
      new GetObjectCommand({ Bucket: "orders", Key: "k" }),
      "Bucket",
      "secret",
      "orders",
    );
    const read = await victim.send(new GetObjectCommand({ Bucket: "orders", Key: "a.txt" }));
    expect(read.sent).toBe(false);
    expect(read.decision?.reason).toContain('"secret.s3.us-east-1.amazonaws.com"');
    expect(read.decision?.reason).toContain('is neither the bucket "orders" on the service');
    const write = await victim.send(
      new PutObjectCommand({ Bucket: "orders", Key: "b.txt", Body: "x" }),
    );
    expect(write.sent).toBe(false);
  });

  test("S3, path-style on AWS's endpoint: another bucket's path is refused", async () => {
    const victim = await guarded(
      (config) => new S3Client({ ...config, forcePathStyle: true }),
      doc(allow("s3:GetObject", "arn:aws:s3:::reports/*")),
      {},
      { endpoint: undefined },
    );
    await poisonEndpointCache(
      new S3Client({ ...attackerConfig, forcePathStyle: true }),
      new GetObjectCommand({ Bucket: "reports", Key: "k" }),
      "Endpoint",
      "https://s3.us-east-1.amazonaws.com/secret",
      undefined,
    );
    const read = await victim.send(new GetObjectCommand({ Bucket: "reports", Key: "a.txt" }));
    expect(read.sent).toBe(false);
    expect(read.decision?.reason).toContain('does not address the bucket "reports"');
  });

  test("DynamoDB on a configured endpoint: an endpoint resolved to another host is refused", async () => {
    const victim = await guarded(
      poisonedWhileResolving(
        (config) => new DynamoDBClient(config),
        "Endpoint",
        "http://collector.example:9",
      ),
      doc(allow("dynamodb:GetItem", "*")),
      { headers: { "content-type": "application/x-amz-json-1.0" }, body: "{}" },
    );
    const read = await victim.send(
      new GetItemCommand({ TableName: "orders", Key: { id: { S: "2" } } }),
    );
    expect(read.sent).toBe(false);
    expect(read.decision?.reason).toContain('"collector.example" is not the configured');
  });
});
