import { describe, expect, it } from "vitest";
import { conditionContexts, OTHER_VALUE } from "./condition-samples.js";

describe("conditionContexts", () => {
  it("satisfies every condition first, then breaks one key at a time", () => {
    const contexts = conditionContexts(
      {
        IpAddress: { "aws:SourceIp": "10.0.0.0/8" },
        DateLessThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" },
      },
      new Map(),
    );
    expect(contexts).toEqual([
      { "aws:SourceIp": "10.0.0.0", "aws:CurrentTime": "2029-12-31T00:00:00Z" },
      { "aws:SourceIp": "198.51.100.7", "aws:CurrentTime": "2029-12-31T00:00:00Z" },
      { "aws:SourceIp": "10.0.0.0", "aws:CurrentTime": "2030-01-02T00:00:00Z" },
    ]);
  });

  it("handles negated, numeric, boolean, null and set operators", () => {
    const [ok, ...broken] = conditionContexts(
      {
        StringNotEquals: { "aws:PrincipalTag/team": "ops" },
        NumericLessThan: { "s3:max-keys": "10" },
        Bool: { "aws:SecureTransport": "true" },
        Null: { "aws:TokenIssueTime": "true" },
        "ForAnyValue:StringLike": { "aws:TagKeys": "team-*" },
      },
      new Map(),
    );
    expect(ok).toEqual({
      "aws:PrincipalTag/team": OTHER_VALUE,
      "s3:max-keys": 9,
      "aws:SecureTransport": true,
      "aws:TagKeys": ["team-keycard-probe"],
    });
    expect(broken).toHaveLength(5);
    expect(broken[3]).toMatchObject({ "aws:TokenIssueTime": "keycard-probe" });
  });

  it("fills policy variables in condition values", () => {
    const [ok] = conditionContexts(
      { StringEquals: { "s3:prefix": `home/\${aws:username}/` } },
      new Map([["aws:username", "alice"]]),
    );
    expect(ok).toEqual({ "s3:prefix": "home/alice/" });
  });
});

describe("conditionContexts with several listed values", () => {
  it("breaks and satisfies each listed value, not only the first", () => {
    const contexts = conditionContexts(
      { StringNotEquals: { "aws:RequestedRegion": ["us-east-1", "eu-west-1"] } },
      new Map(),
    );
    expect(contexts).toEqual([
      { "aws:RequestedRegion": OTHER_VALUE },
      { "aws:RequestedRegion": "us-east-1" },
      { "aws:RequestedRegion": "eu-west-1" },
    ]);
  });

  it("tries every value that satisfies a positive operator", () => {
    const contexts = conditionContexts(
      { StringEquals: { "aws:PrincipalTag/team": ["ops", "dev"] } },
      new Map(),
    );
    expect(contexts).toEqual([
      { "aws:PrincipalTag/team": "ops" },
      { "aws:PrincipalTag/team": OTHER_VALUE },
      { "aws:PrincipalTag/team": "dev" },
    ]);
  });
});
