// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` here are IAM policy variables.
import { describe, expect, it, vi } from "vitest";
import {
  loadPolicy,
  PolicyLoadError,
  type PolicyLoadErrorCode,
  type PolicyLocation,
} from "./index.js";
import type { PolicyDocument, PolicyStatement } from "./policy-document.js";

/** Loads `document` (as written, possibly invalid) under the name `bad.json` and returns the error. */
async function loadError(document: unknown): Promise<PolicyLoadError> {
  try {
    await loadPolicy({
      iam: [{ name: "bad.json", document: document as PolicyDocument }],
      checkActions: false,
    });
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyLoadError);
    const e = error as PolicyLoadError;
    expect(e.name).toBe("PolicyLoadError");
    expect(e.location?.document).toBe("bad.json");
    return e;
  }
  throw new Error("expected loadPolicy to fail");
}

function withStatement(statement: Record<string, unknown>): unknown {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }, statement],
  };
}

const valid: PolicyStatement = {
  Effect: "Allow",
  Action: "s3:GetObject",
  Resource: "arn:aws:s3:::orders/*",
};

async function expectStatementError(
  change: Record<string, unknown>,
  code: PolicyLoadErrorCode,
  element: string | undefined,
): Promise<PolicyLoadError> {
  const statement: Record<string, unknown> = { ...valid, ...change };
  for (const [key, value] of Object.entries(change)) if (value === undefined) delete statement[key];
  const error = await loadError(withStatement(statement));
  expect(error.code).toBe(code);
  expect(error.location).toEqual({
    document: "bad.json",
    statementIndex: 1,
    ...(element ? { element } : {}),
  });
  return error;
}

describe("loadPolicy: accepted input", () => {
  it("loads named, bare and JSON-text documents and a boundary", async () => {
    const bare: PolicyDocument = {
      Version: "2012-10-17",
      Statement: valid as PolicyDocument["Statement"],
    };
    const policy = await loadPolicy({
      iam: [{ name: "orders.json", document: bare }, bare, JSON.stringify(bare)],
      boundary: {
        name: "cap.json",
        document: { Version: "2012-10-17", Statement: [valid, valid] } as PolicyDocument,
      },
      checkActions: false,
    });
    expect(policy.documents).toEqual(["orders.json", "iam[1]", "iam[2]", "cap.json"]);
    expect(policy.statementCount).toBe(5);
    expect(policy.source).toBe("builtin");
    expect(policy.warnings).toEqual([]);
  });

  it("names unnamed boundary documents by position", async () => {
    const doc = JSON.stringify({ Version: "2012-10-17", Statement: valid });
    const policy = await loadPolicy({ boundary: [doc, doc], checkActions: false });
    expect(policy.documents).toEqual(["boundary[0]", "boundary[1]"]);
  });

  it("accepts every element of the identity-policy grammar", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          name: "full.json",
          document: {
            Version: "2012-10-17",
            Id: "orders",
            Statement: [
              { Sid: "Read 1", ...valid, Condition: { StringEquals: { "s3:prefix": ["a", "b"] } } },
              { Effect: "Deny", NotAction: ["iam:*", "sts:*"], NotResource: "*" },
            ],
          },
        },
        {
          name: "old.json",
          document: { Version: "2008-10-17", Statement: valid } as PolicyDocument,
        },
        { name: "unversioned.json", document: { Statement: valid } as PolicyDocument },
      ],
      checkActions: false,
    });
    expect(policy.statementCount).toBe(4);
  });

  it("accepts condition values of every family", async () => {
    const Condition = {
      StringEqualsIgnoreCase: { "aws:PrincipalTag/team": "Orders" },
      StringNotLike: { "s3:prefix": ["private/*", "tmp/?"] },
      NumericLessThanEquals: { "s3:max-keys": [10, "20", "1.5e1"] },
      DateGreaterThan: {
        "aws:CurrentTime": ["2026-01-01", "2026-01-01T10:00:00+05:30", 1767225600, "1767225600"],
      },
      Bool: { "aws:SecureTransport": [true, "False"] },
      BinaryEquals: { "k:bin": "QmluYXJ5" },
      IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "::1"] },
      ArnLike: { "aws:SourceArn": "arn:aws:sns:*:111122223333:topic-?" },
      Null: { "aws:TokenIssueTime": "true" },
      "ForAllValues:StringLike": { "aws:TagKeys": "app-*" },
      "ForAnyValue:StringEqualsIfExists": { "aws:TagKeys": "env" },
      NotIpAddressIfExists: { "aws:VpcSourceIp": "10.0.0.0/8" },
    };
    await expect(
      loadPolicy({
        iam: [{ Version: "2012-10-17", Statement: { ...valid, Condition } } as PolicyDocument],
        checkActions: false,
      }),
    ).resolves.toBeDefined();
  });
});

describe("loadPolicy: malformed documents", () => {
  it("reports invalid JSON text with the document name and line", async () => {
    const text =
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Effect": "Allow", }\n  ]\n}';
    const error = await loadPolicy({ iam: [{ name: "orders.json", document: text }] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PolicyLoadError);
    const e = error as PolicyLoadError;
    expect(e.name).toBe("PolicyLoadError");
    expect(e.code).toBe("MalformedDocument");
    expect(e.location).toEqual({ document: "orders.json" });
    expect(e.message).toMatch(/^orders\.json: not valid JSON at line 4, column \d+/);
    expect(e.cause).toBeInstanceOf(SyntaxError);
  });

  it("reports invalid JSON text in an unnamed document by position", async () => {
    const error = (await loadPolicy({ boundary: "{ nope" }).catch(
      (e: unknown) => e,
    )) as PolicyLoadError;
    expect(error.code).toBe("MalformedDocument");
    expect(error.location).toEqual({ document: "boundary[0]" });
  });

  it.each([
    ["an array", []],
    ["a number", 42],
    ["null", null],
  ])("rejects a document that is %s", async (_, document) => {
    const error = await loadError(document);
    expect(error.code).toBe("MalformedDocument");
    expect(error.location).toEqual({ document: "bad.json" });
  });

  it("rejects a document without Statement", async () => {
    const error = await loadError({ Version: "2012-10-17" });
    expect(error.code).toBe("MalformedDocument");
    expect(error.message).toContain("no Statement");
  });

  it("rejects unknown document elements", async () => {
    const error = await loadError({ Version: "2012-10-17", Statements: [valid] });
    expect(error.code).toBe("UnknownElement");
    expect(error.location).toEqual({ document: "bad.json", element: "Statements" });
    expect(error.message).toBe('bad.json, Statements: unknown element "Statements"');
  });

  it("rejects an unknown Version", async () => {
    const error = await loadError({ Version: "2012-10-18", Statement: [valid] });
    expect(error.code).toBe("InvalidElement");
    expect(error.location).toEqual({ document: "bad.json", element: "Version" });
  });

  it("rejects a statement that is not an object", async () => {
    const error = await loadError({ Version: "2012-10-17", Statement: [valid, "s3:*"] });
    expect(error.code).toBe("InvalidElement");
    expect(error.location).toEqual({ document: "bad.json", statementIndex: 1 });
  });
});

describe("loadPolicy: statement elements", () => {
  it.each(["Principal", "NotPrincipal"])(
    "rejects %s in an identity-based policy",
    async (element) => {
      const error = await expectStatementError(
        { [element]: { AWS: "*" } },
        "UnknownElement",
        element,
      );
      expect(error.message).toContain("not allowed in identity-based policies");
    },
  );

  it("rejects unknown statement elements", async () => {
    const error = await expectStatementError({ Conditions: {} }, "UnknownElement", "Conditions");
    expect(error.message).toBe('bad.json, statement 1, Conditions: unknown element "Conditions"');
  });

  it.each([
    [{ Effect: "allow" }, "Effect"],
    [{ Effect: undefined }, "Effect"],
    [{ Sid: 5 }, "Sid"],
    [{ Sid: "no:colons" }, "Sid"],
    [{ NotAction: "s3:PutObject" }, "Action"],
    [{ Action: undefined }, "Action"],
    [{ NotResource: "*" }, "Resource"],
    [{ Resource: undefined }, "Resource"],
    [{ Action: 5 }, "Action"],
    [{ Action: [] }, "Action"],
    [{ Action: ["s3:GetObject", 5] }, "Action"],
    [{ Action: "" }, "Action"],
    [{ Resource: { arn: "*" } }, "Resource"],
    [{ Resource: [] }, "Resource"],
    [{ Condition: [] }, "Condition"],
    [{ Condition: "StringEquals" }, "Condition"],
    [{ Condition: { StringEquals: ["s3:prefix"] } }, "Condition.StringEquals"],
  ])("rejects %j as InvalidElement at %s", async (change, element) => {
    await expectStatementError(change, "InvalidElement", element);
  });

  it.each(["s3", "s3:Get Object", "s3:Get$Object", ":GetObject", "s3:", "s3:Get:Object", "*:"])(
    "rejects the action %j",
    async (action) => {
      await expectStatementError({ Action: ["s3:GetObject", action] }, "InvalidAction", "Action");
    },
  );

  it("rejects invalid actions in NotAction", async () => {
    await expectStatementError(
      { Action: undefined, NotAction: "iam" },
      "InvalidAction",
      "NotAction",
    );
  });

  it.each([
    "orders",
    "arn:aws:s3",
    "arn:aws:s3:::",
    "s3:::orders/*",
    "arn:aws:s3:::orders/${aws:username",
    "arn:aws:s3:::orders/${not a variable}",
  ])("rejects the resource %j", async (resource) => {
    await expectStatementError({ Resource: resource }, "InvalidArn", "Resource");
  });

  it("rejects invalid ARNs in NotResource", async () => {
    await expectStatementError(
      { Resource: undefined, NotResource: ["*", "bucket"] },
      "InvalidArn",
      "NotResource",
    );
  });
});

describe("loadPolicy: conditions", () => {
  it.each([
    "StringEqualz",
    "ForAllValues:Null",
    "NullIfExists",
    "ForSomeValues:StringEquals",
    "stringequals ",
  ])("rejects the operator %j", async (operator) => {
    const error = await expectStatementError(
      { Condition: { [operator]: { "aws:TokenIssueTime": "true" } } },
      "UnknownConditionOperator",
      `Condition.${operator}`,
    );
    expect(error.message).toContain(`unknown condition operator "${operator}"`);
  });

  it.each([
    ["NumericLessThan", "s3:max-keys", "ten"],
    ["NumericEquals", "s3:max-keys", "0x10"],
    ["DateLessThan", "aws:CurrentTime", "tomorrow"],
    ["DateLessThan", "aws:CurrentTime", "2026-13-01T00:00:00Z"],
    ["DateEquals", "aws:CurrentTime", "2026-01-01T10:00:00+5"],
    ["IpAddress", "aws:SourceIp", "10.0.0.256"],
    ["IpAddress", "aws:SourceIp", "10.0.0.0/33"],
    ["IpAddress", "aws:SourceIp", "01.2.3.4"],
    ["NotIpAddress", "aws:SourceIp", ":::"],
    ["IpAddress", "aws:SourceIp", "2001:db8::/129"],
    ["IpAddress", "aws:SourceIp", "localhost"],
    ["Bool", "aws:SecureTransport", "yes"],
    ["Null", "aws:TokenIssueTime", "maybe"],
    ["BinaryEquals", "k:bin", "${aws:username}"],
    ["StringEquals", "s3:prefix", { nested: true }],
    ["StringEquals", "s3:prefix", null],
    ["StringEquals", "s3:prefix", []],
    ["StringLike", "s3:prefix", "home/${aws:username"],
  ])("rejects %s %s: %j", async (operator, key, value) => {
    const error = await expectStatementError(
      { Condition: { [operator]: { [key]: value } } },
      "InvalidConditionValue",
      `Condition.${operator}.${key}`,
    );
    expect(error.message).toMatch(/^bad\.json, statement 1, Condition\./);
  });

  it("treats condition operator names case-insensitively", async () => {
    await expect(
      loadPolicy({
        iam: [
          {
            Version: "2012-10-17",
            Statement: { ...valid, Condition: { stringequals: { "s3:prefix": "a" } } },
          } as PolicyDocument,
        ],
        checkActions: false,
      }),
    ).resolves.toBeDefined();
  });
});

describe("loadPolicy: unknown actions are warnings", () => {
  const document = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:GetObjectz", "s3:Get*", "*", "s3:GetObject"], Resource: "*" },
      { Effect: "Deny", NotAction: ["s4:GetObject", "ec2:Describe?nstances"], Resource: "*" },
    ],
  } as PolicyDocument;

  it("warns about unknown actions and services without failing", async () => {
    const onWarning = vi.fn();
    const policy = await loadPolicy({ iam: [{ name: "typo.json", document }], onWarning });
    const expected: Array<{ code: string; location: PolicyLocation }> = [
      {
        code: "UnknownAction",
        location: { document: "typo.json", statementIndex: 0, element: "Action" },
      },
      {
        code: "UnknownService",
        location: { document: "typo.json", statementIndex: 1, element: "NotAction" },
      },
    ];
    expect(policy.warnings.map(({ code, location }) => ({ code, location }))).toEqual(expected);
    expect(policy.warnings[0]?.message).toContain('"s3:GetObjectz"');
    expect(policy.warnings[1]?.message).toContain('"s4"');
    expect(onWarning).toHaveBeenCalledTimes(2);
    expect(onWarning).toHaveBeenCalledWith(policy.warnings[0]);
  });

  it("still evaluates the document", async () => {
    const policy = await loadPolicy({ iam: [document] });
    const d = policy.evaluate({
      requests: [
        { action: "s3:GetObject", resource: "arn:aws:s3:::a/b" },
        { action: "s4:GetObject", resource: "arn:aws:s3:::a/b" },
      ],
    });
    // The Deny's NotAction covers everything but the two listed actions.
    expect(d.requests.map((r) => r.reason)).toEqual([
      "explicitly denied by iam[0] statement 1",
      "allowed by iam[0] statement 0",
    ]);
  });

  it("skips the lookup with checkActions: false", async () => {
    const policy = await loadPolicy({ iam: [document], checkActions: false });
    expect(policy.warnings).toEqual([]);
  });
});
