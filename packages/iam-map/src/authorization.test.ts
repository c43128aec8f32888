import { describe, expect, it } from "vitest";
import { authorizationFor, authorizationForSync, preloadServices } from "./authorization.js";
import { FIXED, map, pairs } from "./test-utils/map.js";

describe("authorizationFor: the general rule", () => {
  it("fills a topic ARN from TopicArn (sns:Publish)", async () => {
    const r = await map("SNSClient", "PublishCommand", {
      TopicArn: "arn:aws:sns:us-east-1:123456789012:orders",
      Message: "x",
    });
    expect(r).toMatchObject({ known: true, service: "sns" });
    expect(pairs(r.requests)).toEqual([
      ["sns:Publish", "arn:aws:sns:us-east-1:123456789012:orders"],
    ]);
  });

  it("fills a stream ARN from StreamName (kinesis:PutRecord)", async () => {
    const r = await map("KinesisClient", "PutRecordCommand", {
      StreamName: "clicks",
      Data: new Uint8Array(2),
      PartitionKey: "k",
    });
    expect(pairs(r.requests)).toEqual([
      ["kinesis:PutRecord", "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"],
    ]);
  });

  it("matches camelCase members (ECR repositoryName)", async () => {
    const r = await map("ECRClient", "BatchGetImageCommand", {
      repositoryName: "api",
      imageIds: [],
    });
    expect(pairs(r.requests)).toEqual([
      ["ecr:BatchGetImage", "arn:aws:ecr:us-east-1:123456789012:repository/api"],
    ]);
  });

  it("uses * for actions without resource types (ec2:DescribeInstances)", async () => {
    const r = await map("EC2Client", "DescribeInstancesCommand", {});
    expect(pairs(r.requests)).toEqual([["ec2:DescribeInstances", "*"]]);
  });

  it("fans out list members (ec2:TerminateInstances on each InstanceIds entry)", async () => {
    const r = await map("EC2Client", "TerminateInstancesCommand", { InstanceIds: ["i-1", "i-2"] });
    expect(pairs(r.requests)).toEqual([
      ["ec2:TerminateInstances", "arn:aws:ec2:us-east-1:123456789012:instance/i-1"],
      ["ec2:TerminateInstances", "arn:aws:ec2:us-east-1:123456789012:instance/i-2"],
    ]);
  });

  it("uses the resource's Name member for the last ARN segment (events:DescribeRule)", async () => {
    const r = await map("EventBridgeClient", "DescribeRuleCommand", { Name: "nightly" });
    expect(pairs(r.requests)).toEqual([
      ["events:DescribeRule", "arn:aws:events:us-east-1:123456789012:rule/nightly"],
    ]);
  });

  it("takes service condition keys from same-named members", async () => {
    const r = await map("DynamoDBClient", "GetItemCommand", {
      TableName: "t",
      Key: {},
      ReturnConsumedCapacity: "TOTAL",
    });
    expect(r.requests[0]?.context?.["dynamodb:ReturnConsumedCapacity"]).toBe("TOTAL");
  });

  it("takes aws:RequestTag and aws:TagKeys from Tags", async () => {
    const r = await map("SQSClient", "CreateQueueCommand", { QueueName: "q", tags: { team: "a" } });
    expect(r.requests[0]?.resource).toBe("arn:aws:sqs:us-east-1:123456789012:q");
    expect(r.requests[0]?.context).toMatchObject({
      "aws:RequestTag/team": "a",
      "aws:TagKeys": ["team"],
    });
  });

  it("uses * for an unknown region or account, and derives the partition from the region", async () => {
    const r = await authorizationFor({
      service: "sqs",
      operation: "CreateQueue",
      input: { QueueName: "q" },
    });
    expect(pairs(r.requests)).toEqual([["sqs:CreateQueue", "arn:aws:sqs:*:*:q"]]);
    expect(r.requests[0]?.context?.["aws:RequestedRegion"]).toBeUndefined();
    const cn = await authorizationFor({
      service: "sqs",
      operation: "CreateQueue",
      input: { QueueName: "q" },
      region: "cn-north-1",
    });
    expect(cn.requests[0]?.resource).toBe("arn:aws-cn:sqs:cn-north-1:*:q");
  });
});

describe("authorizationFor: service and operation names", () => {
  it.each([["S3Client"], ["S3"], ["s3"]])("accepts %s for S3", async (service) => {
    const r = await map(service, "GetObject", { Bucket: "b", Key: "k" });
    expect(r.service).toBe("s3");
  });

  it.each([
    ["CloudWatchClient", "cloudwatch"],
    ["monitoring", "cloudwatch"],
    ["Secrets Manager", "secretsmanager"],
    ["SFNClient", "states"],
    ["EventBridgeClient", "events"],
    ["CloudWatch Logs", "logs"],
    ["CognitoIdentityProviderClient", "cognito-idp"],
  ])("resolves %s to the IAM prefix %s", async (service, prefix) => {
    await preloadServices([service]);
    const r = authorizationForSync({ ...FIXED, service, operation: "NoSuchOperation" });
    expect(r.service).toBe(prefix);
  });

  it("accepts the operation with or without Command, including operations ending in Command", async () => {
    const a = await map("SSMClient", "SendCommandCommand", {
      DocumentName: "AWS-RunShellScript",
      InstanceIds: ["i-1"],
    });
    const b = await map("SSMClient", "SendCommand", {
      DocumentName: "AWS-RunShellScript",
      InstanceIds: ["i-1"],
    });
    expect(a.requests.map((q) => q.action)).toContain("ssm:SendCommand");
    expect(b.requests).toEqual(a.requests);
  });

  it("gives known: false with a reason for unknown services and operations", async () => {
    const svc = await map("NoSuchClient", "GetThing", {});
    expect(svc).toMatchObject({ known: false, service: "", requests: [], alsoMayNeed: [] });
    expect(svc.reason).toMatch(/unknown service/);
    const op = await map("S3Client", "FlyToTheMoonCommand", {});
    expect(op).toMatchObject({ known: false, service: "s3" });
    expect(op.reason).toMatch(/no IAM action/);
  });

  it("maps unsigned operations to no requests", async () => {
    const r = await map("CognitoIdentityProviderClient", "InitiateAuthCommand", {
      AuthFlow: "USER_PASSWORD_AUTH",
    });
    expect(r).toMatchObject({ known: true, service: "cognito-idp", requests: [] });
    expect(r.reason).toMatch(/unsigned/);
  });

  it("maps CloudWatch Logs groups and streams", async () => {
    const r = await map("CloudWatchLogsClient", "PutLogEventsCommand", {
      logGroupName: "/app/api",
      logStreamName: "web-1",
      logEvents: [],
    });
    expect(pairs(r.requests)).toEqual([
      [
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:123456789012:log-group:/app/api:log-stream:web-1",
      ],
    ]);
    const g = await map("CloudWatchLogsClient", "CreateLogGroupCommand", {
      logGroupName: "/app/api",
    });
    expect(pairs(g.requests)).toEqual([
      ["logs:CreateLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:/app/api"],
    ]);
  });
});

describe("authorizationForSync", () => {
  it("says when a service is not loaded yet, then maps once it is", async () => {
    const before = authorizationForSync({
      ...FIXED,
      service: "BraketClient",
      operation: "GetDeviceCommand",
      input: {},
    });
    expect(before.known).toBe(false);
    expect(before.reason).toMatch(/not loaded/);
    await preloadServices(["BraketClient"]);
    const after = authorizationForSync({
      ...FIXED,
      service: "BraketClient",
      operation: "GetDeviceCommand",
      input: {},
    });
    expect(after.known).toBe(true);
  });
});

describe("inputMembers", () => {
  const call = (inputMembers: unknown) =>
    authorizationFor({
      ...FIXED,
      service: "S3Client",
      operation: "GetObjectCommand",
      input: { Bucket: "b", Key: "k" },
      inputMembers: inputMembers as string[],
    });

  it("checks a list that is not frozen on every call", async () => {
    const names: unknown[] = ["Bucket", "Key"];
    expect((await call(names)).known).toBe(true);
    names.push(42);
    const changed = await call(names);
    expect(changed.known).toBe(false);
    expect(changed.reason).toMatch(/inputMembers must be a list/);
  });

  it("checks a frozen list whose entry is a getter on every call", async () => {
    let entry: unknown = "Key";
    const names = Object.freeze(
      Object.defineProperty(["Bucket"], 1, { get: () => entry, enumerable: true }),
    );
    expect((await call(names)).known).toBe(true);
    entry = 42;
    expect((await call(names)).known).toBe(false);
  });

  it("refuses a frozen list with an entry that is not a name, every time", async () => {
    const names = Object.freeze(["Bucket", 42]);
    for (let i = 0; i < 2; i++) expect((await call(names)).known).toBe(false);
    const sparse = ["Bucket", "Key"];
    sparse.length = 3;
    expect((await call(Object.freeze(sparse))).known).toBe(false);
  });
});

describe("odd input never throws", () => {
  const circular: Record<string, unknown> = { Bucket: "b", Key: "k" };
  circular["self"] = circular;
  const throwing = Object.defineProperty({ Bucket: "b" }, "Key", {
    enumerable: true,
    get() {
      throw new Error("boom");
    },
  });
  const cases: Array<[string, unknown]> = [
    ["undefined input", undefined],
    ["null input", null],
    ["a string input", "hello"],
    ["undefined members", { Bucket: undefined, Key: undefined }],
    ["a very long key", { Bucket: "b", Key: "k".repeat(100_000) }],
    ["unicode", { Bucket: "b", Key: "日本語/😀/ключ" }],
    ["a Uint8Array body", { Bucket: "b", Key: "k", Body: new Uint8Array(10) }],
    ["a circular object", circular],
    ["a throwing getter", throwing],
    ["wrong member types", { Bucket: 42, Key: { nested: true }, Tagging: 7, Delete: "x" }],
    [
      "a proxy",
      new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error("no keys");
          },
        },
      ),
    ],
  ];
  it.each(cases)("%s", async (_name, input) => {
    for (const operation of [
      "GetObject",
      "PutObject",
      "DeleteObjects",
      "CopyObject",
      "ListObjectsV2",
    ]) {
      const r = await map("S3Client", operation, input);
      expect(r.known).toBe(true);
      expect(r.requests.length).toBeGreaterThan(0);
    }
    for (const [service, operation] of [
      ["DynamoDBClient", "BatchWriteItem"],
      ["DynamoDBClient", "TransactWriteItems"],
      ["SQSClient", "SendMessage"],
      ["KMSClient", "Encrypt"],
    ] as const) {
      const r = await map(service, operation, input);
      // A rule that threw is caught and reported as "mapping failed"; that must not happen.
      expect(r.reason ?? "").not.toMatch(/^mapping failed/);
    }
  });

  it("keeps unicode and long keys in the ARN", async () => {
    const r = await map("S3Client", "GetObject", { Bucket: "b", Key: "日本語/😀" });
    expect(r.requests[0]?.resource).toBe("arn:aws:s3:::b/日本語/😀");
  });

  it("survives non-object arguments and non-string names", async () => {
    // @ts-expect-error deliberately wrong
    await expect(authorizationFor(undefined)).resolves.toMatchObject({ known: false });
    // @ts-expect-error deliberately wrong
    await expect(authorizationFor({ service: 1, operation: null })).resolves.toMatchObject({
      known: false,
    });
    await expect(map("__proto__", "constructor", {})).resolves.toMatchObject({ known: false });
    await expect(map("S3Client", "constructor", {})).resolves.toMatchObject({ known: false });
    await expect(map("x".repeat(10_000), "y".repeat(10_000), {})).resolves.toMatchObject({
      known: false,
    });
  });
});
