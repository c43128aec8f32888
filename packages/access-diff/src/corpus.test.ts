import { describe, expect, it } from "vitest";
import { changedStatements, generateCorpus } from "./corpus.js";
import { readSideDocuments } from "./documents.js";
import { arnFormatMatcher } from "./iam-reference.js";
import type { PolicySetFiles } from "./policy-set.js";
import { iam } from "./test-utils/fixtures.js";

function statements(...docs: string[]) {
  const set: PolicySetFiles = {
    dir: "",
    documents: docs.map((text, i) => ({ path: `doc${i}.json`, text })),
    boundaries: [],
    modules: [],
    tests: [],
    data: [],
    recorded: [],
    problems: [],
  };
  return readSideDocuments(set, "policies/orders").statements;
}

const read = {
  Sid: "Read",
  Effect: "Allow",
  Action: "s3:GetObject",
  Resource: "arn:aws:s3:::orders/*",
};
const put = {
  Effect: "Allow",
  Action: "s3:PutObject",
  Resource: "arn:aws:s3:::orders/in/*",
  Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
};

describe("ARN formats", () => {
  it("keep bucket names to one path segment and object keys open", () => {
    expect(
      arnFormatMatcher(`arn:\${Partition}:s3:::\${BucketName}`).test("arn:aws:s3:::orders"),
    ).toBe(true);
    expect(
      arnFormatMatcher(`arn:\${Partition}:s3:::\${BucketName}`).test("arn:aws:s3:::orders/a"),
    ).toBe(false);
    expect(
      arnFormatMatcher(`arn:\${Partition}:s3:::\${BucketName}/\${ObjectName}`).test(
        "arn:aws:s3:::orders/a/b",
      ),
    ).toBe(true);
    expect(
      arnFormatMatcher(`arn:\${Partition}:iam::\${Account}:role/\${RoleNameWithPath}`).test(
        "arn:aws:iam::1:role/a/b",
      ),
    ).toBe(true);
  });
});

describe("changedStatements", () => {
  it("compares what statements decide, not their Sid or position", () => {
    const base = statements(iam(read, put));
    const head = statements(iam({ ...put }, { ...read, Sid: "Renamed" }));
    expect(changedStatements(base, head)).toEqual([]);
    const broader = statements(iam(read, { ...put, Action: "s3:Put*" }));
    expect(changedStatements(base, broader).map((s) => s.action)).toEqual([["s3:PutObject"]]);
    expect(changedStatements(broader, base).map((s) => s.action)).toEqual([["s3:Put*"]]);
  });
});

describe("generateCorpus", () => {
  it("probes every covered action on derived resources, probes and condition contexts", async () => {
    const base = statements(iam(read));
    const head = statements(iam(read, put));
    const corpus = await generateCorpus(base, head, { prune: false, everyAction: false });
    const puts = corpus.requests.filter((r) => r.action === "s3:PutObject");
    expect(puts.map((r) => r.resource)).toContain("arn:aws:s3:::orders/in/keycard-probe");
    expect(puts.map((r) => r.resource)).toContain("arn:aws:s3:::keycard-probe/keycard-probe");
    expect(puts.some((r) => r.context?.["aws:SourceIp"] === "10.0.0.0")).toBe(true);
    expect(puts.some((r) => r.context === undefined)).toBe(true);
    expect(corpus.requests.some((r) => r.action === "s3:GetObject")).toBe(true);
    // Actions no statement covers are not generated for IAM-only sets.
    expect(corpus.requests.some((r) => r.action === "s3:DeleteObject")).toBe(false);
  });

  it("prunes requests no changed statement can apply to", async () => {
    const base = statements(iam(read));
    const head = statements(iam(read, put));
    const corpus = await generateCorpus(base, head, { prune: true, everyAction: false });
    expect(
      corpus.requests.every(
        (r) => r.action === "s3:PutObject" && r.resource.startsWith("arn:aws:s3:::orders/in/"),
      ),
    ).toBe(true);
    expect(corpus.pruned).toBeGreaterThan(0);
    expect(corpus.total).toBe(corpus.pruned + corpus.requests.length);
  });

  it("probes broad services for statements that can name any service", async () => {
    const head = statements(iam({ Effect: "Allow", NotAction: "s3:*", Resource: "*" }));
    const corpus = await generateCorpus([], head, { prune: true, everyAction: false });
    const services = new Set(corpus.requests.map((r) => r.action.split(":")[0]));
    expect(services.has("iam")).toBe(true);
    expect(services.has("s3")).toBe(false);
  });
});
