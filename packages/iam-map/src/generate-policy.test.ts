import { describe, expect, it } from "vitest";
import { IamMapError } from "./errors.js";
import { generatePolicy } from "./generate-policy.js";

const records = [
  { action: "s3:getobject", resource: "arn:aws:s3:::reports/2024/q1.csv" },
  { action: "s3:GetObject", resource: "arn:aws:s3:::reports/2024/q2.csv" },
  { action: "s3:ListBucket", resource: "arn:aws:s3:::reports", context: { "s3:prefix": "2024/" } },
  { action: "dynamodb:GetItem", resource: "arn:aws:dynamodb:us-east-1:1:table/orders" },
  { action: "dynamodb:PutItem", resource: "arn:aws:dynamodb:us-east-1:1:table/orders" },
  { action: "dynamodb:Query", resource: "arn:aws:dynamodb:us-east-1:1:table/orders/index/a" },
  { action: "dynamodb:Query", resource: "arn:aws:dynamodb:us-east-1:1:table/orders/index/b" },
  { action: "dynamodb:Query", resource: "arn:aws:dynamodb:us-east-1:1:table/users" },
  {
    action: "secretsmanager:GetSecretValue",
    resource: "arn:aws:secretsmanager:us-east-1:1:secret:db-*",
    resourceParts: [
      "arn:aws:secretsmanager:us-east-1:1:secret:db-",
      { unknown: "secret ARN suffix (6 random characters)", length: 6 },
    ],
  },
  { action: "ec2:DescribeInstances", resource: "*" },
];

describe("generatePolicy", () => {
  it("lists exact resources by default, grouped by service and resource set, in IAM casing", async () => {
    const policy = await generatePolicy(records);
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Dynamodb",
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:PutItem"],
          Resource: ["arn:aws:dynamodb:us-east-1:1:table/orders"],
        },
        {
          Sid: "Dynamodb2",
          Effect: "Allow",
          Action: ["dynamodb:Query"],
          Resource: [
            "arn:aws:dynamodb:us-east-1:1:table/orders/index/a",
            "arn:aws:dynamodb:us-east-1:1:table/orders/index/b",
            "arn:aws:dynamodb:us-east-1:1:table/users",
          ],
        },
        { Sid: "Ec2", Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: ["*"] },
        {
          Sid: "S3",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: ["arn:aws:s3:::reports/2024/q1.csv", "arn:aws:s3:::reports/2024/q2.csv"],
        },
        {
          Sid: "S3",
          Effect: "Allow",
          Action: ["s3:ListBucket"],
          Resource: ["arn:aws:s3:::reports"],
        },
        {
          Sid: "SecretsmanagerUnknownParts",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: ["arn:aws:secretsmanager:us-east-1:1:secret:db-??????"],
        },
      ].map((s, i, all) =>
        s.Sid === "S3" && all.slice(0, i).some((p) => p.Sid === "S3") ? { ...s, Sid: "S32" } : s,
      ),
    });
  });

  it("collapses shared paths only when asked, never flat names", async () => {
    const policy = await generatePolicy(records, { generalize: "resource-names" });
    const byAction = Object.fromEntries(
      policy.Statement.flatMap((s) => s.Action.map((a) => [a, s.Resource])),
    );
    expect(byAction["s3:GetObject"]).toEqual(["arn:aws:s3:::reports/2024/*"]);
    expect(byAction["dynamodb:Query"]).toEqual([
      "arn:aws:dynamodb:us-east-1:1:table/orders/index/*",
      "arn:aws:dynamodb:us-east-1:1:table/users",
    ]);
    const flat = await generatePolicy(
      [
        { action: "dynamodb:GetItem", resource: "arn:aws:dynamodb:us-east-1:1:table/a" },
        { action: "dynamodb:GetItem", resource: "arn:aws:dynamodb:us-east-1:1:table/b" },
      ],
      { generalize: "resource-names" },
    );
    expect(flat.Statement[0]?.Resource).toEqual([
      "arn:aws:dynamodb:us-east-1:1:table/a",
      "arn:aws:dynamodb:us-east-1:1:table/b",
    ]);
    const keys = await generatePolicy(
      [
        { action: "s3:PutObject", resource: "arn:aws:s3:::b/x.txt" },
        { action: "s3:PutObject", resource: "arn:aws:s3:::b/y.txt" },
      ],
      { generalize: "resource-names" },
    );
    expect(keys.Statement[0]?.Resource).toEqual(["arn:aws:s3:::b/*"]);
  });

  it("is deterministic whatever the record order", async () => {
    const a = await generatePolicy(records);
    const b = await generatePolicy([...records].reverse());
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it("never emits wildcard actions and rejects malformed records", async () => {
    await expect(generatePolicy([{ action: "s3:*", resource: "*" }])).rejects.toBeInstanceOf(
      IamMapError,
    );
    await expect(generatePolicy([{ action: "GetObject", resource: "*" }])).rejects.toMatchObject({
      code: "INVALID_RECORD",
    });
    // @ts-expect-error deliberately wrong
    await expect(generatePolicy([null])).rejects.toMatchObject({ name: "IamMapError" });
  });

  it("gives an empty policy for no records", async () => {
    expect(await generatePolicy([])).toEqual({ Version: "2012-10-17", Statement: [] });
  });

  it("never writes a wildcard where the name was known: `*`, `?` and `$` in names match only themselves (IAM User Guide, 'IAM policy elements: Variables and tags', special characters)", async () => {
    const policy = await generatePolicy([
      {
        action: "sqs:SendMessage",
        resource: "arn:aws:sqs:us-east-1:1:a*b?c",
        resourceParts: ["arn:aws:sqs:us-east-1:1:a*b?c"],
      },
      { action: "ec2:DescribeInstances", resource: "*" },
    ]);
    expect(policy.Statement.map((s) => s.Resource)).toEqual([
      ["*"],
      ["arn:aws:sqs:us-east-1:1:a${*}b${?}c"],
    ]);
  });

  it("says where a part was unknown: a Sid ending in UnknownParts and a warning line; an IAM path never swallows the name (IAM User Guide, 'IAM identifiers': a path is / or /a/b/)", async () => {
    const warnings: string[] = [];
    const policy = await generatePolicy(
      [
        { action: "iam:CreateAccessKey", resource: "arn:aws:iam::1:user/bob" },
        {
          action: "iam:CreateAccessKey",
          resource: "arn:aws:iam::1:user/*admin",
          resourceParts: ["arn:aws:iam::1:user/", { unknown: "IAM user path" }, "admin"],
        },
      ],
      { onWarning: (w) => warnings.push(w) },
    );
    // `user/*admin` would also allow `user/superadmin`; the name is known, so only paths vary.
    expect(policy.Statement).toEqual([
      {
        Sid: "Iam",
        Effect: "Allow",
        Action: ["iam:CreateAccessKey"],
        Resource: ["arn:aws:iam::1:user/bob"],
      },
      {
        Sid: "IamUnknownParts",
        Effect: "Allow",
        Action: ["iam:CreateAccessKey"],
        Resource: ["arn:aws:iam::1:user/*/admin", "arn:aws:iam::1:user/admin"],
      },
    ]);
    expect(warnings).toEqual([
      "iam:CreateAccessKey on arn:aws:iam::1:user/admin and arn:aws:iam::1:user/*/admin: unknown before the call (IAM user path); the policy allows any value there",
    ]);
  });

  it("an unknown part of known length is one ? per character, never * (Secrets Manager User Guide, 'Permissions policy examples': secret ARNs end in -??????)", async () => {
    // `secret:db-*` would also allow `db-admin-AbC123`, another secret; `db-??????` does not.
    const warnings: string[] = [];
    const policy = await generatePolicy(
      [
        {
          action: "secretsmanager:GetSecretValue",
          resource: "arn:aws:secretsmanager:us-east-1:1:secret:db-*",
          resourceParts: [
            "arn:aws:secretsmanager:us-east-1:1:secret:db-",
            { unknown: "secret ARN suffix (6 random characters)", length: 6 },
          ],
        },
      ],
      { onWarning: (w) => warnings.push(w) },
    );
    expect(policy.Statement[0]?.Resource).toEqual([
      "arn:aws:secretsmanager:us-east-1:1:secret:db-??????",
    ]);
    expect(policy.Statement[0]?.Sid).toBe("SecretsmanagerUnknownParts");
    expect(warnings[0]).toContain("(secret ARN suffix (6 random characters))");
  });

  it("a record from an older log whose resource holds * or ? is flagged as possibly unknown", async () => {
    const warnings: string[] = [];
    const policy = await generatePolicy(
      [{ action: "iam:GetUser", resource: "arn:aws:iam::1:user/*" }],
      { onWarning: (w) => warnings.push(w) },
    );
    expect(policy.Statement[0]?.Sid).toBe("IamUnknownParts");
    expect(warnings).toHaveLength(1);
  });
});

describe("generatePolicy while Object.prototype has members added", () => {
  it("refuses, rather than let a member there stand in for an option or a record's", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    const records = [
      { action: "s3:GetObject", resource: "arn:aws:s3:::reports/2024/a.csv" },
      { action: "s3:GetObject", resource: "arn:aws:s3:::reports/2024/b.csv" },
    ];
    // Added while the first record's action is looked up, after the check on entry.
    queueMicrotask(() => {
      proto["generalize"] = "resource-names";
    });
    try {
      await expect(generatePolicy(records)).rejects.toMatchObject({
        name: "IamMapError",
        code: "PROTOTYPE_CHANGED",
      });
    } finally {
      delete proto["generalize"];
    }
    const clean = await generatePolicy(records);
    expect(clean.Statement[0]?.Resource).toEqual([
      "arn:aws:s3:::reports/2024/a.csv",
      "arn:aws:s3:::reports/2024/b.csv",
    ]);
  });
});

describe("generatePolicy and the caller's own code", () => {
  it("a member added by the records' iterator after its last record is refused", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    function* records() {
      yield { action: "s3:GetObject", resource: "arn:aws:s3:::bank/reports/q1.csv" };
      yield { action: "s3:GetObject", resource: "arn:aws:s3:::bank/reports/q2.csv" };
      proto["generalize"] = "resource-names";
    }
    try {
      await expect(generatePolicy(records())).rejects.toMatchObject({ code: "PROTOTYPE_CHANGED" });
    } finally {
      delete proto["generalize"];
    }
  });
});
