import { describe, expect, test } from "vitest";
import { type CallerIdentityAnswer, CallerResolver } from "./caller-resolver.js";
import type { SdkCall } from "./sdk-call.js";

const ARNS: Record<string, CallerIdentityAnswer> = {
  AKIAFIRST: { Account: "111111111111", Arn: "arn:aws:iam::111111111111:user/first" },
  AKIASECOND: { Account: "222222222222", Arn: "arn:aws:iam::222222222222:user/second" },
};

function callWith(identity: Record<string, unknown>): SdkCall {
  return {
    client: "S3Client",
    operation: "PutObject",
    region: "us-east-1",
    identity,
    secureTransport: true,
    config: undefined,
  };
}

describe("CallerResolver.known", () => {
  test("an identity object changed in place is looked up again, never taken for the last caller", async () => {
    let lookups = 0;
    const resolver = new CallerResolver({}, async (call) => {
      lookups++;
      return ARNS[call.identity?.["accessKeyId"] as string] ?? {};
    });
    const identity: Record<string, unknown> = { accessKeyId: "AKIAFIRST", secretAccessKey: "x" };
    const call = callWith(identity);
    await resolver.resolve(call);
    const first = resolver.known(call);
    expect(first?.arn).toBe(ARNS["AKIAFIRST"]!.Arn);
    expect(resolver.known(call)).toBe(first);

    // The same object, now holding other credentials: they are unknown until STS answers.
    identity["accessKeyId"] = "AKIASECOND";
    expect(resolver.known(call)).toBeUndefined();
    await resolver.resolve(call);
    expect(resolver.known(call)?.arn).toBe(ARNS["AKIASECOND"]!.Arn);

    identity["accessKeyId"] = "AKIAFIRST";
    expect(resolver.known(call)).toBe(first);
    expect(lookups).toBe(2);
  });

  test("a change of the identity's source or MFA flag in place gives the caller it describes", () => {
    const resolver = new CallerResolver(
      { principalArn: "arn:aws:iam::111111111111:role/app" },
      async () => ({}),
    );
    const identity: Record<string, unknown> = {
      accessKeyId: "ASIAROLE",
      accountId: "111111111111",
      source: "web-identity",
      mfa: false,
    };
    const call = callWith(identity);
    expect(resolver.known(call)).toMatchObject({ source: "web-identity", mfa: false });
    expect(resolver.known(call)).toMatchObject({ mfa: false });
    identity["mfa"] = true;
    expect(resolver.known(call)).toMatchObject({ source: "web-identity", mfa: true });
    identity["source"] = "container";
    expect(resolver.known(call)).toMatchObject({ source: "container", mfa: true });
  });

  test("another identity object with the same values gives the same caller", () => {
    const resolver = new CallerResolver(
      { principalArn: "arn:aws:iam::111111111111:role/app" },
      async () => ({}),
    );
    const values = { accessKeyId: "ASIAROLE", accountId: "111111111111" };
    const first = resolver.known(callWith({ ...values }));
    expect(first?.accountId).toBe("111111111111");
    expect(resolver.known(callWith({ ...values }))).toBe(first);
  });
});

describe("a lookup during which Object.prototype changes", () => {
  test("the caller is not taken from the prototype, nor kept for later calls", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    const admin = "arn:aws:iam::111111111111:role/admin";
    const resolver = new CallerResolver({}, async () => {
      // The answer names no ARN; code running during the lookup offers one.
      proto["Arn"] = admin;
      return { Account: "111111111111" };
    });
    const call = callWith({ accessKeyId: "AKIAFIRST", secretAccessKey: "x" });
    try {
      // Refused (no account is known without the lookup), or resolved without the offered ARN.
      const caller = await resolver.resolve(call).catch(() => undefined);
      expect(caller?.arn).not.toBe(admin);
    } finally {
      delete proto["Arn"];
    }
    expect(resolver.known(call)?.arn).not.toBe(admin);
  });
});

describe("a failed lookup during which Object.prototype changes", () => {
  test("refuses rather than take the caller's account from the prototype", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    const resolver = new CallerResolver({}, async () => {
      proto["accountId"] = "999999999999";
      throw new Error("STS unavailable");
    });
    const call = callWith({ accessKeyId: "AKIAFIRST", secretAccessKey: "x" });
    try {
      const caller = await resolver.resolve(call).catch(() => undefined);
      expect(caller?.accountId).not.toBe("999999999999");
    } finally {
      delete proto["accountId"];
    }
  });

  test("an identity's account, source and MFA are its own members only", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    const resolver = new CallerResolver({}, async () => {
      throw new Error("STS unavailable");
    });
    proto["accountId"] = "999999999999";
    proto["mfa"] = true;
    try {
      const { callerFromIdentity } = await import("./caller.js");
      expect(callerFromIdentity({ accessKeyId: "AKIAFIRST" })).toEqual({});
      const caller = await resolver
        .resolve(callWith({ accessKeyId: "AKIAFIRST", secretAccessKey: "x" }))
        .catch(() => undefined);
      expect(caller?.accountId).not.toBe("999999999999");
    } finally {
      delete proto["accountId"];
      delete proto["mfa"];
    }
  });
});
