import { loadPolicy } from "@keycard/engine";
import { authorizationFor, generatePolicy } from "@keycard/iam-map";
import { describe, expect, test } from "vitest";
import { LearnRecorder } from "./learn-recorder.js";

describe("LearnRecorder", () => {
  test("records distinct requests with counts, dropping the keys that change every call", () => {
    const recorder = new LearnRecorder();
    const at = (time: string, epoch: number) => ({
      "aws:CurrentTime": time,
      "aws:EpochTime": epoch,
      "s3:prefix": "a/",
    });
    recorder.record([
      {
        action: "s3:ListBucket",
        resource: "arn:aws:s3:::b",
        context: at("2024-01-01T00:00:00Z", 1),
      },
    ]);
    recorder.record([
      {
        action: "s3:ListBucket",
        resource: "arn:aws:s3:::b",
        context: at("2024-01-01T00:00:09Z", 9),
      },
    ]);
    recorder.record([
      { action: "s3:ListBucket", resource: "arn:aws:s3:::b", context: { "s3:prefix": "b/" } },
    ]);
    recorder.record([{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }]);
    expect(recorder.records()).toEqual([
      {
        action: "s3:ListBucket",
        resource: "arn:aws:s3:::b",
        context: { "s3:prefix": "a/" },
        count: 2,
      },
      {
        action: "s3:ListBucket",
        resource: "arn:aws:s3:::b",
        context: { "s3:prefix": "b/" },
        count: 1,
      },
      { action: "s3:GetObject", resource: "arn:aws:s3:::b/k", count: 1 },
    ]);
  });

  test("records() hands out copies", () => {
    const recorder = new LearnRecorder();
    recorder.record([{ action: "s3:GetObject", resource: "*" }]);
    recorder.records()[0]!.count = 99;
    expect(recorder.records()[0]!.count).toBe(1);
  });

  test("stops growing at maxRecords and counts what it dropped", () => {
    const recorder = new LearnRecorder({ maxRecords: 2 });
    for (let i = 0; i < 5; i++)
      recorder.record([{ action: "s3:GetObject", resource: `arn:aws:s3:::b/${i}` }]);
    recorder.record([{ action: "s3:GetObject", resource: "arn:aws:s3:::b/0" }]);
    expect(recorder.records().map((r) => r.count)).toEqual([2, 1]);
    expect(recorder.dropped).toBe(3);
    recorder.clear();
    expect(recorder.records()).toEqual([]);
    expect(recorder.dropped).toBe(0);
  });

  test("the learned policy, loaded back, allows the same traffic and nothing else", async () => {
    const calls = [
      {
        service: "S3Client",
        operation: "PutObjectCommand",
        input: { Bucket: "orders", Key: "2024/a.json" },
      },
      {
        service: "S3Client",
        operation: "GetObjectCommand",
        input: { Bucket: "orders", Key: "2024/b.json" },
      },
      {
        service: "DynamoDBClient",
        operation: "QueryCommand",
        input: { TableName: "orders", IndexName: "by-day" },
      },
      {
        service: "SQSClient",
        operation: "SendMessageCommand",
        input: { QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q" },
      },
    ];
    const recorder = new LearnRecorder();
    const mapped = [];
    for (const call of calls) {
      const result = await authorizationFor({
        ...call,
        region: "us-east-1",
        accountId: "123456789012",
      });
      recorder.record(result.requests);
      mapped.push(result.requests);
    }
    const policy = await loadPolicy({ iam: [await recorder.policy()] });
    for (const requests of mapped)
      expect(policy.evaluate({ region: "us-east-1", requests }).allow).toBe(true);
    const other = await authorizationFor({
      service: "S3Client",
      operation: "DeleteObjectCommand",
      input: { Bucket: "orders", Key: "2024/a.json" },
      region: "us-east-1",
    });
    expect(policy.evaluate({ region: "us-east-1", requests: other.requests }).allow).toBe(false);
  });

  describe("resources with parts unknown before the call", () => {
    const map = (service: string, operation: string, input: object) =>
      authorizationFor({
        service,
        operation,
        input,
        region: "us-east-1",
        accountId: "123456789012",
      });

    test("keep their parts, and the policy marks exactly the unknown ones, with a warning", async () => {
      const getUser = await map("IAMClient", "GetUserCommand", { UserName: "bob" });
      expect(getUser.requests[0]!.resourceParts).toContainEqual({ unknown: "IAM user path" });
      const recorder = new LearnRecorder();
      recorder.record(getUser.requests);
      recorder.record(getUser.requests);
      const records = recorder.records();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        action: "iam:GetUser",
        resourceParts: getUser.requests[0]!.resourceParts,
        count: 2,
      });
      const warnings: string[] = [];
      const document = await recorder.policy({ onWarning: (w) => warnings.push(w) });
      expect(document).toEqual(
        await generatePolicy(getUser.requests, { onWarning: () => undefined }),
      );
      // Every resource with an unknown part sits in a statement a reviewer can tell apart.
      expect(document.Statement).toEqual([
        expect.objectContaining({ Sid: "IamUnknownParts", Action: ["iam:GetUser"] }),
      ]);
      expect(warnings).toEqual([expect.stringMatching(/iam:GetUser .*IAM user path/)]);
    });

    test("a known resource with the same display text is recorded apart", () => {
      const recorder = new LearnRecorder();
      const display = "arn:aws:iam::123456789012:user/*bob";
      recorder.record([
        {
          action: "iam:GetUser",
          resource: display,
          resourceParts: ["arn:aws:iam::123456789012:user/", { unknown: "IAM user path" }, "bob"],
        },
      ]);
      recorder.record([{ action: "iam:GetUser", resource: display }]);
      expect(recorder.records().map((r) => r.count)).toEqual([1, 1]);
    });

    test("known text holding wildcard characters is learned as itself, not as a pattern", async () => {
      const put = await map("S3Client", "PutObjectCommand", { Bucket: "orders", Key: "a*$?.json" });
      const recorder = new LearnRecorder();
      recorder.record(put.requests);
      const document = await recorder.policy();
      expect(document.Statement[0]!.Resource).toEqual(["arn:aws:s3:::orders/a${*}${$}${?}.json"]);
      const policy = await loadPolicy({ iam: [document] });
      expect(policy.evaluate({ region: "us-east-1", requests: put.requests }).allow).toBe(true);
      const other = await map("S3Client", "PutObjectCommand", {
        Bucket: "orders",
        Key: "ab$c.json",
      });
      expect(policy.evaluate({ region: "us-east-1", requests: other.requests }).allow).toBe(false);
    });

    test("records() hands out copies of the parts", () => {
      const recorder = new LearnRecorder();
      recorder.record([
        {
          action: "kms:Encrypt",
          resource: "arn:aws:kms:us-east-1:123456789012:key/*",
          resourceParts: ["arn:aws:kms:us-east-1:123456789012:key/", { unknown: "KMS key" }],
        },
      ]);
      const first = recorder.records()[0]!;
      (first.resourceParts![1] as { unknown: string }).unknown = "changed";
      expect(recorder.records()[0]!.resourceParts![1]).toEqual({ unknown: "KMS key" });
    });
  });
});

describe("LearnRecorder while Object.prototype has members added", () => {
  test("a request's parts are its own: a member on the prototype does not widen what is learned", async () => {
    const recorder = new LearnRecorder();
    const proto = Object.prototype as Record<string, unknown>;
    proto["resourceParts"] = [{ unknown: "queue" }];
    try {
      recorder.record([
        { action: "sqs:SendMessage", resource: "arn:aws:sqs:us-east-1:123456789012:orders" },
      ]);
    } finally {
      delete proto["resourceParts"];
    }
    const policy = await recorder.policy();
    expect(policy.Statement[0]?.Resource).toEqual(["arn:aws:sqs:us-east-1:123456789012:orders"]);
  });
});
