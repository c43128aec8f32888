import { describe, expect, it } from "vitest";
import { map } from "./test-utils/map.js";
import { finishResource, unknownPart } from "./unknown-part.js";

/*
 * Segments AWS resolves on the server are marked unknown in `resourceParts`, never written as a
 * literal `*` (which can be a real character in a name, and which a policy matcher would treat as
 * text). Each case names the AWS document that says the segment is not in the request.
 */
describe("unknown resource parts", () => {
  it("a KMS alias resolves to its key on the server (AWS KMS Developer Guide, 'Using aliases in IAM policies': kms:Encrypt is authorized on the key, not the alias)", async () => {
    const r = await map("KMSClient", "EncryptCommand", {
      KeyId: "alias/app",
      Plaintext: new Uint8Array(1),
    });
    expect(r.requests[0]).toMatchObject({
      action: "kms:Encrypt",
      resource: "arn:aws:kms:us-east-1:123456789012:key/*",
      resourceParts: [
        "arn:aws:kms:us-east-1:123456789012:key/",
        { unknown: "KMS key behind alias/app" },
      ],
    });
  });

  it("a secret's six random characters are only in its ARN (Secrets Manager User Guide, 'Permissions policy examples': the ARN ends in -??????)", async () => {
    const r = await map("SecretsManagerClient", "DescribeSecretCommand", { SecretId: "db" });
    expect(r.requests[0]?.resourceParts).toEqual([
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-",
      { unknown: "secret ARN suffix (6 random characters)", length: 6 },
    ]);
  });

  it("an unknown region or account is an unknown part, not `*` text (Service Authorization Reference: ARN formats carry a Region and an Account segment)", async () => {
    const r = await map(
      "SQSClient",
      "CreateQueueCommand",
      { QueueName: "q" },
      {
        region: undefined,
        accountId: undefined,
      },
    );
    expect(r.requests[0]).toMatchObject({
      resource: "arn:aws:sqs:*:*:q",
      resourceParts: ["arn:aws:sqs:", { unknown: "region" }, ":", { unknown: "account" }, ":q"],
    });
  });

  it("a member the call does not carry is an unknown part (Service Authorization Reference, Amazon EC2: security-group/SecurityGroupId)", async () => {
    const r = await map("EC2Client", "AuthorizeSecurityGroupIngressCommand", { GroupName: "" });
    for (const q of r.requests) {
      if (q.resource === "*") continue;
      expect(q.resourceParts, q.resource).toBeDefined();
    }
  });

  it("the KMS key behind S3 default encryption is unknown (Amazon S3 User Guide, 'Using SSE-KMS': the bucket's default key is applied by S3)", async () => {
    const r = await map("S3Client", "PutObjectCommand", { Bucket: "b", Key: "k" });
    const kms = r.alsoMayNeed.find((q) => q.action === "kms:GenerateDataKey");
    expect(kms?.resourceParts).toEqual([
      "arn:aws:kms:us-east-1:",
      { unknown: "key owner account" },
      ":key/",
      { unknown: "KMS key of the bucket's default encryption" },
    ]);
  });

  it("a literal `*` in a name stays text, with no resourceParts", async () => {
    const r = await map("SQSClient", "GetQueueAttributesCommand", {
      QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/a*b",
    });
    expect(r.requests[0]?.resource).toBe("arn:aws:sqs:us-east-1:123456789012:a*b");
    expect(r.requests[0]?.resourceParts).toBeUndefined();
  });
});

describe("finishResource", () => {
  it("merges adjacent unknown parts and shows one `*` for them", () => {
    expect(finishResource(`a${unknownPart("x")}${unknownPart("y")}b`)).toEqual({
      resource: "a*b",
      resourceParts: ["a", { unknown: "x, y" }, "b"],
    });
  });

  it("input text holding the marker becomes unknown rather than text (stricter, never looser)", () => {
    expect(finishResource("a\uE000b")).toEqual({
      resource: "a*",
      resourceParts: ["a", { unknown: "b" }],
    });
  });
});
