// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` here are IAM policy variables.
import { describe, expect, it } from "vitest";
import {
  type AuthorizationRequest,
  type EvaluationInput,
  loadPolicy,
  type Policy,
  type PolicyDocument,
  type PolicyStatement,
  type PrincipalInfo,
} from "./index.js";

const V = "2012-10-17";

function doc(...Statement: PolicyStatement[]): PolicyDocument {
  return { Version: V, Statement };
}

async function load(iam: PolicyDocument[], boundary?: PolicyDocument[]): Promise<Policy> {
  return loadPolicy({
    iam: iam.map((document, i) => ({ name: `doc${i}.json`, document })),
    ...(boundary
      ? { boundary: boundary.map((document, i) => ({ name: `cap${i}.json`, document })) }
      : {}),
    checkActions: false,
  });
}

function req(
  action: string,
  resource: string,
  context?: AuthorizationRequest["context"],
): AuthorizationRequest {
  return context ? { action, resource, context } : { action, resource };
}

/** The allow flags for `requests`, evaluated together. */
function allows(
  policy: Policy,
  requests: AuthorizationRequest[],
  extra: Omit<EvaluationInput, "requests"> = {},
): boolean[] {
  return policy.evaluate({ ...extra, requests }).requests.map((r) => r.allow);
}

const alice: PrincipalInfo = {
  arn: "arn:aws:iam::111122223333:user/alice",
  accountId: "111122223333",
  userId: "AIDAEXAMPLE",
  username: "alice",
  type: "User",
  tags: { team: "orders" },
};

describe("evaluate: statements", () => {
  it("allows, denies explicitly and denies implicitly, naming the statements", async () => {
    const policy = await load([
      doc(
        {
          Sid: "Read",
          Effect: "Allow",
          Action: ["s3:Get*", "s3:ListBucket"],
          Resource: ["arn:aws:s3:::orders", "arn:aws:s3:::orders/*"],
        },
        { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::orders/secret/*" },
      ),
    ]);
    const d = policy.evaluate({
      requests: [
        req("s3:GetObject", "arn:aws:s3:::orders/a.json"),
        req("s3:GetObject", "arn:aws:s3:::orders/secret/x"),
        req("s3:DeleteBucket", "arn:aws:s3:::orders"),
      ],
    });
    expect(d.allow).toBe(false);
    expect(d.requests).toEqual([
      {
        action: "s3:GetObject",
        resource: "arn:aws:s3:::orders/a.json",
        allow: true,
        reason: "allowed by doc0.json statement 0 (Read)",
        explicitDeny: false,
        matched: [{ document: "doc0.json", statementIndex: 0, sid: "Read", effect: "Allow" }],
        unknown: [],
        conditionFailures: [],
        customDenies: [],
        customAllows: [],
      },
      {
        action: "s3:GetObject",
        resource: "arn:aws:s3:::orders/secret/x",
        allow: false,
        reason: "explicitly denied by doc0.json statement 1",
        explicitDeny: true,
        // Both statements took part; the order follows the index (exact action first).
        matched: expect.arrayContaining([
          { document: "doc0.json", statementIndex: 0, sid: "Read", effect: "Allow" },
          { document: "doc0.json", statementIndex: 1, effect: "Deny" },
        ]),
        unknown: [],
        conditionFailures: [],
        customDenies: [],
        customAllows: [],
      },
      {
        action: "s3:DeleteBucket",
        resource: "arn:aws:s3:::orders",
        allow: false,
        reason: "implicitly denied: no statement allows s3:DeleteBucket on arn:aws:s3:::orders",
        explicitDeny: false,
        matched: [],
        unknown: [],
        conditionFailures: [],
        customDenies: [],
        customAllows: [],
      },
    ]);
  });

  it("is allowed only when every request is", async () => {
    const policy = await load([doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" })]);
    expect(policy.evaluate({ requests: [req("s3:GetObject", "arn:aws:s3:::a/b")] }).allow).toBe(
      true,
    );
    expect(
      policy.evaluate({ requests: [req("s3:GetObject", "*"), req("s3:PutObject", "*")] }).allow,
    ).toBe(false);
  });

  it("matches actions case-insensitively and resources case-sensitively", async () => {
    const policy = await load([
      doc({ Effect: "Allow", Action: "S3:getobject", Resource: "arn:aws:s3:::Orders/*" }),
    ]);
    expect(
      allows(policy, [
        req("s3:GetObject", "arn:aws:s3:::Orders/a"),
        req("S3:GETOBJECT", "arn:aws:s3:::Orders/a"),
        req("s3:GetObject", "arn:aws:s3:::orders/a"),
      ]),
    ).toEqual([true, true, false]);
  });

  it("expands * and ? in actions and resources", async () => {
    const policy = await load([
      doc({
        Effect: "Allow",
        Action: ["s3:*Object", "ec2:Describe?nstances"],
        Resource: "arn:aws:s3:::orders/20??/*.csv",
      }),
    ]);
    expect(
      allows(policy, [
        req("s3:GetObject", "arn:aws:s3:::orders/2026/01/a.csv"),
        req("s3:PutObject", "arn:aws:s3:::orders/2026/a.csv"),
        req("s3:GetObjectAcl", "arn:aws:s3:::orders/2026/a.csv"),
        req("ec2:DescribeInstances", "arn:aws:s3:::orders/2026/a.csv"),
        req("ec2:DescribeXnstances", "arn:aws:s3:::orders/2026/a.csv"),
        req("ec2:DescribeInstancesX", "arn:aws:s3:::orders/2026/a.csv"),
        req("s3:GetObject", "arn:aws:s3:::orders/206/a.csv"),
        req("s3:GetObject", "arn:aws:s3:::orders/2026/a.csvx"),
      ]),
    ).toEqual([true, true, false, true, true, false, false, false]);
  });

  it("lets a Resource * match the * resource and ARNs alike", async () => {
    const policy = await load([
      doc({ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }),
    ]);
    expect(
      allows(policy, [
        req("s3:ListAllMyBuckets", "*"),
        req("s3:ListAllMyBuckets", "arn:aws:s3:::x"),
      ]),
    ).toEqual([true, true]);
    const scoped = await load([
      doc({ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "arn:aws:s3:::*" }),
    ]);
    expect(allows(scoped, [req("s3:ListAllMyBuckets", "*")])).toEqual([false]);
  });

  it("applies NotAction and NotResource", async () => {
    const policy = await load([
      doc(
        { Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" },
        {
          Effect: "Deny",
          Action: "s3:*",
          NotResource: ["arn:aws:s3:::orders", "arn:aws:s3:::orders/*"],
        },
      ),
    ]);
    expect(
      allows(policy, [
        req("s3:GetObject", "arn:aws:s3:::orders/a"),
        req("s3:GetObject", "arn:aws:s3:::payroll/a"),
        req("ec2:RunInstances", "*"),
        req("iam:CreateUser", "*"),
        req("organizations:LeaveOrganization", "*"),
      ]),
    ).toEqual([true, false, true, false, false]);
  });

  it("lets an explicit deny in any document beat allows in others", async () => {
    const policy = await load([
      doc({ Effect: "Allow", Action: "*", Resource: "*" }),
      doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::orders/*" }),
      doc({ Sid: "NoDelete", Effect: "Deny", Action: "s3:Delete*", Resource: "*" }),
    ]);
    const d = policy.evaluate({
      requests: [
        req("s3:GetObject", "arn:aws:s3:::orders/a"),
        req("s3:DeleteObject", "arn:aws:s3:::orders/a"),
      ],
    });
    expect(d.requests[0]?.reason).toMatch(
      /^allowed by doc\d\.json statement 0, doc\d\.json statement 0$/,
    );
    expect(d.requests[0]?.matched.map((m) => m.document).sort()).toEqual([
      "doc0.json",
      "doc1.json",
    ]);
    expect(d.requests[1]?.reason).toBe("explicitly denied by doc2.json statement 0 (NoDelete)");
  });

  it("denies everything without documents", async () => {
    const policy = await loadPolicy({});
    expect(policy.statementCount).toBe(0);
    expect(allows(policy, [req("s3:GetObject", "*")])).toEqual([false]);
  });
});

describe("evaluate: permissions boundary", () => {
  const identity = doc({ Effect: "Allow", Action: ["s3:*", "ec2:*"], Resource: "*" });

  it("allows only what both the identity policies and the boundary allow", async () => {
    const policy = await load(
      [identity],
      [doc({ Effect: "Allow", Action: ["s3:*", "sqs:*"], Resource: "*" })],
    );
    const d = policy.evaluate({
      requests: [
        req("s3:GetObject", "*"),
        req("ec2:RunInstances", "*"),
        req("sqs:SendMessage", "*"),
      ],
    });
    expect(d.requests.map((r) => [r.allow, r.reason])).toEqual([
      [true, "allowed by doc0.json statement 0"],
      [
        false,
        "denied by the permissions boundary: no boundary statement allows ec2:RunInstances on *",
      ],
      [false, "implicitly denied: no statement allows sqs:SendMessage on *"],
    ]);
    const neither = policy.evaluate({ requests: [req("sns:Publish", "*")] });
    expect(neither.requests[0]?.reason).toBe(
      "implicitly denied: no statement allows sns:Publish on *, and the permissions boundary does not allow it either",
    );
    expect(d.requests[0]?.matched).toEqual([
      { document: "doc0.json", statementIndex: 0, effect: "Allow" },
      { document: "cap0.json", statementIndex: 0, effect: "Allow", boundary: true },
    ]);
  });

  it("treats a deny in the boundary as an explicit deny", async () => {
    const policy = await load(
      [identity],
      [
        doc(
          { Effect: "Allow", Action: "*", Resource: "*" },
          { Effect: "Deny", Action: "ec2:*", Resource: "*" },
        ),
      ],
    );
    const d = policy.evaluate({ requests: [req("ec2:RunInstances", "*")] });
    expect(d.requests[0]?.reason).toBe("explicitly denied by boundary cap0.json statement 1");
  });

  it("combines several boundary documents", async () => {
    const policy = await load(
      [identity],
      [
        doc({ Effect: "Allow", Action: "s3:*", Resource: "*" }),
        doc({ Effect: "Allow", Action: "ec2:*", Resource: "*" }),
      ],
    );
    expect(allows(policy, [req("s3:GetObject", "*"), req("ec2:RunInstances", "*")])).toEqual([
      true,
      true,
    ]);
  });
});

describe("evaluate: conditions", () => {
  const key = (context: AuthorizationRequest["context"]) =>
    req("s3:GetObject", "arn:aws:s3:::b/k", context);

  async function holds(
    Condition: PolicyStatement["Condition"],
    contexts: Array<AuthorizationRequest["context"]>,
    extra = {},
  ) {
    const policy = await load([
      doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition }),
    ]);
    return allows(policy, contexts.map(key), extra);
  }

  it("Null holds for an absent key with true and a present key with false", async () => {
    expect(
      await holds({ Null: { "aws:Referer": "true" } }, [
        {},
        { "aws:Referer": "2026-01-01T00:00:00Z" },
      ]),
    ).toEqual([true, false]);
    expect(
      await holds({ Null: { "aws:Referer": false } }, [
        {},
        { "aws:Referer": "2026-01-01T00:00:00Z" },
      ]),
    ).toEqual([false, true]);
  });

  it("string, numeric, date, bool, binary, IP and ARN operators", async () => {
    const Condition = {
      StringEqualsIgnoreCase: { "aws:PrincipalTag/team": "ORDERS" },
      NumericLessThan: { "s3:max-keys": "100" },
      DateGreaterThan: { "aws:CurrentTime": "2026-01-01T00:00:00+01:00" },
      Bool: { "aws:SecureTransport": "true" },
      BinaryEquals: { "k:bin": "QmluYXJ5" },
      IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"] },
      ArnLike: { "aws:SourceArn": "arn:aws:sns:*:111122223333:topic-*" },
    };
    const ok = {
      "s3:max-keys": 99,
      "aws:CurrentTime": "2025-12-31T23:30:00Z",
      "aws:SecureTransport": true,
      "k:bin": "QmluYXJ5",
      "aws:SourceIp": "2001:db8::7",
      "aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:topic-a",
    };
    const results = await holds(
      Condition,
      [
        ok,
        { ...ok, "s3:max-keys": "100" },
        { ...ok, "aws:CurrentTime": "2025-12-31T22:30:00Z" },
        { ...ok, "aws:SecureTransport": "false" },
        { ...ok, "k:bin": "qmluyxj5" },
        { ...ok, "aws:SourceIp": "192.0.2.1" },
        { ...ok, "aws:SourceArn": "arn:aws:sns:eu:west:111122223333:topic-a" },
      ],
      { principal: alice },
    );
    expect(results).toEqual([true, false, false, false, false, false, false]);
  });

  it("IPv4-mapped IPv6 addresses are IPv4 addresses, in requests and in policies", async () => {
    const contexts = [
      { "aws:SourceIp": "::ffff:10.1.2.3" },
      { "aws:SourceIp": "10.1.2.3" },
      { "aws:SourceIp": "::ffff:192.0.2.1" },
    ];
    expect(await holds({ IpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, contexts)).toEqual([
      true,
      true,
      false,
    ]);
    expect(await holds({ IpAddress: { "aws:SourceIp": "::ffff:10.0.0.0/104" } }, contexts)).toEqual(
      [true, true, false],
    );
    expect(await holds({ NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, contexts)).toEqual([
      false,
      false,
      true,
    ]);
  });

  it("negated operators hold for an absent key; IfExists forms too", async () => {
    expect(
      await holds({ StringNotEquals: { "s3:x-amz-acl": "private" } }, [
        {},
        { "s3:x-amz-acl": "private" },
      ]),
    ).toEqual([true, false]);
    expect(
      await holds({ StringEqualsIfExists: { "ec2:InstanceType": "t3.micro" } }, [
        {},
        { "ec2:InstanceType": "m5.large" },
      ]),
    ).toEqual([true, false]);
  });

  it("ForAllValues holds and ForAnyValue fails for an absent key", async () => {
    const contexts: Array<AuthorizationRequest["context"]> = [
      {},
      { "aws:TagKeys": ["env"] },
      { "aws:TagKeys": ["env", "cost"] },
    ];
    expect(
      await holds({ "ForAllValues:StringEquals": { "aws:TagKeys": ["env", "owner"] } }, contexts),
    ).toEqual([true, true, false]);
    expect(
      await holds({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["cost"] } }, contexts),
    ).toEqual([false, false, true]);
  });

  it("several keys and operators are AND, several values OR, keys case-insensitive", async () => {
    const Condition = {
      StringEquals: {
        "aws:RequestedRegion": ["eu-west-1", "eu-central-1"],
        "s3:x-amz-acl": "private",
      },
      StringLike: { "s3:prefix": "home/*" },
    };
    const results = await holds(Condition, [
      { "AWS:REQUESTEDREGION": "eu-central-1", "S3:X-Amz-Acl": "private", "s3:prefix": "home/a" },
      { "aws:RequestedRegion": "us-east-1", "s3:x-amz-acl": "private", "s3:prefix": "home/a" },
      { "aws:RequestedRegion": "eu-west-1", "s3:x-amz-acl": "public-read", "s3:prefix": "home/a" },
      { "aws:RequestedRegion": "eu-west-1", "s3:x-amz-acl": "private", "s3:prefix": "public/a" },
    ]);
    expect(results).toEqual([true, false, false, false]);
  });

  it("reads aws:RequestedRegion from the evaluation's region", async () => {
    const Condition = { StringEquals: { "aws:RequestedRegion": "eu-west-1" } };
    expect(await holds(Condition, [{}], { region: "eu-west-1" })).toEqual([true]);
    expect(await holds(Condition, [{}], { region: "us-east-1" })).toEqual([false]);
    // Every call goes to some region: without one the key is unknown, so an Allow on it fails.
    expect(await holds({ Null: { "aws:RequestedRegion": "true" } }, [{}])).toEqual([false]);
  });
});

describe("evaluate: policy variables", () => {
  const input = (resource: string, principal: PrincipalInfo = alice, region = "eu-west-1") => ({
    principal,
    region,
    requests: [req("s3:GetObject", resource)],
  });

  it("fills ${aws:username}, ${aws:userid}, ${aws:PrincipalTag/team}, ${aws:PrincipalAccount} and ${aws:RequestedRegion}", async () => {
    const policy = await load([
      doc({
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: [
          "arn:aws:s3:::home/${aws:username}/*",
          "arn:aws:s3:::ids/${aws:userid}/*",
          "arn:aws:s3:::teams/${aws:PrincipalTag/team}/*",
          "arn:aws:s3:::accounts/${aws:PrincipalAccount}-${aws:RequestedRegion}/*",
        ],
      }),
    ]);
    const decide = (resource: string) => policy.evaluate(input(resource)).allow;
    expect(decide("arn:aws:s3:::home/alice/a")).toBe(true);
    expect(decide("arn:aws:s3:::home/bob/a")).toBe(false);
    expect(decide("arn:aws:s3:::ids/AIDAEXAMPLE/a")).toBe(true);
    expect(decide("arn:aws:s3:::teams/orders/a")).toBe(true);
    expect(decide("arn:aws:s3:::teams/payroll/a")).toBe(false);
    expect(decide("arn:aws:s3:::accounts/111122223333-eu-west-1/a")).toBe(true);
    expect(decide("arn:aws:s3:::accounts/111122223333-us-east-1/a")).toBe(false);
  });

  it("uses default values and matches nothing for unresolvable variables", async () => {
    const policy = await load([
      doc({
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: [
          "arn:aws:s3:::home/${aws:username}/*",
          "arn:aws:s3:::units/${aws:PrincipalTag/unit, 'shared'}/*",
        ],
      }),
    ]);
    const anonymous: PrincipalInfo = {};
    expect(policy.evaluate(input("arn:aws:s3:::home//a", anonymous)).allow).toBe(false);
    expect(policy.evaluate(input("arn:aws:s3:::home/${aws:username}/a", anonymous)).allow).toBe(
      false,
    );
    // The default stands in for a tag known to be absent, not for tags nobody gave.
    const untagged: PrincipalInfo = { tags: {} };
    expect(policy.evaluate(input("arn:aws:s3:::units/shared/a", untagged)).allow).toBe(true);
    expect(policy.evaluate(input("arn:aws:s3:::units/shared/a", anonymous)).allow).toBe(false);
  });

  it("a missing region fills nothing rather than an empty string", async () => {
    const policy = await load([
      doc({
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::logs-${aws:RequestedRegion}",
      }),
    ]);
    expect(policy.evaluate({ requests: [req("s3:GetObject", "arn:aws:s3:::logs-")] }).allow).toBe(
      false,
    );
    expect(
      policy.evaluate({
        region: "eu-west-1",
        requests: [req("s3:GetObject", "arn:aws:s3:::logs-eu-west-1")],
      }).allow,
    ).toBe(true);
  });

  it("fills variables in condition values", async () => {
    const policy = await load([
      doc({
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: "arn:aws:s3:::home",
        Condition: {
          StringLike: { "s3:prefix": ["${aws:username}/*", "shared/${aws:PrincipalTag/team}/*"] },
          StringEquals: { "s3:ResourceAccount": "${aws:PrincipalAccount}" },
        },
      }),
    ]);
    const list = (prefix: string) =>
      policy.evaluate({
        principal: alice,
        requests: [
          req("s3:ListBucket", "arn:aws:s3:::home", {
            "s3:prefix": prefix,
            "s3:ResourceAccount": "111122223333",
          }),
        ],
      }).allow;
    expect([
      list("alice/docs"),
      list("shared/orders/x"),
      list("bob/docs"),
      list("shared/payroll/x"),
    ]).toEqual([true, true, false, false]);
  });

  it("treats variable values literally, never as wildcards", async () => {
    const policy = await load([
      doc({
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::home/${aws:username}",
      }),
    ]);
    const star = { ...alice, username: "*" };
    expect(policy.evaluate(input("arn:aws:s3:::home/*", star)).allow).toBe(true);
    expect(policy.evaluate(input("arn:aws:s3:::home/alice", star)).allow).toBe(false);
  });

  it("reads ${…} literally in documents older than Version 2012-10-17", async () => {
    for (const Version of [undefined, "2008-10-17"] as const) {
      const statement: PolicyStatement = {
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::home/${aws:username}/*",
      };
      const policy = await loadPolicy({
        iam: [{ ...(Version ? { Version } : {}), Statement: statement }],
        checkActions: false,
      });
      expect(policy.evaluate(input("arn:aws:s3:::home/alice/a")).allow).toBe(false);
      expect(policy.evaluate(input("arn:aws:s3:::home/${aws:username}/a")).allow).toBe(true);
    }
  });
});

describe("evaluate: wildcards and line breaks", () => {
  it("a deny's * covers resource names with line breaks", async () => {
    const policy = await load([
      doc(
        { Effect: "Allow", Action: "s3:*", Resource: "*" },
        { Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::orders/secret/*" },
      ),
      doc({
        Effect: "Deny",
        Action: "s3:*",
        Resource: "*",
        Condition: { StringLike: { "s3:prefix": ["tmp/*/x", "*"] } },
      }),
    ]);
    expect(
      allows(policy, [
        req("s3:GetObject", "arn:aws:s3:::orders/secret/a\nb"),
        req("s3:GetObject", "arn:aws:s3:::orders/a\nb"),
      ]),
    ).toEqual([false, true]);
    expect(
      allows(policy, [req("s3:ListBucket", "arn:aws:s3:::orders", { "s3:prefix": "line\nbreak" })]),
    ).toEqual([false]);
  });
});

describe("evaluate: malformed input never throws", () => {
  const policyPromise = load([doc({ Effect: "Allow", Action: "*", Resource: "*" })]);

  const cases: Array<[string, unknown, RegExp]> = [
    ["undefined", undefined, /not an object/],
    ["null", null, /not an object/],
    ["a string", "s3:GetObject", /not an object/],
    ["no requests", {}, /no requests/],
    ["an empty request list", { requests: [] }, /no requests/],
    ["requests that are not a list", { requests: { action: "s3:GetObject" } }, /no requests/],
    ["a null request", { requests: [null] }, /requests\[0\] is not an object/],
    [
      "an action without a service",
      { requests: [{ action: "GetObject", resource: "*" }] },
      /requests\[0\]\.action/,
    ],
    ["a numeric action", { requests: [{ action: 5, resource: "*" }] }, /requests\[0\]\.action/],
    ["a missing resource", { requests: [{ action: "s3:GetObject" }] }, /requests\[0\]\.resource/],
    [
      "an empty resource",
      { requests: [{ action: "s3:GetObject", resource: "" }] },
      /requests\[0\]\.resource/,
    ],
    [
      "a context that is not an object",
      { requests: [{ action: "s3:GetObject", resource: "*", context: "x" }] },
      /context/,
    ],
  ];

  it.each(cases)("denies %s with a reason", async (_, input, reason) => {
    const policy = await policyPromise;
    const d = policy.evaluate(input as EvaluationInput);
    expect(d.allow).toBe(false);
    for (const r of d.requests) {
      expect(r.allow).toBe(false);
      expect(r.reason).toMatch(/^cannot evaluate: /);
      expect(r.reason).toMatch(reason);
    }
  });

  it("denies every request when one is malformed", async () => {
    const policy = await policyPromise;
    const d = policy.evaluate({
      requests: [req("s3:GetObject", "*"), { action: "bad", resource: "*" }],
    });
    expect(d.allow).toBe(false);
    expect(d.requests.map((r) => [r.action, r.allow])).toEqual([
      ["s3:GetObject", false],
      ["bad", false],
    ]);
    expect(d.requests[0]?.reason).toMatch(/requests\[1\]\.action must be "service:Action"/);
  });

  it("denies input that cannot be serialized: BigInt and circular values", async () => {
    const policy = await policyPromise;
    const big = policy.evaluate({
      requests: [
        { action: "s3:GetObject", resource: "*", context: { "k:n": 1n as unknown as number } },
      ],
    });
    expect(big.allow).toBe(false);
    expect(big.requests[0]?.reason).toMatch(/^cannot evaluate: the input cannot be serialized/);
    const context: Record<string, unknown> = {};
    context.self = context;
    const circular = policy.evaluate({
      requests: [{ action: "s3:GetObject", resource: "*", context: context as never }],
    });
    expect(circular.allow).toBe(false);
    expect(circular.requests[0]?.reason).toMatch(/cannot be serialized/);
  });

  it("denies input whose properties throw when read", async () => {
    const policy = await policyPromise;
    const hostile = {
      get requests(): never {
        throw new Error("no access");
      },
    };
    let d: ReturnType<Policy["evaluate"]> | undefined;
    expect(() => {
      d = policy.evaluate(hostile as unknown as EvaluationInput);
    }).not.toThrow();
    expect(d?.allow).toBe(false);
    const request = {
      resource: "*",
      get action(): never {
        throw new Error("no access");
      },
    };
    expect(policy.evaluate({ requests: [request as unknown as AuthorizationRequest] }).allow).toBe(
      false,
    );
  });

  it("denies a context that names a key twice in different cases", async () => {
    const policy = await policyPromise;
    const d = policy.evaluate({
      requests: [
        req("s3:GetObject", "*"),
        req("s3:GetObject", "*", { "aws:SourceIp": "10.0.0.1", "AWS:SOURCEIP": "192.0.2.1" }),
      ],
    });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toBe(
      'cannot evaluate: requests[1].context has the key "AWS:SOURCEIP" twice (keys are case-insensitive)',
    );
  });

  it("denies principal tags that name a key twice in different cases", async () => {
    const policy = await policyPromise;
    const d = policy.evaluate({
      principal: { tags: { team: "a", Team: "b" } },
      requests: [req("s3:GetObject", "*")],
    });
    expect(d.requests[0]?.reason).toBe(
      'cannot evaluate: principal.tags has the key "Team" twice (tag keys are case-insensitive)',
    );
  });

  it("ignores context values of unexpected types without allowing by accident", async () => {
    const policy = await load([
      doc({
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { StringEquals: { "k:a": "x" } },
      }),
    ]);
    const d = policy.evaluate({
      requests: [
        req("s3:GetObject", "*", { "k:a": { nested: "x" } as never }),
        req("s3:GetObject", "*", { "k:a": null as never }),
        req("s3:GetObject", "*", { "k:a": ["y", "x"] }),
      ],
    });
    expect(d.requests.map((r) => r.allow)).toEqual([false, false, true]);
  });
});

describe("evaluate: decision cache", () => {
  const statements = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" });
  const input = {
    requests: [req("s3:GetObject", "arn:aws:s3:::a/b"), req("s3:PutObject", "arn:aws:s3:::a/b")],
  };

  it("returns equal decisions for equal input, and they cannot be changed", async () => {
    const policy = await load([statements]);
    const first = policy.evaluate(input);
    const second = policy.evaluate(structuredClone(input));
    expect(second).toEqual(first);
    // One entry per request: decisions are reused request by request.
    expect(policy.stats().cacheEntries).toBe(2);
    expect(Object.isFrozen(second)).toBe(true);
    expect(Object.isFrozen(second.requests[0])).toBe(true);
    expect(Object.isFrozen(second.requests[0]?.matched)).toBe(true);
    expect(() => {
      (second as { allow: boolean }).allow = true;
    }).toThrow(TypeError);
    const request = second.requests[0]!;
    expect(() => (request.matched as unknown[]).push({})).toThrow(TypeError);
    expect(() => (request.customDenies as string[]).push("x")).toThrow(TypeError);
    expect(policy.evaluate(input)).toEqual(first);
  });

  it("hands out a condition failure's statement and values frozen, so no caller can change them for the next", async () => {
    const policy = await load([
      doc({
        Sid: "OnlyTls",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { StringEquals: { "k:a": ["x", "y"] } },
      }),
    ]);
    const call = () => policy.evaluate({ requests: [req("s3:GetObject", "*", { "k:a": ["z"] })] });
    call();
    const failure = call().requests[0]?.conditionFailures?.[0];
    expect(failure?.statement.sid).toBe("OnlyTls");
    expect(() => {
      (failure!.statement as { sid?: string }).sid = "FORGED";
    }).toThrow(TypeError);
    expect(() => (failure!.seen as string[]).push("x")).toThrow(TypeError);
    expect(call().requests[0]?.conditionFailures?.[0]?.statement.sid).toBe("OnlyTls");
  });

  it("reads no request's text or decision from an index added to Array.prototype", async () => {
    const policy = await load([
      doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::orders/*" }),
    ]);
    const denied = { requests: [req("s3:DeleteObject", "arn:aws:s3:::secret/y")] };
    const added = Array.prototype as unknown as Record<string, unknown>;
    // Kept as text: pushing onto an empty list would itself meet the added index.
    let decisions = "";
    for (const index of [
      { value: '{"action":"s3:GetObject","resource":"arn:aws:s3:::orders/x"}', writable: true },
      {
        get() {
          delete added["0"];
          return '{"action":"s3:GetObject","resource":"arn:aws:s3:::orders/x"}';
        },
      },
    ]) {
      Object.defineProperty(Array.prototype, "0", { ...index, configurable: true });
      try {
        decisions += `${policy.evaluate(denied).allow} `;
      } finally {
        delete added["0"];
      }
      decisions += `${policy.evaluate(denied).allow} `;
    }
    expect(decisions).toBe("false false false false ");
  });

  it("gives a caller's later changes to its input no effect on cached decisions", async () => {
    const policy = await load([statements]);
    const mutable = structuredClone(input);
    const before = policy.evaluate(mutable);
    (mutable.requests[0] as { action: string }).action = "s3:DeleteObject";
    expect(policy.evaluate(mutable).allow).toBe(false);
    expect(policy.evaluate(structuredClone(input))).toEqual(before);
  });

  it("evicts the least recently used decision beyond maxEntries", async () => {
    const policy = await loadPolicy({
      iam: [statements],
      cache: { maxEntries: 2 },
      checkActions: false,
    });
    for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"])
      policy.evaluate({ requests: [req(action, "arn:aws:s3:::x/a")] });
    expect(policy.stats().cacheEntries).toBe(2);
  });

  it("reuses one decision for objects the documents cannot tell apart", async () => {
    const policy = await load([statements]);
    for (const key of ["a", "b", "c", "d"]) {
      const d = policy.evaluate({ requests: [req("s3:GetObject", `arn:aws:s3:::x/${key}`)] });
      expect(d.requests[0]?.resource).toBe(`arn:aws:s3:::x/${key}`);
    }
    expect(policy.stats()).toMatchObject({
      cacheEntries: 1,
      reusedDecisions: 3,
      decisionReuse: "by-equivalence",
    });
  });

  it("works with cache: false", async () => {
    const policy = await loadPolicy({ iam: [statements], cache: false, checkActions: false });
    const first = policy.evaluate(input);
    const second = policy.evaluate(input);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(first.requests.map((r) => r.allow)).toEqual([true, false]);
    expect(policy.stats().cacheEntries).toBe(0);
  });

  it("does not cache denials for malformed input", async () => {
    const policy = await load([statements]);
    policy.evaluate({ requests: [] });
    expect(policy.stats().cacheEntries).toBe(0);
  });
});

describe("evaluate: the statement index", () => {
  const services = ["s3", "ec2", "sqs", "sns", "dynamodb", "lambda", "kms", "logs", "iam", "sts"];
  const verbs = [
    "Get",
    "Put",
    "Delete",
    "List",
    "Describe",
    "Create",
    "Update",
    "Tag",
    "Untag",
    "Start",
  ];

  /** 10,000 statements: each allows one action of one service on one numbered resource. */
  function manyStatements(): PolicyDocument[] {
    const documents: PolicyDocument[] = [];
    for (let d = 0; d < 10; d++) {
      const statements: PolicyStatement[] = [];
      for (let i = 0; i < 1000; i++) {
        const n = d * 1000 + i;
        const service = services[n % services.length] as string;
        const verb = verbs[Math.floor(n / services.length) % verbs.length] as string;
        statements.push({
          Sid: `S${n}`,
          Effect: "Allow",
          Action: n % 7 === 0 ? `${service}:${verb}*` : `${service}:${verb}Thing${n % 13}`,
          Resource: `arn:aws:${service}:eu-west-1:111122223333:thing/${n}`,
        });
      }
      documents.push(doc(...statements));
    }
    return documents;
  }

  it("decides correctly among 10,000 statements and consults only the request's service", async () => {
    const documents = manyStatements();
    documents.push(
      doc(
        {
          Sid: "Everything",
          Effect: "Deny",
          NotAction: "s3:*",
          Resource: "arn:aws:ec2:eu-west-1:111122223333:thing/blocked",
        },
        {
          Sid: "AnyAction",
          Effect: "Allow",
          Action: "*",
          Resource: "arn:aws:logs:eu-west-1:111122223333:thing/shared",
        },
      ),
    );
    const policy = await load(documents);
    expect(policy.statementCount).toBe(10_002);

    // Statement 1 of doc0: n = 1 → ec2:GetThing1 on thing/1.
    const hit = policy.evaluate({
      requests: [req("ec2:GetThing1", "arn:aws:ec2:eu-west-1:111122223333:thing/1")],
    });
    expect(hit.requests[0]?.allow).toBe(true);
    expect(hit.requests[0]?.matched).toEqual([
      { document: "doc0.json", statementIndex: 1, sid: "S1", effect: "Allow" },
    ]);

    // n = 7 (a wildcard statement): sts… no: 7 % 10 = 7 → logs:Get* on thing/7.
    const wildcard = policy.evaluate({
      requests: [req("logs:GetLogEvents", "arn:aws:logs:eu-west-1:111122223333:thing/7")],
    });
    expect(wildcard.requests[0]?.reason).toBe("allowed by doc0.json statement 7 (S7)");

    // The right action on another statement's resource is not allowed.
    const miss = policy.evaluate({
      requests: [req("ec2:GetThing1", "arn:aws:ec2:eu-west-1:111122223333:thing/2")],
    });
    expect(miss.requests[0]?.allow).toBe(false);
    expect(miss.requests[0]?.matched).toEqual([]);

    // NotAction and Action "*" statements apply to every action, whatever its service.
    const blocked = policy.evaluate({
      requests: [req("ec2:GetThing1", "arn:aws:ec2:eu-west-1:111122223333:thing/blocked")],
    });
    expect(blocked.requests[0]?.reason).toBe(
      "explicitly denied by doc10.json statement 0 (Everything)",
    );
    const shared = policy.evaluate({
      requests: [
        req("logs:PutLogEvents", "arn:aws:logs:eu-west-1:111122223333:thing/shared"),
        req("unknownservice:DoThing", "arn:aws:logs:eu-west-1:111122223333:thing/shared"),
      ],
    });
    expect(shared.requests.map((r) => r.reason)).toEqual([
      "allowed by doc10.json statement 1 (AnyAction)",
      "allowed by doc10.json statement 1 (AnyAction)",
    ]);
  });

  it("a statement matching one action through several patterns is reported once", async () => {
    const policy = await load([
      doc(
        { Effect: "Allow", Action: ["s3:GetObject", "s3:Get*", "*:GetObject"], Resource: "*" },
        { Effect: "Allow", Action: ["s3:GetObject", "s3:List*"], Resource: "*" },
      ),
    ]);
    const d = policy.evaluate({ requests: [req("s3:GetObject", "*")] });
    expect(d.requests[0]?.matched.map((m) => m.statementIndex).sort()).toEqual([0, 1]);
    expect(d.requests[0]?.reason.match(/statement 0/g)).toHaveLength(1);
  });

  it("a statement naming actions of several services is found from each", async () => {
    const policy = await load([
      doc({ Effect: "Allow", Action: ["s3:GetObject", "sqs:Send*", "*:Describe*"], Resource: "*" }),
    ]);
    expect(
      allows(policy, [
        req("s3:GetObject", "*"),
        req("sqs:SendMessage", "*"),
        req("ec2:DescribeInstances", "*"),
        req("sns:Publish", "*"),
      ]),
    ).toEqual([true, true, true, false]);
  });
});
