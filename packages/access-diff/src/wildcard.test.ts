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

  it("reads escaped wildcards as themselves and an unknown variable as any text", () => {
    expect(resourceMatches("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*")).toBe(true);
    expect(resourceMatches("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x")).toBe(false);
    expect(resourceMatches("arn:aws:s3:::b/a${?}", "arn:aws:s3:::b/a?")).toBe(true);
    const variables = new Map([["aws:username", "alice"]]);
    expect(
      resourceMatches(
        "arn:aws:s3:::home/${aws:userid}/x",
        "arn:aws:s3:::home/any/thing/x",
        variables,
      ),
    ).toBe(true);
    expect(resourceMatches("arn:aws:s3:::b/?", "arn:aws:s3:::b/\u{1F600}")).toBe(true);
  });

  it("decides a resource made to nearly match a pattern of many stars without backtracking", () => {
    // A pull request brings both: a backtracking matcher took 12 s at 800 slashes, and hours here.
    const pattern = "arn:aws:s3:::b/*/*/*/*/*/*.json";
    expect(resourceMatches(pattern, `arn:aws:s3:::b/${"/".repeat(20_000)}x`)).toBe(false);
    expect(resourceMatches(pattern, `arn:aws:s3:::b/${"/".repeat(20_000)}x.json`)).toBe(true);
    expect(actionMatches("s3:*Get*Object*Acl*Version*", `s3:${"get".repeat(20_000)}`)).toBe(false);
  });
});
