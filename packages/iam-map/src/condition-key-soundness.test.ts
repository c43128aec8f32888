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
  it("EC2 RunInstances: the instance's ec2:InstanceType, listed on its resource type", async () => {
    const r = await mapWithSchema("@aws-sdk/client-ec2", "EC2", "RunInstances", {
      ImageId: "ami-12345678",
      InstanceType: "p5.48xlarge",
      MinCount: 1,
      MaxCount: 1,
    });
    expect(r.known).toBe(true);
    for (const request of r.requests.filter((q) => q.action === "ec2:RunInstances")) {
      expect(unknownOf(request)).toContain("ec2:InstanceType");
      expect(unknownOf(request)).toContain("ec2:AssociatePublicIpAddress");
    }
  });

  it("Lambda CreateFunction: lambda:Layer and lambda:SubnetIds, read from other members", async () => {
    const r = await mapWithSchema("@aws-sdk/client-lambda", "Lambda", "CreateFunction", {
      FunctionName: "f",
      Role: "arn:aws:iam::123456789012:role/r",
      Layers: ["arn:aws:lambda:us-east-1:999999999999:layer:evil:1"],
      VpcConfig: { SubnetIds: ["subnet-1"] },
    });
    const create = r.requests.find((q) => q.action === "lambda:CreateFunction");
    expect(unknownOf(create)).toEqual(
      expect.arrayContaining(["lambda:Layer", "lambda:SubnetIds", "lambda:VpcIds"]),
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
