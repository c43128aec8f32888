import { describe, expect, it } from "vitest";
import { authorizationForSync, preloadServices } from "./authorization.js";
import { freshMappings } from "./mapping-reuse.js";
import { addedArrayPrototypeIndexes, addedObjectPrototypeMembers } from "./object-prototype.js";
import { FIXED, map, pairs } from "./test-utils/map.js";
import { unknownPart } from "./unknown-part.js";

const STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream";
const data = new Uint8Array([1]);

/*
 * Inputs that try to make keycard check a different resource or context than the SDK sends.
 * Each one must leave the call refused or the part unknown, never checked against the decoy.
 */
describe("members the SDK does not send", () => {
  it("an extra member holding an ARN is not taken as the resource", async () => {
    const r = await map("KinesisClient", "PutRecordCommand", {
      StreamName: "secret",
      Data: data,
      PartitionKey: "p",
      Decoy: `${STREAM}/public`,
    });
    expect(pairs(r.requests)).toEqual([["kinesis:PutRecord", `${STREAM}/secret`]]);
  });

  it("members that differ only in case make the call unknown", async () => {
    const r = await map("KinesisClient", "PutRecordCommand", {
      StreamName: "secret",
      Data: data,
      PartitionKey: "p",
      streamname: "public",
    });
    expect(r.known).toBe(false);
    expect(JSON.stringify(r.requests)).not.toContain("stream/public");
  });

  it("two members that may name the resource, naming different ones, leave it unknown", async () => {
    const r = await map("KinesisClient", "PutRecordCommand", {
      StreamName: "secret",
      Stream: "public",
      Data: data,
      PartitionKey: "p",
    });
    expect(r.requests[0]?.resource).toBe(`${STREAM}/*`);
    expect(r.requests[0]?.resourceParts).toBeDefined();
  });

  it("a name and an ARN for the same resource are both checked", async () => {
    const r = await map("KinesisClient", "PutRecordCommand", {
      StreamName: "secret",
      StreamARN: `${STREAM}/public`,
      Data: data,
      PartitionKey: "p",
    });
    expect(pairs(r.requests)).toContainEqual(["kinesis:PutRecord", `${STREAM}/secret`]);
  });
});

describe("members present in an unexpected type", () => {
  it("a boxed role ARN still needs iam:PassRole", async () => {
    const r = await map("LambdaClient", "CreateFunctionCommand", {
      FunctionName: "f",
      Role: new String("arn:aws:iam::123456789012:role/admin"),
      Code: {},
    });
    expect(r.known).toBe(false);
  });

  it("a boxed or listed S3 ACL is not read as absent", async () => {
    for (const ACL of [new String("public-read"), ["public-read"], { v: "public-read" }]) {
      const r = await map("S3Client", "PutObjectCommand", { Bucket: "b", Key: "k", ACL });
      const put = r.requests.find((q) => q.action === "s3:PutObject");
      expect(!r.known || put?.unknownContext?.includes("s3:x-amz-acl")).toBe(true);
    }
  });
});

describe("nested members in an unexpected type", () => {
  it("list entries and nested members that are not text make the call unknown", async () => {
    const boxed = new String("secret");
    const cases: Array<[string, string, unknown]> = [
      ["S3Client", "DeleteObjectsCommand", { Bucket: "b", Delete: { Objects: [{ Key: boxed }] } }],
      ["SecretsManagerClient", "BatchGetSecretValueCommand", { SecretIdList: ["ok", boxed] }],
      ["SSMClient", "GetParametersCommand", { Names: ["ok", boxed] }],
      ["KMSClient", "EncryptCommand", { KeyId: "k", EncryptionContext: { a: ["x"] } }],
      ["DynamoDBClient", "BatchGetItemCommand", { RequestItems: { "t\uE000x\uE001": {} } }],
    ];
    for (const [service, operation, input] of cases) {
      const r = await map(service, operation, input);
      expect(r.known, `${service} ${operation}`).toBe(false);
    }
  });

  it("a list of more entries than keycard reads is unknown, not cut short", async () => {
    const SecretIdList = Array.from({ length: 21 }, (_, i) => `s${i}`);
    const r = await map("SecretsManagerClient", "BatchGetSecretValueCommand", { SecretIdList });
    expect(r.known).toBe(false);
    const Tags = Array.from({ length: 1001 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    const t = await map("SQSClient", "CreateQueueCommand", { QueueName: "q", tags: Tags });
    expect(t.known).toBe(false);
  });
});

describe("unknown-part markers", () => {
  it("input text cannot forge a marker", async () => {
    const r = await map("S3Client", "GetObjectCommand", {
      Bucket: "reports",
      Key: "invoice-\uE000secret\uE0021\uE001.pdf",
    });
    const get = r.requests.find((q) => q.action === "s3:GetObject");
    expect(get?.resourceParts?.some((p) => typeof p === "object" && p.length === 1)).not.toBe(true);
    expect(!r.known || get?.resource === "arn:aws:s3:::reports/*").toBe(true);
  });

  it("marker characters in a member keycard does not read do not refuse the call", async () => {
    const r = await map("S3Client", "PutObjectCommand", { Bucket: "b", Key: "k", Body: "\uE000" });
    expect(r.known).toBe(true);
  });

  it("labels built from input are not kept at their full length", () => {
    const long = `KMS key behind alias/${"a".repeat(100_000)}`;
    expect(unknownPart(long).length).toBeLessThan(1000);
  });
});

describe("members the input inherits", () => {
  it("a header member from a class instance's prototype is read, as the SDK reads it", async () => {
    class Input {
      Bucket = "b";
      Key = "k";
      get ACL() {
        return "public-read";
      }
    }
    const r = await map("S3Client", "PutObjectCommand", new Input());
    expect(r.known).toBe(true);
    const acl = r.requests.find((q) => q.action === "s3:PutObjectAcl");
    expect(acl?.context?.["s3:x-amz-acl"]).toBe("public-read");
  });

  it("a member added to Object.prototype is read, as the SDK reads it", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto["ACL"] = "public-read";
    try {
      const r = await map("S3Client", "PutObjectCommand", { Bucket: "b", Key: "k" });
      expect(r.requests.map((q) => q.action)).toContain("s3:PutObjectAcl");
      const put = r.requests.find((q) => q.action === "s3:PutObject");
      expect(put?.context?.["s3:x-amz-acl"]).toBe("public-read");
    } finally {
      delete proto["ACL"];
    }
  });

  it("a member added to Object.prototype is read by every rule, beside the input's own", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    Object.defineProperty(Object.prototype, "IndexName", {
      value: "by-customer",
      enumerable: false,
      configurable: true,
      writable: true,
    });
    proto["GrantRead"] = "id=attacker";
    try {
      const query = await map("DynamoDBClient", "QueryCommand", { TableName: "orders" });
      expect(query.requests.map((q) => q.resource)).toEqual([
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/by-customer",
      ]);
      // One header the input has, one only the prototype has: both reach the context.
      const put = await map("S3Client", "PutObjectCommand", {
        Bucket: "b",
        Key: "k",
        ACL: "private",
      });
      const acl = put.requests.find((q) => q.action === "s3:PutObjectAcl");
      expect(acl?.context?.["s3:x-amz-acl"]).toBe("private");
      expect(acl?.context?.["s3:x-amz-grant-read"]).toBe("id=attacker");
    } finally {
      delete proto["IndexName"];
      delete proto["GrantRead"];
    }
  });

  it("a member added to Object.prototype under another name changes nothing", async () => {
    const clean = await map("S3Client", "PutObjectCommand", {
      Bucket: "b",
      Key: "k",
      ACL: "private",
    });
    const proto = Object.prototype as Record<string, unknown>;
    proto["somethingElse"] = 1;
    try {
      const polluted = await map("S3Client", "PutObjectCommand", {
        Bucket: "b",
        Key: "k",
        ACL: "private",
      });
      expect(polluted).toEqual(clean);
    } finally {
      delete proto["somethingElse"];
    }
  });

  it("a non-enumerable member added to Object.prototype is read too", async () => {
    for (const [name, value] of [
      ["ACL", "public-read"],
      ["VersionId", "v1"],
    ]) {
      Object.defineProperty(Object.prototype, name as string, {
        value,
        enumerable: false,
        configurable: true,
        writable: true,
      });
    }
    const proto = Object.prototype as Record<string, unknown>;
    try {
      const put = await map("S3Client", "PutObjectCommand", { Bucket: "b", Key: "k" });
      expect(put.requests.map((q) => q.action)).toContain("s3:PutObjectAcl");
      const get = await map("S3Client", "GetObjectCommand", { Bucket: "b", Key: "k" });
      expect(get.requests.map((q) => q.action)).toContain("s3:GetObjectVersion");
    } finally {
      delete proto["ACL"];
      delete proto["VersionId"];
    }
  });
});

/*
 * Code in the process that adds members to `Object.prototype` must not reach what the mapping
 * builds: rule variables, contexts and the mapping's own tables are read by their own members.
 */
describe("members added to Object.prototype under the mapping's own names", () => {
  /** Runs `body` with `members` defined on Object.prototype (enumerable), then removes them. */
  async function polluted<T>(members: Record<string, unknown>, body: () => Promise<T>): Promise<T> {
    const proto = Object.prototype as Record<string, unknown>;
    for (const [name, value] of Object.entries(members)) proto[name] = value;
    try {
      return await body();
    } finally {
      for (const name of Object.keys(members)) delete proto[name];
    }
  }

  it("a condition key's name stays unknown", async () => {
    const put = await polluted({ "s3:TlsVersion": 1.3 }, () =>
      map("S3Client", "PutObjectCommand", { Bucket: "b", Key: "k" }),
    );
    const request = put.requests.find((q) => q.action === "s3:PutObject");
    expect(request?.unknownContext).toContain("s3:TlsVersion");
    expect(Object.hasOwn(request?.context ?? {}, "s3:TlsVersion")).toBe(false);
  });

  it("a condition key's name is not added to the context as a rule's value", async () => {
    const get = await polluted({ "dynamodb:Select": "ALL_ATTRIBUTES" }, () =>
      map("DynamoDBClient", "GetItemCommand", { TableName: "orders", Key: { id: { S: "1" } } }),
    );
    expect(Object.hasOwn(get.requests[0]?.context ?? {}, "dynamodb:Select")).toBe(false);
  });

  it("an ARN variable's name does not place the resource", async () => {
    const get = await polluted({ Region: "eu-west-1", Account: "999999999999" }, () =>
      map("DynamoDBClient", "GetItemCommand", { TableName: "orders", Key: { id: { S: "1" } } }),
    );
    expect(pairs(get.requests)).toEqual([
      ["dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/orders"],
    ]);
  });
});

describe("addedObjectPrototypeMembers", () => {
  it("lists symbol-keyed members, which the SDK's per-operation caches would inherit", () => {
    const key = Symbol.for("@smithy/schema-x");
    expect(addedObjectPrototypeMembers()).toEqual([]);
    Object.defineProperty(Object.prototype, key, { get: () => undefined, configurable: true });
    try {
      expect(addedObjectPrototypeMembers()).toEqual(["Symbol(@smithy/schema-x)"]);
    } finally {
      delete (Object.prototype as Record<symbol, unknown>)[key];
    }
  });
});

describe("a mapping made while Object.prototype has members added", () => {
  it("leaves no trace once they are removed", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    const queue = { QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/jobs" };
    // A rule table's optional member: every operation without a rule of its own maps to nothing.
    proto["operation"] = () => () => {};
    try {
      await map("SQSClient", "PurgeQueueCommand", queue);
    } finally {
      delete proto["operation"];
    }
    const after = await map("SQSClient", "PurgeQueueCommand", queue);
    expect(pairs(after.requests)).toEqual([
      ["sqs:PurgeQueue", "arn:aws:sqs:us-east-1:123456789012:jobs"],
    ]);
  });

  it("a service's list of unsigned operations is read from the SDK's table only", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto["SNS"] = ["Publish"];
    try {
      await preloadServices(["SNSClient"]);
    } finally {
      delete proto["SNS"];
    }
    const r = await map("SNSClient", "PublishCommand", {
      TopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
      Message: "m",
    });
    expect(pairs(r.requests)).toEqual([
      ["sns:Publish", "arn:aws:sns:us-east-1:123456789012:alerts"],
    ]);
  });

  it("a member named like a result's is not taken for a result", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto["known"] = true;
    try {
      const r = await map("SQSClient", "DeleteQueueCommand", {
        QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
      });
      expect(r.requests.map((q) => q.action)).toEqual(["sqs:DeleteQueue"]);
    } finally {
      delete proto["known"];
    }
  });
});

describe("a proxy input", () => {
  it("a member its get trap answers for but its target lacks is read, as the SDK reads it", async () => {
    const hiding = () =>
      new Proxy(
        { Bucket: "b", Key: "k" },
        {
          get: (target, name, receiver) =>
            name === "ACL" ? "public-read" : Reflect.get(target, name, receiver),
        },
      );
    const r = await map("S3Client", "PutObjectCommand", hiding());
    const acl = r.requests.find((q) => q.action === "s3:PutObjectAcl");
    expect(acl?.context?.["s3:x-amz-acl"]).toBe("public-read");
    const proto = Object.prototype as Record<string, unknown>;
    proto["unrelated"] = 1;
    try {
      const again = await map("S3Client", "PutObjectCommand", hiding());
      expect(again.requests.map((q) => q.action)).toContain("s3:PutObjectAcl");
    } finally {
      delete proto["unrelated"];
    }
  });
});

describe("text that looks like keycard's own tags", () => {
  it("a key starting with the control character U+0002 is the object's name, not an ARN entry", async () => {
    for (const operation of ["PutObject", "GetObject", "DeleteObject"]) {
      const r = await map("S3Client", operation, {
        Bucket: "secret-bucket",
        Key: "\u0002arn:aws:s3:::public-bucket/x",
      });
      expect(r.requests.map((request) => request.resource)).toEqual([
        "arn:aws:s3:::secret-bucket/\u0002arn:aws:s3:::public-bucket/x",
      ]);
    }
  });

  it("a list entry starting with U+0002 is not taken as an ARN entry either", async () => {
    const r = await map("S3Client", "DeleteObjects", {
      Bucket: "secret-bucket",
      Delete: { Objects: [{ Key: "\u0002arn:aws:s3:::public-bucket/x" }] },
    });
    for (const request of r.requests)
      expect(request.resource).not.toBe("arn:aws:s3:::public-bucket/x");
  });
});

describe("indexes added to Array.prototype", () => {
  it("are not read for a member the input has", async () => {
    Object.defineProperty(Array.prototype, "0", {
      value: "public-bucket",
      configurable: true,
      writable: true,
    });
    try {
      // Mapped afresh: a reused mapping made earlier would not read the input's text at all.
      const r = freshMappings(() =>
        authorizationForSync({
          ...FIXED,
          service: "S3Client",
          operation: "PutObject",
          input: { Bucket: "secret-bucket", Key: "a" },
        }),
      );
      expect(pairs(r.requests)).toEqual([["s3:PutObject", "arn:aws:s3:::secret-bucket/a"]]);
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>)["0"];
    }
  });
});

describe("members added to Object.prototype under the names of a rule's options", () => {
  it("are not read as options the rule left out", () => {
    const added = Object.prototype as Record<string, unknown>;
    const poisons: Record<string, unknown> = {
      variables: { BucketName: "public" },
      resource: "*",
      resourceType: "bucket",
      context: { "s3:x-amz-acl": "private" },
      path: { marker: "", creates: undefined },
    };
    const results: Array<[string, string, string[]]> = [];
    for (const [name, value] of Object.entries(poisons)) {
      added[name] = value;
      try {
        for (const operation of ["GetObject", "PutObject"]) {
          const r = freshMappings(() =>
            authorizationForSync({
              ...FIXED,
              service: "S3Client",
              operation,
              input: { Bucket: "secret", Key: "k" },
            }),
          );
          results.push([
            name,
            operation,
            r.requests.map(
              (q) => `${q.action} ${q.resource} ${"s3:x-amz-acl" in (q.context ?? {})}`,
            ),
          ]);
        }
      } finally {
        delete added[name];
      }
    }
    for (const [name, operation, requests] of results) {
      expect(requests, `${name} on ${operation}`).toEqual([
        `s3:${operation} arn:aws:s3:::secret/k false`,
      ]);
    }
  });
});

describe("members added to Object.prototype under the names of the arguments' and plans' optional members", () => {
  it("are not read for an argument the caller left out or a plan member the operation lacks", () => {
    const added = Object.prototype as Record<string, unknown>;
    const fake = { result: () => ({ known: true, service: "s3", requests: [], alsoMayNeed: [] }) };
    const results: string[] = [];
    for (const [name, value] of [
      ["partition", "aws-cn"],
      ["accountId", "210987654321"],
      ["reuse", fake],
      ["transient", true],
    ] as const) {
      added[name] = value;
      try {
        const r = authorizationForSync({
          service: "SQSClient",
          operation: "DeleteQueue",
          region: "us-east-1",
          input: { QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/prod-orders" },
        });
        results.push(`${name}: ${r.requests.map((q) => q.resource).join(" ")}`);
      } finally {
        delete added[name];
      }
    }
    const queue = "arn:aws:sqs:us-east-1:123456789012:prod-orders";
    expect(results).toEqual([
      `partition: ${queue}`,
      `accountId: ${queue}`,
      `reuse: ${queue}`,
      `transient: ${queue}`,
    ]);
  });
});

describe("addedArrayPrototypeIndexes", () => {
  it("lists the indexes Array.prototype has of its own, and none once they are gone", () => {
    expect(addedArrayPrototypeIndexes()).toEqual([]);
    Object.defineProperty(Array.prototype, "3", { get: () => "x", configurable: true });
    let listed: string[];
    try {
      listed = addedArrayPrototypeIndexes();
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>)["3"];
    }
    expect(listed).toEqual(["3"]);
    expect(addedArrayPrototypeIndexes()).toEqual([]);
  });
});
