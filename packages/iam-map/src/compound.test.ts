import { describe, expect, it } from "vitest";
import { map, pairs } from "./test-utils/map.js";
import { inputMembersOf } from "./test-utils/sdk-members.js";

describe("tag-on-create", () => {
  it("EC2 RunInstances with TagSpecifications also needs ec2:CreateTags on the new instance (EC2 User Guide, 'Grant permission to tag Amazon EC2 resources during creation')", async () => {
    const r = await map("EC2Client", "RunInstancesCommand", {
      ImageId: "ami-1",
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "team", Value: "a" }] }],
    });
    const tag = r.requests.find((q) => q.action === "ec2:CreateTags");
    expect(tag).toMatchObject({
      resource: "arn:aws:ec2:us-east-1:123456789012:instance/*",
      resourceParts: [
        "arn:aws:ec2:us-east-1:123456789012:instance/",
        { unknown: "id EC2 assigns to the new instance" },
      ],
      context: {
        "ec2:CreateAction": "RunInstances",
        "aws:RequestTag/team": "a",
        "aws:TagKeys": ["team"],
      },
    });
  });

  it("EC2 CreateImage tagging the new image: ec2:CreateTags on an image ARN, which has no account", async () => {
    const r = await map("EC2Client", "CreateImageCommand", {
      InstanceId: "i-1",
      Name: "n",
      TagSpecifications: [{ ResourceType: "image", Tags: [{ Key: "env", Value: "prod" }] }],
    });
    const tag = r.requests.find((q) => q.action === "ec2:CreateTags");
    expect(tag?.resource).toBe("arn:aws:ec2:us-east-1::image/*");
    expect(tag?.context?.["aws:RequestTag/env"]).toBe("prod");
  });

  it("RDS CreateDBInstance with Tags also needs rds:AddTagsToResource (RDS User Guide, 'Granting permission to tag Amazon RDS resources during creation')", async () => {
    const r = await map("RDSClient", "CreateDBInstanceCommand", {
      DBInstanceIdentifier: "db1",
      DBInstanceClass: "db.t3.micro",
      Engine: "mysql",
      Tags: [{ Key: "team", Value: "a" }],
    });
    expect(pairs(r.requests)).toEqual([
      ["rds:CreateDBInstance", "arn:aws:rds:us-east-1:123456789012:db:db1"],
      ["rds:AddTagsToResource", "arn:aws:rds:us-east-1:123456789012:db:db1"],
    ]);
    expect(r.requests[1]?.context?.["aws:TagKeys"]).toEqual(["team"]);
  });

  it("no tags, no tagging check", async () => {
    const r = await map("EC2Client", "CreateVolumeCommand", { AvailabilityZone: "us-east-1a" });
    expect(r.requests.some((q) => q.action === "ec2:CreateTags")).toBe(false);
  });
});

describe("permission-free and compound operations", () => {
  it("sts:GetSessionToken needs no permission (IAM User Guide, 'Permissions for GetSessionToken')", async () => {
    const r = await map("STSClient", "GetSessionTokenCommand", {});
    expect(r).toMatchObject({ known: true, requests: [] });
    expect(r.reason).toContain("always allows");
  });

  it("sts:GetCallerIdentity is always allowed, and the result says so (STS API reference, GetCallerIdentity)", async () => {
    const r = await map("STSClient", "GetCallerIdentityCommand", {});
    expect(r).toMatchObject({ known: true, requests: [] });
    expect(r.reason).toContain("always allows");
  });

  it("sts:AssumeRole with session tags or a source identity also needs sts:TagSession and sts:SetSourceIdentity on the role (IAM User Guide, 'Passing session tags in AWS STS')", async () => {
    const role = "arn:aws:iam::123456789012:role/app";
    const r = await map("STSClient", "AssumeRoleCommand", {
      RoleArn: role,
      RoleSessionName: "s",
      Tags: [{ Key: "team", Value: "a" }],
      SourceIdentity: "me",
      ProvidedContexts: [
        { ProviderArn: "arn:aws:iam::aws:contextProvider/IdentityCenter", ContextAssertion: "x" },
      ],
    });
    expect(pairs(r.requests)).toEqual([
      ["sts:AssumeRole", role],
      ["sts:TagSession", role],
      ["sts:SetSourceIdentity", role],
      ["sts:SetContext", role],
    ]);
    expect(r.requests[1]?.context?.["aws:RequestTag/team"]).toBe("a");
    const plain = await map("STSClient", "AssumeRoleCommand", {
      RoleArn: role,
      RoleSessionName: "s",
    });
    expect(pairs(plain.requests)).toEqual([["sts:AssumeRole", role]]);
  });

  it("kms:ReplicateKey also needs kms:CreateKey in the replica Region (KMS API reference, ReplicateKey)", async () => {
    const r = await map("KMSClient", "ReplicateKeyCommand", {
      KeyId: "mrk-1",
      ReplicaRegion: "eu-west-1",
    });
    expect(pairs(r.requests)).toEqual([
      ["kms:ReplicateKey", "arn:aws:kms:us-east-1:123456789012:key/mrk-1"],
      ["kms:CreateKey", "*"],
    ]);
    expect(r.requests[1]?.context?.["aws:RequestedRegion"]).toBe("eu-west-1");
  });

  it("Route 53 CreateHostedZone with a VPC also needs ec2:DescribeVpcs (Route 53 API reference, CreateHostedZone)", async () => {
    const r = await map("Route53Client", "CreateHostedZoneCommand", {
      Name: "example.com",
      CallerReference: "c",
      VPC: { VPCId: "vpc-1", VPCRegion: "us-east-1" },
    });
    expect(pairs(r.requests)).toContainEqual(["ec2:DescribeVpcs", "*"]);
    const publicZone = await map("Route53Client", "CreateHostedZoneCommand", {
      Name: "example.com",
      CallerReference: "c",
    });
    expect(pairs(publicZone.requests)).not.toContainEqual(["ec2:DescribeVpcs", "*"]);
  });
});

describe("condition keys the input carries", () => {
  it("dynamodb:LeadingKeys is the partition key value; dynamodb:Attributes the projection (DynamoDB Developer Guide, 'Using IAM policy conditions for fine-grained access control')", async () => {
    const r = await map(
      "DynamoDBClient",
      "GetItemCommand",
      {
        TableName: "t",
        Key: { pk: { S: "user-1" } },
        ProjectionExpression: "a, #b.c",
        ExpressionAttributeNames: { "#b": "bee" },
      },
      { inputMembers: inputMembersOf("@aws-sdk/client-dynamodb", "GetItem") },
    );
    expect(r.requests[0]?.context).toMatchObject({
      "dynamodb:LeadingKeys": ["user-1"],
      "dynamodb:Attributes": ["a", "bee"],
    });
    expect(r.requests[0]?.unknownContext).toBeUndefined();
  });

  it("a two-attribute key's partition key is in the table schema: LeadingKeys goes to unknownContext", async () => {
    const r = await map(
      "DynamoDBClient",
      "PutItemCommand",
      { TableName: "t", Item: { pk: { S: "u" }, sk: { S: "x" } } },
      { inputMembers: inputMembersOf("@aws-sdk/client-dynamodb", "PutItem") },
    );
    expect(r.requests[0]?.context?.["dynamodb:Attributes"]).toEqual(["pk", "sk"]);
    expect(r.requests[0]?.unknownContext).toEqual(["dynamodb:LeadingKeys"]);
    const q = await map("DynamoDBClient", "QueryCommand", { TableName: "t" });
    expect(q.requests[0]?.unknownContext).toEqual(
      expect.arrayContaining(["dynamodb:LeadingKeys", "dynamodb:Attributes"]),
    );
  });

  it("lambda:FunctionUrlAuthType from AuthType (Lambda Developer Guide, 'Control access to function URLs')", async () => {
    const r = await map("LambdaClient", "CreateFunctionUrlConfigCommand", {
      FunctionName: "f",
      AuthType: "NONE",
    });
    expect(r.requests[0]?.context?.["lambda:FunctionUrlAuthType"]).toBe("NONE");
  });

  it("s3:x-amz-server-side-encryption-aws-kms-key-id from SSEKMSKeyId (Amazon S3 User Guide, 'Specifying server-side encryption with AWS KMS')", async () => {
    const r = await map("S3Client", "PutObjectCommand", {
      Bucket: "b",
      Key: "k",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "arn:aws:kms:us-east-1:123456789012:key/k1",
    });
    expect(r.requests[0]?.context?.["s3:x-amz-server-side-encryption-aws-kms-key-id"]).toBe(
      "arn:aws:kms:us-east-1:123456789012:key/k1",
    );
  });

  it("a member AWS turns into a condition key but the mapping cannot read goes to unknownContext", async () => {
    // dynamodb:ReturnValues is a string member; given as an object it cannot be compared.
    const r = await map("DynamoDBClient", "PutItemCommand", {
      TableName: "t",
      Item: { pk: { S: "u" } },
      ReturnValues: { odd: true },
    });
    expect(r.requests[0]?.unknownContext).toContain("dynamodb:ReturnValues");
  });
});
