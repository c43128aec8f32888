import { describe, expect, it } from "vitest";
import { loadPolicy } from "./index.js";

describe("smoke", () => {
  it("allows and denies", async () => {
    const policy = await loadPolicy({
      iam: [{ name: "app", document: { Version: "2012-10-17", Statement: [
        { Sid: "Read", Effect: "Allow", Action: ["s3:Get*", "s3:ListBucket"], Resource: ["arn:aws:s3:::orders", "arn:aws:s3:::orders/*"] },
        { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::orders/secret/*" },
        { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::orders/${aws:username}/*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" }, DateLessThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" } } },
      ] } }],
    });
    const d = policy.evaluate({ principal: { username: "alice" }, requests: [
      { action: "s3:GetObject", resource: "arn:aws:s3:::orders/a.json" },
      { action: "s3:GetObject", resource: "arn:aws:s3:::orders/secret/x" },
      { action: "s3:DeleteBucket", resource: "arn:aws:s3:::orders" },
      { action: "s3:PutObject", resource: "arn:aws:s3:::orders/alice/x", context: { "aws:SourceIp": "10.1.2.3", "aws:CurrentTime": "2026-11-23T10:00:00Z" } },
      { action: "s3:PutObject", resource: "arn:aws:s3:::orders/bob/x", context: { "aws:SourceIp": "10.1.2.3", "aws:CurrentTime": "2026-11-23T10:00:00Z" } },
    ] });
    console.log(JSON.stringify(d, null, 1));
    expect(d.requests.map((r) => r.allow)).toEqual([true, false, false, true, false]);
  });
});
