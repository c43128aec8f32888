import { describe, expect, it } from "vitest";
import { map } from "./test-utils/map.js";

describe("global condition keys", () => {
  it("are on every request, from the call and the principal", async () => {
    const r = await map(
      "S3Client",
      "DeleteObjectsCommand",
      { Bucket: "b", Delete: { Objects: [{ Key: "a" }, { Key: "b" }] } },
      {
        principal: {
          arn: "arn:aws:sts::123456789012:assumed-role/app/i-123",
          userId: "AROAEXAMPLE:i-123",
          tags: { team: "data" },
          credentialSource: "imds",
          mfa: false,
        },
      },
    );
    expect(r.requests).toHaveLength(2);
    for (const request of r.requests) {
      expect(request.context).toMatchObject({
        "aws:RequestedRegion": "us-east-1",
        "aws:CurrentTime": "2024-05-01T12:00:00Z",
        "aws:EpochTime": 1714564800,
        "aws:SecureTransport": true,
        "aws:PrincipalArn": "arn:aws:sts::123456789012:assumed-role/app/i-123",
        "aws:PrincipalAccount": "123456789012",
        "aws:PrincipalType": "AssumedRole",
        "aws:userid": "AROAEXAMPLE:i-123",
        "aws:PrincipalTag/team": "data",
        "keycard:CredentialSource": "imds",
        "keycard:MultiFactorAuthPresent": false,
      });
    }
  });

  it("aws:username for IAM users; keycard keys only when given", async () => {
    const r = await map(
      "SQSClient",
      "ListQueuesCommand",
      {},
      {
        principal: { arn: "arn:aws:iam::123456789012:user/alice", username: "alice" },
        secureTransport: false,
      },
    );
    const context = r.requests[0]?.context ?? {};
    expect(context).toMatchObject({
      "aws:username": "alice",
      "aws:PrincipalType": "User",
      "aws:SecureTransport": false,
    });
    expect(context).not.toHaveProperty("keycard:CredentialSource");
    expect(context).not.toHaveProperty("keycard:MultiFactorAuthPresent");
  });
});
