import {
  AthenaClient,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from "@aws-sdk/client-athena";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { CopySnapshotCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { CreateClusterCommand, DeleteServiceCommand, ECSClient } from "@aws-sdk/client-ecs";
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  KMSClient,
} from "@aws-sdk/client-kms";
import { AddPermissionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CopyDBSnapshotCommand, RDSClient } from "@aws-sdk/client-rds";
import { DeleteHostedZoneCommand, Route53Client } from "@aws-sdk/client-route-53";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { RECORD_PROTOTYPE } from "@keycard/iam-map";
import type { HandlerExecutionContext } from "@smithy/types";
import { afterEach, describe, expect, test } from "vitest";
import { UnreadableInputError } from "./input-snapshot.js";
import { SMITHY_CONTEXT } from "./sdk-call.js";
import { serializedInput } from "./serialized-members.js";
import {
  ACCOUNT,
  allow,
  clientConfig,
  doc,
  guarded,
  type StubResponse,
  stubHandler,
} from "./test-utils/fixtures.js";

// Each attack gives keycard an input whose members differ from what the SDK serializes: the
// call must be refused, or decided on exactly what the SDK sends.

const json11: StubResponse = {
  headers: { "content-type": "application/x-amz-json-1.1" },
  body: "{}",
};
const json10: StubResponse = {
  headers: { "content-type": "application/x-amz-json-1.0" },
  body: "{}",
};

const s3Client = (config: object) => new S3Client({ ...config, forcePathStyle: true });
const aclDeny = doc(allow("s3:PutObject", "arn:aws:s3:::orders/*"), {
  Effect: "Deny",
  Action: "s3:PutObject",
  Resource: "*",
  Condition: { StringEquals: { "s3:x-amz-acl": "public-read" } },
});

/** Names this file adds to `Object.prototype`; removed after each test whatever happens. */
const polluted = ["ACL", "VersionId", "KmsKeyId"];
afterEach(() => {
  for (const name of polluted) delete (Object.prototype as Record<string, unknown>)[name];
});

function pollute(name: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(Object.prototype, name, {
    value,
    enumerable,
    configurable: true,
    writable: true,
  });
}

describe("Object.prototype pollution (F1, F2)", () => {
  test("a non-enumerable Object.prototype.ACL refuses PutObject, naming the member", async () => {
    const s3 = await guarded(s3Client, aclDeny, { headers: { etag: '"1"' } });
    const clean = await s3.send(new PutObjectCommand({ Bucket: "orders", Key: "a", Body: "x" }));
    expect(clean.sent).toBe(true);
    expect(clean.requests[0]?.headers["x-amz-acl"]).toBeUndefined();
    pollute("ACL", "public-read", false);
    const attack = await s3.send(new PutObjectCommand({ Bucket: "orders", Key: "c", Body: "x" }));
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain("Object.prototype");
    expect(attack.decision?.reason).toContain("ACL");
  });

  test("a non-enumerable Object.prototype.VersionId refuses GetObject (no GetObjectVersion by the back door)", async () => {
    const s3 = await guarded(s3Client, doc(allow("s3:GetObject", "arn:aws:s3:::orders/*")));
    pollute("VersionId", "v1", false);
    const filler = Object.fromEntries(
      ["IfMatch", "IfNoneMatch", "Range", "ResponseCacheControl", "ResponseContentType"].map(
        (k) => [k, undefined],
      ),
    );
    for (const input of [
      { Bucket: "orders", Key: "b" },
      { Bucket: "orders", Key: "c", ...filler },
    ]) {
      const attack = await s3.send(new GetObjectCommand(input));
      expect(attack.sent).toBe(false);
      expect(attack.decision?.reason).toContain("VersionId");
    }
  });

  test("pollution after an identical allowed call is seen: the memo does not answer first", async () => {
    const s3 = await guarded(s3Client, aclDeny, { headers: { etag: '"1"' } });
    const input = () => ({ Bucket: "orders", Key: "same.json", Body: "x" });
    // Twice clean, so the second is answered from the memo when the memo is on.
    expect((await s3.send(new PutObjectCommand(input()))).sent).toBe(true);
    expect((await s3.send(new PutObjectCommand(input()))).sent).toBe(true);
    pollute("ACL", "public-read", true);
    const attack = await s3.send(new PutObjectCommand(input()));
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain("ACL");
  });
});

describe("pollution only while the SDK serializes", () => {
  test("a member on Object.prototype only until the check is not serialized: the serializer reads the copy", async () => {
    const ec2 = await guarded(
      (c) => {
        const client = new EC2Client(c);
        // Hostile timing: the member exists while the request is built, and is gone by the check.
        client.middlewareStack.add(
          (next) => (args) => {
            delete (Object.prototype as Record<string, unknown>)["KmsKeyId"];
            return next(args);
          },
          { step: "build" },
        );
        return client;
      },
      doc(allow("ec2:CopySnapshot", "*"), {
        Effect: "Deny",
        Action: "ec2:CopySnapshot",
        Resource: "*",
        Condition: { Null: { "ec2:KmsKeyId": "false" } },
      }),
      {
        headers: { "content-type": "text/xml" },
        body: "<CopySnapshotResponse><snapshotId>snap-2</snapshotId></CopySnapshotResponse>",
      },
    );
    pollute("KmsKeyId", "arn:aws:kms:us-west-2:999999999999:key/x", false);
    const result = await ec2.send(
      new CopySnapshotCommand({ SourceRegion: "us-west-2", SourceSnapshotId: "snap-1" }),
    );
    if (result.sent) {
      const body = decodeURIComponent(String(result.requests[0]?.body));
      expect(body).not.toContain("KmsKeyId=arn");
    }
  });
});

describe("members the SDK does not serialize are not what keycard maps (F3-F6)", () => {
  const ecsTags = doc(allow("ecs:*", "*"), {
    Effect: "Deny",
    Action: "ecs:*",
    Resource: "*",
    Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["owner"] } },
  });

  test("F3 ECS: a tag's unmodelled `Key` does not hide the modelled `key`", async () => {
    const ecs = await guarded((c) => new ECSClient(c), ecsTags, json11);
    const attack = await ecs.send(
      new CreateClusterCommand({
        clusterName: "c2",
        tags: [{ key: "owner", value: "admin", Key: "team", Value: "x" } as never],
      }),
    );
    expect(attack.sent).toBe(false);
    const control = await ecs.send(
      new CreateClusterCommand({ clusterName: "c3", tags: [{ key: "team", value: "x" }] }),
    );
    expect(control.sent).toBe(true);
  });

  test("F3 KMS: a tag's unmodelled `Value` does not hide the modelled `TagValue`", async () => {
    const kms = await guarded(
      (c) => new KMSClient(c),
      doc(allow(["kms:CreateKey", "kms:TagResource"], "*"), {
        Effect: "Deny",
        Action: "kms:*",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestTag/env": "prod" } },
      }),
      json11,
    );
    const attack = await kms.send(
      new CreateKeyCommand({ Tags: [{ TagKey: "env", TagValue: "prod", Value: "dev" } as never] }),
    );
    expect(attack.sent).toBe(false);
    const control = await kms.send(
      new CreateKeyCommand({ Tags: [{ TagKey: "env", TagValue: "dev" }] }),
    );
    expect(control.sent).toBe(true);
    expect(String(control.requests[0]?.body)).toBe('{"Tags":[{"TagKey":"env","TagValue":"dev"}]}');
  });

  test("F4 SNS: lower-case `tags`, which the SDK drops, does not count as the required tag", async () => {
    const sns = await guarded(
      (c) => new SNSClient(c),
      doc({
        Effect: "Allow",
        Action: ["sns:CreateTopic", "sns:TagResource"],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestTag/team": "orders" } },
      }),
      {
        headers: { "content-type": "text/xml" },
        body: `<CreateTopicResponse><CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:${ACCOUNT}:t</TopicArn></CreateTopicResult></CreateTopicResponse>`,
      },
    );
    const tags = [{ Key: "team", Value: "orders" }];
    expect((await sns.send(new CreateTopicCommand({ Name: "t", Tags: tags }))).sent).toBe(true);
    const attack = await sns.send(new CreateTopicCommand({ Name: "t", tags } as never));
    expect(attack.sent).toBe(false);
  });

  const listHome = doc({
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: "arn:aws:s3:::shared",
    Condition: { StringLike: { "s3:prefix": ["home/alice/*"] } },
  });
  const listing: StubResponse = {
    headers: { "content-type": "application/xml" },
    body: "<ListBucketResult></ListBucketResult>",
  };

  test("F4 S3: lower-case `prefix`, which the SDK drops, is not s3:prefix", async () => {
    const s3 = await guarded(s3Client, listHome, listing);
    const ok = await s3.send(new ListObjectsV2Command({ Bucket: "shared", Prefix: "home/alice/" }));
    expect(ok.sent).toBe(true);
    const attack = await s3.send(
      new ListObjectsV2Command({ Bucket: "shared", prefix: "home/alice/" } as never),
    );
    expect(attack.sent).toBe(false);
  });

  test("F5 Athena: a work group named by members StartQueryExecution does not have is not checked", async () => {
    const athena = await guarded(
      (c) => new AthenaClient(c),
      doc(
        allow(
          ["athena:StartQueryExecution"],
          `arn:aws:athena:us-east-1:${ACCOUNT}:workgroup/sandbox`,
        ),
      ),
      { ...json11, body: '{"QueryExecutionId":"q"}' },
    );
    const QueryString = "select 1";
    const ok = await athena.send(
      new StartQueryExecutionCommand({ QueryString, WorkGroup: "sandbox" }),
    );
    expect(ok.sent).toBe(true);
    for (const extra of [
      { workGroup: "sandbox" },
      { WorkGroupName: "sandbox" },
      { Name: "sandbox" },
    ]) {
      const input = { QueryString, ...extra } as StartQueryExecutionCommandInput;
      const attack = await athena.send(new StartQueryExecutionCommand(input));
      expect(attack.sent, JSON.stringify(extra)).toBe(false);
    }
  });

  test("F6 KMS Decrypt: `TargetKeyId` is not a Decrypt member and names no key", async () => {
    const key = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-1111-1111-1111-111111111111`;
    const kms = await guarded((c) => new KMSClient(c), doc(allow("kms:Decrypt", key)), json11);
    const CiphertextBlob = new Uint8Array([1, 2, 3, 4]);
    expect((await kms.send(new DecryptCommand({ CiphertextBlob, KeyId: key }))).sent).toBe(true);
    const attack = await kms.send(
      new DecryptCommand({ CiphertextBlob, TargetKeyId: key } as never),
    );
    expect(attack.sent).toBe(false);
  });

  test("F6 Lambda AddPermission: `AuthType` is not lambda:FunctionUrlAuthType", async () => {
    const lambda = await guarded(
      (c) => new LambdaClient(c),
      doc({
        Effect: "Allow",
        Action: "lambda:AddPermission",
        Resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:web`,
        Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } },
      }),
      {
        statusCode: 201,
        headers: { "content-type": "application/json" },
        body: '{"Statement":"{}"}',
      },
    );
    const base = {
      FunctionName: "web",
      StatementId: "s",
      Action: "lambda:InvokeFunction",
      Principal: "*",
    };
    const ok = await lambda.send(
      new AddPermissionCommand({
        ...base,
        Action: "lambda:InvokeFunctionUrl",
        FunctionUrlAuthType: "AWS_IAM",
      }),
    );
    expect(ok.sent).toBe(true);
    const attack = await lambda.send(
      new AddPermissionCommand({ ...base, AuthType: "AWS_IAM" } as never),
    );
    expect(attack.sent).toBe(false);
  });

  test("F6 ECS DeleteService: `clusterName` is not the cluster the SDK sends", async () => {
    const ecs = await guarded(
      (c) => new ECSClient(c),
      doc(allow("ecs:DeleteService", `arn:aws:ecs:us-east-1:${ACCOUNT}:service/sandbox/*`)),
      json11,
    );
    expect(
      (await ecs.send(new DeleteServiceCommand({ service: "web", cluster: "sandbox" }))).sent,
    ).toBe(true);
    const attack = await ecs.send(
      new DeleteServiceCommand({ service: "web", clusterName: "sandbox" } as never),
    );
    expect(attack.sent).toBe(false);
  });

  test("F6 Route 53 DeleteHostedZone: the zone checked is `Id`, the one in the path", async () => {
    const r53 = await guarded(
      (c) => new Route53Client(c),
      doc(allow("route53:DeleteHostedZone", "arn:aws:route53:::hostedzone/ZSANDBOX")),
      {
        headers: { "content-type": "text/xml" },
        body: "<DeleteHostedZoneResponse><ChangeInfo><Id>c</Id><Status>PENDING</Status><SubmittedAt>2020-01-01T00:00:00Z</SubmittedAt></ChangeInfo></DeleteHostedZoneResponse>",
      },
    );
    const attack = await r53.send(
      new DeleteHostedZoneCommand({ Id: "ZPROD", HostedZoneId: "ZSANDBOX" } as never),
    );
    expect(attack.sent).toBe(false);
    expect(attack.decision?.requests.map((r) => r.resource)).toEqual([
      "arn:aws:route53:::hostedzone/ZPROD",
    ]);
  });
});

describe("values of a type the model does not allow are refused, naming the member (F7)", () => {
  test("F7 S3: a list in the string member Prefix", async () => {
    const s3 = await guarded(
      s3Client,
      doc({
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: "arn:aws:s3:::shared",
        Condition: { StringLike: { "s3:prefix": ["home/alice/*"] } },
      }),
    );
    const attack = await s3.send(
      new ListObjectsV2Command({ Bucket: "shared", Prefix: ["home/bob/", "home/alice/"] } as never),
    );
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toMatch(/Prefix.*string/);
  });

  test("an object in a string member inside a list names its path", async () => {
    const kms = await guarded((c) => new KMSClient(c), doc(allow("kms:CreateKey", "*")), json11);
    const attack = await kms.send(
      new CreateKeyCommand({ Tags: [{ TagKey: "env", TagValue: { x: "prod" } as never }] }),
    );
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain("Tags[0].TagValue");
  });

  test("a DynamoDB attribute value with several types set is refused", async () => {
    const ddb = await guarded(
      (c) => new DynamoDBClient(c),
      doc({
        Effect: "Allow",
        Action: "dynamodb:GetItem",
        Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/users`,
        Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["alice"] } },
      }),
      json10,
    );
    const ok = await ddb.send(
      new GetItemCommand({ TableName: "users", Key: { pk: { S: "alice" } } }),
    );
    expect(ok.sent).toBe(true);
    const attack = await ddb.send(
      new GetItemCommand({ TableName: "users", Key: { pk: { S: "alice", N: "7" } as never } }),
    );
    expect(attack.sent).toBe(false);
    expect(attack.decision?.reason).toContain("Key.pk");
  });

  test("members the model has are sent as given; the SDK never sees members it lacks", async () => {
    const s3 = await guarded(s3Client, aclDeny, { headers: { etag: '"1"' } });
    const sent = await s3.send(
      new PutObjectCommand({
        Bucket: "orders",
        Key: "k",
        Body: "x",
        Metadata: { a: "1" },
        acl: "public-read",
      } as never),
    );
    expect(sent.sent).toBe(true);
    expect(sent.requests[0]?.headers["x-amz-meta-a"]).toBe("1");
    expect(sent.requests[0]?.headers["x-amz-acl"]).toBeUndefined();
  });
});

describe("serializedInput", () => {
  test("without an operation schema (older clients) the input is mapped as it is", () => {
    const input = { Bucket: "b", prefix: "p" };
    expect(serializedInput(input, {} as HandlerExecutionContext)).toBe(input);
  });

  test("map keys named like Object.prototype's methods stay entries", async () => {
    const s3 = await guarded(s3Client, aclDeny, { headers: { etag: '"1"' } });
    const sent = await s3.send(
      new PutObjectCommand({
        Bucket: "orders",
        Key: "k",
        Body: "x",
        Metadata: { constructor: "c", toString: "t" } as never,
      }),
    );
    expect(sent.sent).toBe(true);
    expect(sent.requests[0]?.headers["x-amz-meta-constructor"]).toBe("c");
    expect(sent.requests[0]?.headers["x-amz-meta-tostring"]).toBe("t");
  });

  test("an operation schema keycard cannot read refuses the call", () => {
    const unreadable = () => {
      throw new Error("no such schema");
    };
    const context = {
      [SMITHY_CONTEXT]: { operationSchema: [9, "com.example", "Op", 0, unreadable, 0] },
    } as unknown as HandlerExecutionContext;
    expect(() => serializedInput({ A: "a" }, context)).toThrow(UnreadableInputError);
    expect(() => serializedInput({ A: "a" }, context)).toThrow("cannot be read");
    for (const operationSchema of [
      "Op",
      [9, "com.example", "Op"],
      [9, "com.example", "Op", 0, 0, 0],
    ]) {
      const other = { [SMITHY_CONTEXT]: { operationSchema } } as unknown as HandlerExecutionContext;
      expect(() => serializedInput({ A: "a" }, other)).toThrow("cannot be read");
    }
  });

  test("an operation first read while Object.prototype has an added member is not kept", () => {
    // The SDK's schema reader follows indexes and trait names such a member answers for.
    const context = {
      [SMITHY_CONTEXT]: {
        operationSchema: [9, "com.example", "Op", 0, [3, "com.example", "In", 0, ["A"], [0]], 0],
      },
    } as unknown as HandlerExecutionContext;
    pollute("KmsKeyId", "k", false);
    expect(() => serializedInput({ A: "a" }, context)).toThrow(/Object\.prototype.*KmsKeyId/);
    delete (Object.prototype as Record<string, unknown>)["KmsKeyId"];
    expect({ ...(serializedInput({ A: "a", B: "b" }, context) as object) }).toEqual({ A: "a" });
  });

  test("the copy inherits nothing from Object.prototype at any depth", async () => {
    let seen: unknown;
    const s3 = new S3Client(clientConfig(stubHandler({ headers: { etag: '"1"' } })));
    s3.middlewareStack.add(
      (next, context) => (args) => {
        seen = serializedInput(args.input, context);
        return next(args);
      },
      { step: "initialize" },
    );
    await s3.send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x", Metadata: { a: "1" } }));
    const copy = seen as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(RECORD_PROTOTYPE);
    expect(Object.getPrototypeOf(copy["Metadata"])).toBe(RECORD_PROTOTYPE);
    expect(Object.getPrototypeOf(RECORD_PROTOTYPE)).toBe(null);
    expect(Object.isFrozen(RECORD_PROTOTYPE)).toBe(true);
    expect({ ...copy }).toEqual({ Bucket: "b", Key: "k", Body: "x", Metadata: { a: "1" } });
  });
});

describe("SDK middleware that reads the copy as an ordinary object", () => {
  test("RDS cross-region copy: the presigned-URL middleware calls input.hasOwnProperty", async () => {
    const rds = await guarded((c) => new RDSClient(c), doc(allow("rds:*", "*")), {
      headers: { "content-type": "text/xml" },
      body: "<CopyDBSnapshotResponse><CopyDBSnapshotResult><DBSnapshot/></CopyDBSnapshotResult></CopyDBSnapshotResponse>",
    });
    const sent = await rds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: `arn:aws:rds:us-west-2:${ACCOUNT}:snapshot:s1`,
        TargetDBSnapshotIdentifier: "s2",
        KmsKeyId: "k",
        Tags: [{ Key: "team", Value: "orders" }],
      }),
    );
    expect(sent.sent).toBe(true);
    expect(String(sent.requests[0]?.body)).toContain("PreSignedUrl=");
  });

  test("EC2 cross-region snapshot copy: the presigned-URL middleware turns members into text", async () => {
    const ec2 = await guarded((c) => new EC2Client(c), doc(allow("ec2:*", "*")), {
      headers: { "content-type": "text/xml" },
      body: "<CopySnapshotResponse><snapshotId>snap-2</snapshotId></CopySnapshotResponse>",
    });
    const sent = await ec2.send(
      new CopySnapshotCommand({
        SourceRegion: "us-west-2",
        SourceSnapshotId: "snap-1",
        TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "team", Value: "o" }] }],
      }),
    );
    expect(sent.sent).toBe(true);
    expect(String(sent.requests[0]?.body)).toContain("PresignedUrl=");
  });
});

describe("condition keys AWS has but keycard does not compute are unknown, not absent", () => {
  const denyHuge = doc(allow("ec2:RunInstances", "*"), {
    Effect: "Deny",
    Action: "ec2:RunInstances",
    Resource: "*",
    Condition: { StringEquals: { "ec2:InstanceType": "p5.48xlarge" } },
  });

  test("a Deny on ec2:InstanceType (a key of the instance resource type) refuses RunInstances", async () => {
    const ec2 = await guarded((config) => new EC2Client(config), denyHuge);
    const run = (InstanceType?: string) =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: "ami-12345678",
          MinCount: 1,
          MaxCount: 1,
          ...(InstanceType === undefined ? {} : { InstanceType: InstanceType as never }),
        }),
      );
    expect((await run("t3.micro")).sent).toBe(true);
    const huge = await run("p5.48xlarge");
    expect(huge.sent).toBe(false);
    const instance = huge.decision?.requests.find((r) => r.resource.includes(":instance/"));
    expect(instance?.allow).toBe(false);
    expect(instance?.explicitDeny).toBe(true);
    // Left out, the type is EC2's default, which keycard does not know: the Deny may apply.
    const unnamed = await run();
    expect(unnamed.sent).toBe(false);
    expect(
      unnamed.decision?.requests.find((r) => r.resource.includes(":instance/"))?.reason,
    ).toContain("ec2:InstanceType");
  });

  test("an Allow on RunInstances conditioned on a request tag does not hold for the image, as in AWS", async () => {
    const tagged = {
      ImageId: "ami-12345678",
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        { ResourceType: "instance" as const, Tags: [{ Key: "env", Value: "prod" }] },
      ],
    };
    // AWS checks the image without request tags: this policy lets no RunInstances through.
    const tagOnly = doc(
      {
        Effect: "Allow",
        Action: "ec2:RunInstances",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestTag/env": "prod" } },
      },
      allow("ec2:CreateTags", "*"),
    );
    const refused = await (await guarded((c) => new EC2Client(c), tagOnly)).send(
      new RunInstancesCommand(tagged),
    );
    expect(refused.sent).toBe(false);
    const image = refused.decision?.requests.find((r) => r.resource.includes(":image/"));
    expect(image?.allow).toBe(false);
    expect(refused.decision?.requests.find((r) => r.resource.includes(":instance/"))?.allow).toBe(
      true,
    );
    // The EC2 User Guide's form: the tag condition scoped to instances, the rest allowed.
    const scoped = doc(
      {
        Effect: "Allow",
        Action: "ec2:RunInstances",
        Resource: "arn:aws:ec2:*:*:instance/*",
        Condition: { StringEquals: { "aws:RequestTag/env": "prod" } },
      },
      allow("ec2:RunInstances", "arn:aws:ec2:*::image/*"),
      allow("ec2:RunInstances", "arn:aws:ec2:*:*:network-interface/*"),
      allow("ec2:RunInstances", "arn:aws:ec2:*:*:security-group/*"),
      allow("ec2:RunInstances", "arn:aws:ec2:*:*:subnet/*"),
      allow("ec2:RunInstances", "arn:aws:ec2:*:*:volume/*"),
      allow("ec2:CreateTags", "*"),
    );
    const sent = await (
      await guarded((c) => new EC2Client(c), scoped, {
        headers: { "content-type": "text/xml" },
        body: "<RunInstancesResponse></RunInstancesResponse>",
      })
    ).send(new RunInstancesCommand(tagged));
    expect(sent.decision?.reason).toBeUndefined();
    expect(sent.sent).toBe(true);
  });

  test("a Deny on kms:GrantOperations refuses CreateGrant, which names them in Operations", async () => {
    const kms = await guarded(
      (config) => new KMSClient(config),
      doc(allow("kms:CreateGrant", "*"), {
        Effect: "Deny",
        Action: "kms:CreateGrant",
        Resource: "*",
        Condition: { "ForAnyValue:StringEquals": { "kms:GrantOperations": "Decrypt" } },
      }),
      json11,
    );
    const sent = await kms.send(
      new CreateGrantCommand({
        KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
        GranteePrincipal: "arn:aws:iam::999999999999:root",
        Operations: ["Decrypt"],
      }),
    );
    expect(sent.sent).toBe(false);
  });

  test("a header the call does not send is absent: PutObject without ACL passes a Deny on public-read", async () => {
    const s3 = await guarded(s3Client, aclDeny, { headers: { etag: '"1"' } });
    const sent = await s3.send(
      new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: "{}" }),
    );
    expect(sent.sent).toBe(true);
  });

  test("IAM's fine-grained DynamoDB example allows GetItem with a projection (no Select parameter, no key)", async () => {
    const dynamodb = await guarded(
      (config) => new DynamoDBClient(config),
      doc({
        Effect: "Allow",
        Action: "dynamodb:GetItem",
        Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`,
        Condition: {
          "ForAllValues:StringEquals": { "dynamodb:Attributes": ["id", "total"] },
          StringEqualsIfExists: { "dynamodb:Select": "SPECIFIC_ATTRIBUTES" },
        },
      }),
      json10,
    );
    const sent = await dynamodb.send(
      new GetItemCommand({
        TableName: "orders",
        Key: { id: { S: "1" } },
        ProjectionExpression: "id, total",
      }),
    );
    expect(sent.sent).toBe(true);
  });
});
