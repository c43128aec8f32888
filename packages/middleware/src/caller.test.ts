import { describe, expect, test } from "vitest";
import { callerFromArn, callerFromIdentity } from "./caller.js";

describe("callerFromArn", () => {
  test.each([
    [
      "arn:aws:iam::123456789012:user/ops/alice",
      {
        arn: "arn:aws:iam::123456789012:user/ops/alice",
        accountId: "123456789012",
        type: "User",
        username: "alice",
      },
    ],
    [
      "arn:aws:sts::123456789012:assumed-role/orders/i-0abc",
      {
        arn: "arn:aws:iam::123456789012:role/orders",
        accountId: "123456789012",
        type: "AssumedRole",
      },
    ],
    [
      "arn:aws-cn:sts::123456789012:assumed-role/r/s",
      {
        arn: "arn:aws-cn:iam::123456789012:role/r",
        accountId: "123456789012",
        type: "AssumedRole",
      },
    ],
    [
      "arn:aws:iam::123456789012:root",
      { arn: "arn:aws:iam::123456789012:root", accountId: "123456789012", type: "Account" },
    ],
    [
      "arn:aws:sts::123456789012:federated-user/bob",
      {
        arn: "arn:aws:sts::123456789012:federated-user/bob",
        accountId: "123456789012",
        type: "FederatedUser",
      },
    ],
    ["not an arn", { arn: "not an arn" }],
  ])("%s", (arn, expected) => {
    expect(callerFromArn(arn)).toEqual(expected);
  });

  test("keeps the user id STS reported", () => {
    expect(callerFromArn("arn:aws:iam::123456789012:root", "123456789012").userId).toBe(
      "123456789012",
    );
  });
});

describe("callerFromIdentity", () => {
  test("reads accountId, and source and mfa only when the source is one keycard knows", () => {
    expect(callerFromIdentity({ accountId: "123456789012", source: "sso", mfa: true })).toEqual({
      accountId: "123456789012",
      source: "sso",
      mfa: true,
    });
    expect(callerFromIdentity({ accountId: "12", source: "made-up", mfa: true })).toEqual({});
    expect(callerFromIdentity({ source: "static" })).toEqual({ source: "static", mfa: false });
    expect(callerFromIdentity(undefined)).toEqual({});
  });
});
