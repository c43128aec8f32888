import { describe, expect, it } from "vitest";
import { map } from "./test-utils/map.js";
import { inputMembersOf } from "./test-utils/sdk-members.js";
import type { AuthorizationRequest } from "./types.js";

/*
 * A service condition key AWS has for a call but keycard did not compute must be unknown, never
 * absent: read as absent, a Deny keyed on it would not apply although AWS's would.
 */

/** Maps a call as the middleware does, with the operation's members from the SDK's schema. */
async function mapWithSchema(client: string, service: string, op: string, input: object) {
  return map(service, op, input, { inputMembers: inputMembersOf(client, op) });
}

function unknownOf(request: AuthorizationRequest | undefined): readonly string[] {
  return request?.unknownContext ?? [];
}

describe("service keys no rule computes are unknown", () => {
  it("EC2 RunInstances: each resource type's keys go on its own request only", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ImageId: "ami-12345678",
      InstanceType: "p5.48xlarge",
      MinCount: 1,
      MaxCount: 1,
    });
    expect(r.known).toBe(true);
    const of = (type: string) => r.requests.find((q) => q.resource.includes(`:${type}/`));
    // The instance's type is given: its request has it, as AWS's does.
    expect(of("instance")?.context?.["ec2:InstanceType"]).toBe("p5.48xlarge");
    // The image's request has no ec2:InstanceType at all (AWS checks the image without it), and
    // the image's own attributes, which only AWS knows, are unknown.
    expect(of("image")?.context?.["ec2:InstanceType"]).toBeUndefined();
    expect(unknownOf(of("image"))).not.toContain("ec2:InstanceType");
    expect(unknownOf(of("image"))).toEqual(expect.arrayContaining(["ec2:Owner", "ec2:Public"]));
    // Set inside NetworkInterfaces, which is not read: unknown on the interface's request.
    expect(unknownOf(of("network-interface"))).toContain("ec2:AssociatePublicIpAddress");
  });

  it("EC2 RunInstances without InstanceType: the default type AWS picks is unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ImageId: "ami-12345678",
      MinCount: 1,
      MaxCount: 1,
    });
    const instance = r.requests.find((q) => q.resource.includes(":instance/"));
    expect(unknownOf(instance)).toContain("ec2:InstanceType");
  });

  it("Lambda CreateFunction: lambda:Layer and the VPC keys come from Layers and VpcConfig", async () => {
    const layer = "arn:aws:lambda:us-east-1:999999999999:layer:evil:1";
    const r = await mapWithSchema("@aws-sdk/client-lambda", "Lambda", "CreateFunction", {
      FunctionName: "f",
      Role: "arn:aws:iam::123456789012:role/r",
      Layers: [layer],
      VpcConfig: { SubnetIds: ["subnet-1"] },
    });
    const create = r.requests.find((q) => q.action === "lambda:CreateFunction");
    expect(create?.context?.["lambda:Layer"]).toEqual([layer]);
    expect(create?.context?.["lambda:SubnetIds"]).toEqual(["subnet-1"]);
    // The VPC is the subnets', which AWS resolves; no security groups were given.
    expect(unknownOf(create)).toEqual(
      expect.arrayContaining(["lambda:VpcIds", "lambda:SecurityGroupIds"]),
    );
  });

  it("Lambda CreateFunction without layers or VPC has none of those keys; an update keeps the function's own", async () => {
    const input = { FunctionName: "f", Role: "arn:aws:iam::123456789012:role/r" };
    const create = await mapWithSchema("@aws-sdk/client-lambda", "Lambda", "CreateFunction", input);
    const createRequest = create.requests.find((q) => q.action === "lambda:CreateFunction");
    for (const key of ["lambda:Layer", "lambda:VpcIds", "lambda:SubnetIds"]) {
      expect(unknownOf(createRequest)).not.toContain(key);
      expect(createRequest?.context?.[key]).toBeUndefined();
    }
    const update = await mapWithSchema(
      "@aws-sdk/client-lambda",
      "Lambda",
      "UpdateFunctionConfiguration",
      { FunctionName: "f" },
    );
    expect(unknownOf(update.requests[0])).toEqual(
      expect.arrayContaining(["lambda:Layer", "lambda:VpcIds"]),
    );
  });

  it("KMS CreateGrant: kms:GrantOperations, kms:CallerAccount and the constraint's context", async () => {
    const r = await mapWithSchema("@aws-sdk/client-kms", "KMS", "CreateGrant", {
      KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      GranteePrincipal: "arn:aws:iam::999999999999:root",
      Operations: ["Decrypt"],
      Constraints: { EncryptionContextEquals: { team: "a" } },
    });
    expect(unknownOf(r.requests[0])).toEqual(
      expect.arrayContaining([
        "kms:GrantOperations",
        "kms:CallerAccount",
        "kms:EncryptionContext:*",
      ]),
    );
  });

  it("EC2 ModifyInstanceAttribute: the ec2:Attribute/${AttributeName} family, as a prefix", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "ModifyInstanceAttribute", {
      InstanceId: "i-0123456789abcdef0",
      InstanceType: { Value: "p5.48xlarge" },
    });
    expect(unknownOf(r.requests[0])).toContain("ec2:Attribute/*");
  });

  it("S3 PutObject: s3:ResourceAccount and s3:TlsVersion, which only AWS sees", async () => {
    const r = await mapWithSchema("@aws-sdk/client-s3", "S3", "PutObject", {
      Bucket: "b",
      Key: "k",
      Body: "x",
    });
    expect(unknownOf(r.requests[0])).toEqual(
      expect.arrayContaining(["s3:ResourceAccount", "s3:TlsVersion"]),
    );
  });

  it("S3 PutObjectRetention: the retain-until date travels in the body, unread", async () => {
    const r = await mapWithSchema("@aws-sdk/client-s3", "S3", "PutObjectRetention", {
      Bucket: "b",
      Key: "k",
      Retention: { Mode: "GOVERNANCE", RetainUntilDate: new Date("2030-01-01T00:00:00Z") },
    });
    expect(r.requests[0]?.context?.["s3:object-lock-mode"]).toBe("GOVERNANCE");
    expect(unknownOf(r.requests[0])).toContain("s3:object-lock-retain-until-date");
  });

  it("without the operation's members, a key named after a member the call leaves out is unknown", async () => {
    const input = { Bucket: "b" };
    const bare = await map("S3", "ListObjectsV2", input);
    expect(unknownOf(bare.requests[0])).toContain("s3:prefix");
    const withSchema = await mapWithSchema("@aws-sdk/client-s3", "S3", "ListObjectsV2", input);
    expect(unknownOf(withSchema.requests[0])).not.toContain("s3:prefix");
  });

  it("EventBridge PutEvents: events:source is per entry, not a member of the call", async () => {
    const r = await mapWithSchema("@aws-sdk/client-eventbridge", "EventBridge", "PutEvents", {
      Entries: [{ Source: "aws.ec2", DetailType: "x", Detail: "{}" }],
    });
    expect(unknownOf(r.requests[0])).toEqual(
      expect.arrayContaining(["events:source", "events:detail-type"]),
    );
  });
});

describe("values AWS gives in another form than the input", () => {
  it("ECS: ecs:cluster and ecs:task-definition are ARNs; the default cluster when none is named", async () => {
    const named = await mapWithSchema("@aws-sdk/client-ecs", "ECS", "RunTask", {
      cluster: "prod",
      taskDefinition: "web:3",
    });
    const run = named.requests.find((q) => q.action === "ecs:RunTask");
    expect(run?.context?.["ecs:cluster"]).toBe("arn:aws:ecs:us-east-1:123456789012:cluster/prod");
    const bare = await mapWithSchema("@aws-sdk/client-ecs", "ECS", "RunTask", {
      taskDefinition: "web",
    });
    const bareRun = bare.requests.find((q) => q.action === "ecs:RunTask");
    expect(bareRun?.context?.["ecs:cluster"]).toBe(
      "arn:aws:ecs:us-east-1:123456789012:cluster/default",
    );
    const service = await mapWithSchema("@aws-sdk/client-ecs", "ECS", "CreateService", {
      cluster: "prod",
      serviceName: "api",
      taskDefinition: "web:3",
    });
    const create = service.requests.find((q) => q.action === "ecs:CreateService");
    expect(create?.context?.["ecs:task-definition"]).toBe(
      "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
    );
    // A family alone is its latest ACTIVE revision, which only ECS knows.
    const latest = await mapWithSchema("@aws-sdk/client-ecs", "ECS", "CreateService", {
      cluster: "prod",
      serviceName: "api",
      taskDefinition: "web",
    });
    const latestCreate = latest.requests.find((q) => q.action === "ecs:CreateService");
    expect(latestCreate?.context?.["ecs:task-definition"]).toBeUndefined();
    expect(unknownOf(latestCreate)).toContain("ecs:task-definition");
    const byArn = await mapWithSchema("@aws-sdk/client-ecs", "ECS", "CreateService", {
      cluster: "prod",
      serviceName: "api",
      taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web",
    });
    const byArnCreate = byArn.requests.find((q) => q.action === "ecs:CreateService");
    expect(unknownOf(byArnCreate)).toContain("ecs:task-definition");
  });

  it("KMS: kms:CallerAccount is the caller's account when it is known, and unknown otherwise", async () => {
    const input = { KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab", Plaintext: new Uint8Array([1]) };
    const known = await map("KMS", "Encrypt", input, {
      principal: { arn: "arn:aws:iam::123456789012:role/app", accountId: "123456789012" },
      inputMembers: inputMembersOf("@aws-sdk/client-kms", "Encrypt"),
    });
    expect(known.requests[0]?.context?.["kms:CallerAccount"]).toBe("123456789012");
    const unknown = await mapWithSchema("@aws-sdk/client-kms", "KMS", "Encrypt", input);
    expect(unknownOf(unknown.requests[0])).toContain("kms:CallerAccount");
  });

  it("KMS parameters AWS fills with a default when left out are unknown (kms:EncryptionAlgorithm)", async () => {
    const r = await mapWithSchema("@aws-sdk/client-kms", "KMS", "Encrypt", {
      KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      Plaintext: new Uint8Array([1]),
    });
    expect(unknownOf(r.requests[0])).toContain("kms:EncryptionAlgorithm");
  });

  it("DynamoDB PartiQL: the partition key and attributes are not read from the statement, so unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-dynamodb", "DynamoDB", "ExecuteStatement", {
      Statement: `SELECT * FROM "orders" WHERE pk='bob'`,
    });
    expect(unknownOf(r.requests[0])).toEqual(
      expect.arrayContaining(["dynamodb:LeadingKeys", "dynamodb:Attributes"]),
    );
  });

  it("S3 Express CreateSession without SessionMode: the mode AWS picks is unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-s3", "S3", "CreateSession", {
      Bucket: "orders--use1-az4--x-s3",
    });
    const session = r.requests.find((q) => q.action === "s3express:CreateSession");
    expect(unknownOf(session)).toContain("s3express:SessionMode");
  });
});

describe("keys of a resource type", () => {
  it("ECS CreateService: the rule's cluster ARN, not the member's name, on the service's request", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ecs", "ECS", "CreateService", {
      cluster: "prod",
      serviceName: "api",
      taskDefinition: "web:3",
    });
    const create = r.requests.filter((q) => q.action === "ecs:CreateService");
    expect(create.length).toBeGreaterThan(0);
    for (const request of create) {
      if (request.context?.["ecs:cluster"] !== undefined)
        expect(request.context["ecs:cluster"]).toBe(
          "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
        );
      expect(request.context?.["ecs:cluster"]).not.toBe("prod");
    }
    expect(create.some((q) => q.context?.["ecs:cluster"] !== undefined)).toBe(true);
  });

  it("EC2 CreateVolume: Encrypted describes the new volume, not the snapshot it starts from", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "CreateVolume", {
      SnapshotId: "snap-0123456789abcdef0",
      Encrypted: true,
      AvailabilityZone: "us-east-1a",
    });
    const snapshot = r.requests.find((q) => q.resource.includes(":snapshot/"));
    const volume = r.requests.find((q) => q.resource.includes(":volume/"));
    expect(snapshot?.context?.["ec2:Encrypted"]).toBeUndefined();
    expect(unknownOf(snapshot)).toContain("ec2:Encrypted");
    expect(volume?.context?.["ec2:Encrypted"]).toBe(true);
  });

  it("EC2 ModifyVolume: the volume's current type is AWS's, not the one the call asks for", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "ModifyVolume", {
      VolumeId: "vol-0123456789abcdef0",
      VolumeType: "gp3",
    });
    expect(r.requests[0]?.context?.["ec2:VolumeType"]).toBeUndefined();
    expect(unknownOf(r.requests[0])).toContain("ec2:VolumeType");
  });

  it("EC2: ec2:Region is the call's region", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "DescribeInstances", {});
    expect(r.requests[0]?.context?.["ec2:Region"]).toBe("us-east-1");
  });
});

describe("tags below the top level", () => {
  it("CloudFront CreateDistributionWithTags: both requests carry the tags", async () => {
    const r = await map("CloudFront", "CreateDistributionWithTags", {
      DistributionConfigWithTags: {
        DistributionConfig: { CallerReference: "c", Comment: "", Enabled: true },
        Tags: { Items: [{ Key: "forbidden", Value: "yes" }] },
      },
    });
    for (const action of ["cloudfront:CreateDistribution", "cloudfront:TagResource"]) {
      const request = r.requests.find((q) => q.action === action);
      expect(request?.context?.["aws:TagKeys"]).toEqual(["forbidden"]);
      expect(request?.context?.["aws:RequestTag/forbidden"]).toBe("yes");
    }
  });

  it("CloudFront TagResource reads Tags.Items", async () => {
    const r = await map("CloudFront", "TagResource", {
      Resource: "arn:aws:cloudfront::123456789012:distribution/E1",
      Tags: { Items: [{ Key: "team", Value: "web" }] },
    });
    expect(r.known).toBe(true);
    expect(r.requests[0]?.context?.["aws:TagKeys"]).toEqual(["team"]);
  });
});

describe("S3 keys on the other S3 services' requests", () => {
  it("an object's tags reach the Outposts request as s3-outposts:RequestObjectTag/<key>", async () => {
    const r = await mapWithSchema("@aws-sdk/client-s3", "S3", "PutObject", {
      Bucket:
        "arn:aws:s3-outposts:us-east-1:123456789012:outpost/op-01234567890123456/accesspoint/ap",
      Key: "k",
      Body: "x",
      Tagging: "classification=public",
    });
    const outposts = r.requests.filter((q) => q.action === "s3-outposts:PutObject");
    expect(outposts.length).toBeGreaterThan(0);
    for (const request of outposts) {
      expect(request.context?.["s3-outposts:RequestObjectTag/classification"]).toBe("public");
      expect(unknownOf(request)).not.toContain("s3-outposts:RequestObjectTag/*");
    }
  });

  it("WriteGetObjectResponse: s3-object-lambda:authType is not computed there, so unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-s3", "S3", "WriteGetObjectResponse", {
      RequestRoute: "route",
      RequestToken: "token",
    });
    const write = r.requests.find((q) => q.action === "s3-object-lambda:WriteGetObjectResponse");
    expect(write?.context?.["s3-object-lambda:authType"]).toBeUndefined();
    expect(unknownOf(write)).toContain("s3-object-lambda:authType");
  });
});

describe("keys a rule decides stay absent when the call does not send them", () => {
  it("S3 PutObject without ACL, grants or tags: no header key is unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-s3", "S3", "PutObject", {
      Bucket: "b",
      Key: "k",
      Body: "x",
    });
    const unknown = unknownOf(r.requests[0]);
    for (const key of [
      "s3:x-amz-acl",
      "s3:x-amz-grant-read",
      "s3:x-amz-server-side-encryption",
      "s3:RequestObjectTag/*",
      "s3:RequestObjectTagKeys",
      "s3:x-amz-copy-source",
    ])
      expect(unknown).not.toContain(key);
  });

  it("KMS Encrypt without an encryption context: the family is absent, not unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-kms", "KMS", "Encrypt", {
      KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      Plaintext: new Uint8Array([1]),
    });
    expect(unknownOf(r.requests[0])).not.toContain("kms:EncryptionContext:*");
    expect(unknownOf(r.requests[0])).not.toContain("kms:RequestAlias");
  });

  it("S3 ListObjectsV2 without Prefix: s3:prefix is absent where the operation defines Prefix", async () => {
    const r = await mapWithSchema("@aws-sdk/client-s3", "S3", "ListObjectsV2", { Bucket: "b" });
    expect(unknownOf(r.requests[0])).not.toContain("s3:prefix");
    expect(r.requests[0]?.context?.["s3:prefix"]).toBeUndefined();
  });

  it("DynamoDB GetItem outside a transaction: no EnclosingOperation, and no Select (IAM's own example relies on it)", async () => {
    const r = await mapWithSchema("@aws-sdk/client-dynamodb", "DynamoDB", "GetItem", {
      TableName: "t",
      Key: { pk: { S: "u" } },
    });
    expect(unknownOf(r.requests[0])).not.toContain("dynamodb:EnclosingOperation");
    expect(unknownOf(r.requests[0])).not.toContain("dynamodb:Select");
  });
});

describe("inputMembers", () => {
  it("anything but a list of names makes the call unknown, saying so", async () => {
    for (const inputMembers of [[1, "Prefix"], "Prefix", { Prefix: true }]) {
      const r = await map(
        "S3",
        "ListObjectsV2",
        { Bucket: "b" },
        {
          inputMembers: inputMembers as unknown as string[],
        },
      );
      expect(r.known).toBe(false);
      expect(r.reason).toContain("inputMembers");
    }
  });
});

describe("requests a call only may need, and fallbacks", () => {
  it("S3 CopyObject: the tagging requests it may need carry s3:authType like its own", async () => {
    const r = await mapWithSchema("@aws-sdk/client-s3", "S3", "CopyObject", {
      Bucket: "b",
      Key: "k",
      CopySource: "src/k",
    });
    expect(r.alsoMayNeed.length).toBeGreaterThan(0);
    for (const request of r.alsoMayNeed.filter((q) => q.action.startsWith("s3:")))
      expect(request.context?.["s3:authType"]).toBe("REST-HEADER");
  });

  it("DynamoDB TransactWriteItems without items: the fallback request has its EnclosingOperation", async () => {
    const r = await mapWithSchema("@aws-sdk/client-dynamodb", "DynamoDB", "TransactWriteItems", {});
    expect(r.requests[0]?.context?.["dynamodb:EnclosingOperation"]).toBe("TransactWriteItems");
  });

  it("S3 DeleteObjects with a per-object ETag: s3:if-match is unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-s3", "S3", "DeleteObjects", {
      Bucket: "b",
      Delete: { Objects: [{ Key: "k", ETag: '"abc"' }] },
    });
    const del = r.requests.find((q) => q.action === "s3:DeleteObject");
    expect(unknownOf(del)).toContain("s3:if-match");
  });
});

/*
 * `aws:RequestTag/*` and `aws:TagKeys` are global keys, but the IAM reference lists them for some
 * actions only on some resource types. AWS has them only on the requests for those types: an
 * Allow on `ec2:RunInstances` conditioned on a request tag fails on the image (the EC2 User
 * Guide's tag-on-create example scopes such a condition to instances and volumes for this
 * reason). Tags on a request whose type does not list them would let such an Allow hold.
 */
describe("request tags go only where AWS lists them", () => {
  const tagged = {
    ImageId: "ami-12345678",
    InstanceType: "t3.micro",
    MinCount: 1,
    MaxCount: 1,
    TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "env", Value: "prod" }] }],
  };

  it("EC2 RunInstances: the instance's request has the tags, the image's and subnet's do not", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ...tagged,
      SubnetId: "subnet-1",
    });
    const of = (type: string) =>
      r.requests.find((q) => q.action === "ec2:RunInstances" && q.resource.includes(`:${type}/`));
    expect(of("instance")?.context).toMatchObject({
      "aws:RequestTag/env": "prod",
      "aws:TagKeys": ["env"],
    });
    for (const type of ["image", "subnet", "security-group"]) {
      const request = of(type);
      expect(request, type).toBeDefined();
      expect(request?.context?.["aws:RequestTag/env"], type).toBeUndefined();
      expect(request?.context?.["aws:TagKeys"], type).toBeUndefined();
      // Absent, as AWS has them: not unknown.
      expect(unknownOf(request), type).not.toContain("aws:TagKeys");
    }
  });

  it("EC2 CreateVolume from a snapshot: the snapshot's request has no request tags", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "CreateVolume", {
      AvailabilityZone: "us-east-1a",
      SnapshotId: "snap-1",
      TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "env", Value: "prod" }] }],
    });
    const snapshot = r.requests.find(
      (q) => q.action === "ec2:CreateVolume" && q.resource.includes(":snapshot/"),
    );
    const volume = r.requests.find(
      (q) => q.action === "ec2:CreateVolume" && q.resource.includes(":volume/"),
    );
    expect(snapshot?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(volume?.context?.["aws:RequestTag/env"]).toBe("prod");
  });

  it("EC2 tag-on-create: the ec2:CreateTags request for the new instance has the tags", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", tagged);
    const createTags = r.requests.find((q) => q.action === "ec2:CreateTags");
    expect(createTags?.context?.["aws:RequestTag/env"]).toBe("prod");
    expect(unknownOf(createTags)).not.toContain("aws:TagKeys");
  });

  it("EC2 tag-on-create without a ResourceType: the tags of ec2:CreateTags are unknown", async () => {
    // Which resource the specification is for is not known, and EC2 tags each with its own.
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ...tagged,
      TagSpecifications: [{ Tags: [{ Key: "env", Value: "prod" }] }],
    });
    const createTags = r.requests.find((q) => q.action === "ec2:CreateTags");
    expect(createTags?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(unknownOf(createTags)).toEqual(
      expect.arrayContaining(["aws:RequestTag/env", "aws:TagKeys"]),
    );
  });

  it("EC2 tags a resource with its own specification's tags: another type's are unknown, never merged", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ...tagged,
      TagSpecifications: [
        {
          ResourceType: "instance",
          Tags: [
            { Key: "env", Value: "prod" },
            { Key: "team", Value: "a" },
          ],
        },
        {
          ResourceType: "volume",
          Tags: [
            { Key: "env", Value: "dev" },
            { Key: "team", Value: "a" },
          ],
        },
      ],
    });
    const instance = r.requests.find(
      (q) => q.action === "ec2:RunInstances" && q.resource.includes(":instance/"),
    );
    // Same value in both specifications: known; different: unknown, never the last one given.
    expect(instance?.context?.["aws:RequestTag/team"]).toBe("a");
    expect(instance?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(unknownOf(instance)).toContain("aws:RequestTag/env");
    expect(instance?.context?.["aws:TagKeys"]).toEqual(["env", "team"]);
    const createInstanceTags = r.requests.find(
      (q) => q.action === "ec2:CreateTags" && q.resource.includes(":instance/"),
    );
    expect(createInstanceTags?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(unknownOf(createInstanceTags)).toContain("aws:RequestTag/env");
  });

  it("EC2: tags given only for the volume are unknown on the instance's request, not present", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ...tagged,
      TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "env", Value: "prod" }] }],
    });
    const instance = r.requests.find(
      (q) => q.action === "ec2:RunInstances" && q.resource.includes(":instance/"),
    );
    expect(instance?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(unknownOf(instance)).toEqual(
      expect.arrayContaining(["aws:RequestTag/env", "aws:TagKeys"]),
    );
  });

  it("EC2 AuthorizeSecurityGroupIngress: tags for the new rule, which has no request, stay unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "AuthorizeSecurityGroupIngress", {
      GroupId: "sg-1",
      IpPermissions: [
        { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
      ],
      TagSpecifications: [
        { ResourceType: "security-group-rule", Tags: [{ Key: "owner", Value: "m" }] },
      ],
    });
    const ingress = r.requests.filter((q) => q.action === "ec2:AuthorizeSecurityGroupIngress");
    expect(ingress.length).toBeGreaterThan(0);
    for (const request of ingress) {
      expect(request.context?.["aws:TagKeys"]).toBeUndefined();
      expect(unknownOf(request)).toEqual(
        expect.arrayContaining(["aws:RequestTag/owner", "aws:TagKeys"]),
      );
    }
  });

  it("outside EC2 the tags belong to the whole request: unknown on a type that does not list them", async () => {
    const r = await map("ElasticBeanstalk", "CreateApplicationVersion", {
      ApplicationName: "app",
      VersionLabel: "v1",
      Tags: [{ Key: "env", Value: "prod" }],
    });
    expect(r.known).toBe(true);
    const application = r.requests.find((q) => q.resource.includes(":application/"));
    expect(application).toBeDefined();
    expect(application?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(unknownOf(application)).toEqual(
      expect.arrayContaining(["aws:RequestTag/env", "aws:TagKeys"]),
    );
  });

  it("tags below the top level, which no rule reads, make every request tag unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RequestSpotFleet", {
      SpotFleetRequestConfig: {
        IamFleetRole: "arn:aws:iam::123456789012:role/fleet",
        TargetCapacity: 1,
        TagSpecifications: [
          { ResourceType: "spot-fleet-request", Tags: [{ Key: "owner", Value: "m" }] },
        ],
      },
    });
    const fleet = r.requests.find((q) => q.action === "ec2:RequestSpotFleet");
    expect(unknownOf(fleet)).toEqual(expect.arrayContaining(["aws:RequestTag/*", "aws:TagKeys"]));
  });

  it("an untagging call's TagKeys are aws:TagKeys", async () => {
    const r = await mapWithSchema("@aws-sdk/client-iam", "IAM", "UntagRole", {
      RoleName: "r",
      TagKeys: ["owner"],
    });
    expect(r.requests[0]?.context?.["aws:TagKeys"]).toEqual(["owner"]);
  });

  it("tags in a member of another name, which no rule reads, make every request tag unknown", async () => {
    const r = await map("CognitoIdentityProvider", "CreateUserPool", {
      PoolName: "p",
      UserPoolTags: { env: "prod" },
    });
    expect(unknownOf(r.requests[0])).toEqual(
      expect.arrayContaining(["aws:RequestTag/*", "aws:TagKeys"]),
    );
  });

  it("RDS Tags and TagSpecifications for another resource: a key they disagree on is unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-rds", "RDS", "CreateDBInstance", {
      DBInstanceIdentifier: "db1",
      DBInstanceClass: "db.t3.micro",
      Engine: "postgres",
      Tags: [{ Key: "env", Value: "prod" }],
      TagSpecifications: [{ ResourceType: "auto-backup", Tags: [{ Key: "env", Value: "dev" }] }],
    });
    for (const request of r.requests) {
      expect(request.context?.["aws:RequestTag/env"], request.action).toBeUndefined();
      expect(unknownOf(request), request.action).toContain("aws:RequestTag/env");
    }
  });

  it("EC2: keys that differ only in case between entries are unknown, not the instance's value", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ...tagged,
      TagSpecifications: [
        { ResourceType: "instance", Tags: [{ Key: "Env", Value: "prod" }] },
        { ResourceType: "volume", Tags: [{ Key: "env", Value: "dev" }] },
      ],
    });
    const instance = r.requests.find(
      (q) => q.action === "ec2:RunInstances" && q.resource.includes(":instance/"),
    );
    expect(instance?.context?.["aws:RequestTag/Env"]).toBeUndefined();
    expect(unknownOf(instance)).toContain("aws:RequestTag/Env");
  });

  it("a tag without a value has its key unknown; the keys stay known", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "DeleteTags", {
      Resources: ["i-1234567890abcdef0"],
      Tags: [{ Key: "env" }],
    });
    expect(r.requests[0]?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(unknownOf(r.requests[0])).toContain("aws:RequestTag/env");
    expect(r.requests[0]?.context?.["aws:TagKeys"]).toEqual(["env"]);
  });

  it("a text member whose name mentions tags is not a tag set (RunInstances InstanceMetadataTags)", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ...tagged,
      MetadataOptions: { InstanceMetadataTags: "enabled" },
    });
    const instance = r.requests.find(
      (q) => q.action === "ec2:RunInstances" && q.resource.includes(":instance/"),
    );
    expect(instance?.context?.["aws:RequestTag/env"]).toBe("prod");
    expect(unknownOf(instance)).not.toContain("aws:RequestTag/*");
  });

  it("RDS: rds:req-tag/* repeats the request tags; other keys of the family stay unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-rds", "RDS", "CreateDBInstance", {
      DBInstanceIdentifier: "db1",
      DBInstanceClass: "db.t3.micro",
      Engine: "postgres",
      Tags: [{ Key: "env", Value: "prod" }],
    });
    const create = r.requests.find((q) => q.action === "rds:CreateDBInstance");
    expect(create?.context?.["rds:req-tag/env"]).toBe("prod");
    expect(unknownOf(create)).toContain("rds:req-tag/*");
  });

  it("tag entries name their fields in any case (Personalize tagKey/tagValue)", async () => {
    const r = await map("Personalize", "CreateDatasetGroup", {
      name: "g",
      tags: [{ tagKey: "env", tagValue: "prod" }],
    });
    expect(r.requests[0]?.context?.["aws:RequestTag/env"]).toBe("prod");
  });

  it("a tag entry whose key cannot be told makes every request tag unknown", async () => {
    for (const entry of [
      { name: "env", Value: "prod" },
      { Key: "decoy", TagKey: "env" },
    ]) {
      const r = await map("Lambda", "CreateFunction", {
        FunctionName: "f",
        Role: "arn:aws:iam::123456789012:role/r",
        Tags: [entry],
      });
      const create = r.requests.find((q) => q.action === "lambda:CreateFunction");
      expect(create?.context?.["aws:TagKeys"], JSON.stringify(entry)).toBeUndefined();
      expect(unknownOf(create), JSON.stringify(entry)).toContain("aws:RequestTag/*");
    }
  });

  it("an untagging call's Keys are aws:TagKeys (DataSync)", async () => {
    const r = await map("DataSync", "UntagResource", {
      ResourceArn: "arn:aws:datasync:us-east-1:123456789012:task/task-1",
      Keys: ["owner"],
    });
    expect(r.requests[0]?.context?.["aws:TagKeys"]).toEqual(["owner"]);
  });

  it("keys that lower-case alike but may fold apart are unknown under each spelling", async () => {
    const r = await map("Lambda", "CreateFunction", {
      FunctionName: "f",
      Role: "arn:aws:iam::123456789012:role/r",
      Tags: { ας: "x", ΑΣ: "x" },
    });
    const create = r.requests.find((q) => q.action === "lambda:CreateFunction");
    expect(create?.context?.["aws:RequestTag/ας"]).toBeUndefined();
    expect(unknownOf(create)).toEqual(
      expect.arrayContaining(["aws:RequestTag/ας", "aws:RequestTag/ΑΣ"]),
    );
  });

  it("EC2 RunInstances from a launch template: its tags are unknown and CreateTags may be needed", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ...tagged,
      LaunchTemplate: { LaunchTemplateName: "lt", Version: "1" },
    });
    const instance = r.requests.find(
      (q) => q.action === "ec2:RunInstances" && q.resource.includes(":instance/"),
    );
    expect(instance?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(unknownOf(instance)).toEqual(
      expect.arrayContaining(["aws:RequestTag/*", "aws:TagKeys"]),
    );
    expect(r.alsoMayNeed.map((q) => q.action)).toContain("ec2:CreateTags");
  });

  it("CloudFront UntagResource: TagKeys.Items are aws:TagKeys", async () => {
    const r = await map("CloudFront", "UntagResource", {
      Resource: "arn:aws:cloudfront::123456789012:distribution/E1",
      TagKeys: { Items: ["protected"] },
    });
    expect(r.requests[0]?.context?.["aws:TagKeys"]).toEqual(["protected"]);
  });

  it("EC2 CreateFleet from launch templates: the tags are unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "CreateFleet", {
      Type: "instant",
      LaunchTemplateConfigs: [
        { LaunchTemplateSpecification: { LaunchTemplateId: "lt-0abc", Version: "1" } },
      ],
      TargetCapacitySpecification: { TotalTargetCapacity: 1 },
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "env", Value: "prod" }] }],
    });
    const fleet = r.requests.find(
      (q) => q.action === "ec2:CreateFleet" && q.resource.includes(":instance/"),
    );
    expect(fleet?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(unknownOf(fleet)).toEqual(expect.arrayContaining(["aws:RequestTag/*", "aws:TagKeys"]));
  });

  it("EC2 CreateLaunchTemplate: the template's own tags stay known", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "CreateLaunchTemplate", {
      LaunchTemplateName: "lt",
      LaunchTemplateData: { InstanceType: "t3.micro" },
      TagSpecifications: [
        { ResourceType: "launch-template", Tags: [{ Key: "env", Value: "prod" }] },
      ],
    });
    const create = r.requests.find((q) => q.action === "ec2:CreateLaunchTemplate");
    expect(create?.context?.["aws:RequestTag/env"]).toBe("prod");
  });

  it("a key that folds onto another (İd and id) is unknown under each spelling", async () => {
    const r = await mapWithSchema("@aws-sdk/client-rds", "RDS", "CreateDBInstance", {
      DBInstanceIdentifier: "db1",
      DBInstanceClass: "db.t3.micro",
      Engine: "postgres",
      Tags: [{ Key: "İd", Value: "ok" }],
      TagSpecifications: [
        {
          ResourceType: "auto-backup",
          Tags: [
            { Key: "İd", Value: "ok" },
            { Key: "id", Value: "bad" },
          ],
        },
      ],
    });
    const create = r.requests.find((q) => q.action === "rds:CreateDBInstance");
    expect(create?.context?.["aws:RequestTag/İd"]).toBeUndefined();
    expect(unknownOf(create)).toEqual(
      expect.arrayContaining(["aws:RequestTag/İd", "aws:RequestTag/id"]),
    );
  });

  it("more tags than one call can carry are all unknown, not compared key by key", async () => {
    const specs = Array.from({ length: 40 }, (_, s) => ({
      ResourceType: "instance",
      Tags: Array.from({ length: 60 }, (_, t) => ({ Key: `k${s}-${t}`, Value: "v" })),
    }));
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ...tagged,
      TagSpecifications: specs,
    });
    const instance = r.requests.find(
      (q) => q.action === "ec2:RunInstances" && q.resource.includes(":instance/"),
    );
    expect(unknownOf(instance)).toEqual(
      expect.arrayContaining(["aws:RequestTag/*", "aws:TagKeys"]),
    );
  });

  it("CloudFront CreateDistributionWithTags: an entry without a key makes the tags unknown", async () => {
    const r = await map("CloudFront", "CreateDistributionWithTags", {
      DistributionConfigWithTags: {
        DistributionConfig: { CallerReference: "r", Comment: "", Enabled: true },
        Tags: { Items: [{ Value: "prod" }] },
      },
    });
    const create = r.requests.find((q) => q.action === "cloudfront:CreateDistribution");
    expect(create?.context?.["aws:TagKeys"]).toBeUndefined();
    expect(unknownOf(create)).toEqual(expect.arrayContaining(["aws:RequestTag/*", "aws:TagKeys"]));
  });

  it("EC2 CopyImage with CopyImageTags: tags copied from the source image are unknown", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "CopyImage", {
      Name: "copy",
      SourceImageId: "ami-1",
      SourceRegion: "us-west-2",
      CopyImageTags: true,
    });
    const copy = r.requests.find((q) => q.action === "ec2:CopyImage");
    expect(unknownOf(copy)).toEqual(expect.arrayContaining(["aws:RequestTag/*", "aws:TagKeys"]));
  });

  it("ec2:CreateTags on the new instance: the instance's keys are unknown, never the call's members", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", tagged);
    const createTags = r.requests.find((q) => q.action === "ec2:CreateTags");
    // Which of the call's members describe the tagged resource is not known to keycard.
    expect(createTags?.context?.["ec2:InstanceType"]).toBeUndefined();
    expect(unknownOf(createTags)).toContain("ec2:InstanceType");
    // Keys only other types list are not AWS's for an instance.
    expect(unknownOf(createTags)).not.toContain("ec2:VolumeSize");
  });
});
