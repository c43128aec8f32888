import { describe, expect, it } from "vitest";
import { actionMatches, instantiate, resourceMatches, serviceOf } from "./wildcard.js";

describe("IAM wildcards", () => {
  it("matches actions case-insensitively", () => {
    expect(actionMatches("s3:Get*", "S3:GETOBJECT")).toBe(true);
    expect(actionMatches("s3:Get?bject", "s3:GetObject")).toBe(true);
    expect(actionMatches("s3:Get*", "s3:PutObject")).toBe(false);
    expect(actionMatches("*", "iam:PassRole")).toBe(true);
  });

  it("matches resources case-sensitively, with variables", () => {
    expect(resourceMatches("arn:aws:s3:::orders/*", "arn:aws:s3:::orders/a/b")).toBe(true);
    expect(resourceMatches("arn:aws:s3:::orders/*", "arn:aws:s3:::Orders/a")).toBe(false);
    const variables = new Map([["aws:username", "alice"]]);
    expect(
      resourceMatches(
        `arn:aws:s3:::home/\${aws:username}/*`,
        "arn:aws:s3:::home/alice/x",
        variables,
      ),
    ).toBe(true);
    expect(
      resourceMatches(`arn:aws:s3:::home/\${aws:username}/*`, "arn:aws:s3:::home/bob/x", variables),
    ).toBe(false);
  });

  it("names the service of a pattern unless it is a wildcard", () => {
    expect(serviceOf("S3:Get*")).toBe("s3");
    expect(serviceOf("*")).toBeUndefined();
    expect(serviceOf("s*:Get")).toBeUndefined();
  });

  it("instantiates patterns into concrete values", () => {
    const variables = new Map([["aws:username", "alice"]]);
    expect(instantiate("arn:aws:s3:::orders/*", variables)).toBe(
      "arn:aws:s3:::orders/keycard-probe",
    );
    expect(instantiate(`arn:aws:s3:::home/\${aws:username}/?`, variables)).toBe(
      "arn:aws:s3:::home/alice/x",
    );
    expect(instantiate("team-*", variables, { literal: true })).toBe("team-*");
  });
});
