import { describe, expect, it } from "vitest";
import {
  CREDENTIAL_SOURCES,
  credentialSourceOf,
  isLongTerm,
  withSource,
} from "./credential-source.js";

const identity = {
  accessKeyId: "ASIAEXAMPLE",
  secretAccessKey: "x".repeat(40),
  sessionToken: "session",
};

describe("credentialSourceOf", () => {
  it("reads the source and MFA flag of a labelled identity", () => {
    const labelled = withSource(identity, "profile-role", true);
    expect(credentialSourceOf(labelled)).toEqual({
      source: "profile-role",
      mfa: true,
      longTerm: false,
    });
  });

  it.each(CREDENTIAL_SOURCES)("accepts %s", (source) => {
    expect(credentialSourceOf({ ...identity, source })).toEqual({
      source,
      mfa: false,
      longTerm: false,
    });
  });

  it.each([undefined, null, "static", 42, identity, { ...identity, source: "environment" }])(
    "returns undefined for %o",
    (value) => {
      expect(credentialSourceOf(value)).toBeUndefined();
    },
  );

  it("treats anything but true as no MFA", () => {
    expect(credentialSourceOf({ source: "static", mfa: "yes" })).toEqual({
      source: "static",
      mfa: false,
      longTerm: false,
    });
  });
});

describe("long-term keys", () => {
  it.each([
    ["an AKIA key with a session token", { ...identity, accessKeyId: "AKIAEXAMPLE" }],
    ["an ASIA key without a session token", { ...identity, sessionToken: undefined }],
    ["a key without a session token", { accessKeyId: "X", secretAccessKey: "y" }],
  ])("labels %s as long-term, whatever the source", (_name, keys) => {
    expect(isLongTerm(keys)).toBe(true);
    expect(credentialSourceOf(withSource(keys, "process", false))).toEqual({
      source: "process",
      mfa: false,
      longTerm: true,
    });
  });

  it("labels a session as not long-term", () => {
    expect(isLongTerm(identity)).toBe(false);
    expect(withSource(identity, "process", false).longTerm).toBe(false);
  });
});

describe("withSource", () => {
  it("keeps the SDK's fields and prefers its account ID", () => {
    const expiration = new Date();
    const sdk = {
      ...identity,
      expiration,
      accountId: "111111111111",
      $source: { CREDENTIALS_IMDS: "0" },
    };
    const labelled = withSource(sdk, "instance-metadata", false, "222222222222");
    expect(labelled).toMatchObject({
      expiration,
      accountId: "111111111111",
      $source: { CREDENTIALS_IMDS: "0" },
      source: "instance-metadata",
      mfa: false,
    });
    expect(withSource(identity, "static", false, "222222222222").accountId).toBe("222222222222");
    expect("accountId" in withSource(identity, "static", false)).toBe(false);
  });
});
