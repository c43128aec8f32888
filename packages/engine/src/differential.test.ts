// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` here are IAM policy variables.
/**
 * Differential test: every decision of the WebAssembly engine must equal the decision
 * `opa eval` computes from the same Rego library and the same compiled documents. The
 * requests are pseudo-random but seeded, so a failure reproduces; set KEYCARD_DIFF_SEED
 * to explore other seeds.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SourceDocument } from "./compile.js";
import {
  type AuthorizationRequest,
  type ContextValue,
  compilePolicyData,
  type Decision,
  type EvaluationInput,
  loadPolicy,
  type PolicyDocument,
  type PolicyStatement,
  type PrincipalInfo,
} from "./index.js";
import { wasmInput } from "./partial-requests.js";
import { inputNeeds, prepareSnapshot, snapshotInput } from "./request-snapshot.js";
import { buildBundle, libraryDir, makeTempDir, runOpa } from "./test-utils/opa.js";
import { Picker } from "./test-utils/picker.js";

const SEED = Number(process.env.KEYCARD_DIFF_SEED ?? 20261123);
const V = "2012-10-17";

// --- pools ---------------------------------------------------------------------------

const principals: Array<PrincipalInfo | undefined> = [
  {
    arn: "arn:aws:iam::111122223333:user/alice",
    accountId: "111122223333",
    userId: "AIDAALICE",
    username: "alice",
    type: "User",
    tags: { team: "orders", Level: "5", "cost-center": "cc-1" },
  },
  {
    arn: "arn:aws:iam::111122223333:user/bob.smith",
    accountId: "111122223333",
    userId: "AIDABOB",
    username: "bob.smith",
    tags: { team: "payroll" },
  },
  {
    arn: "arn:aws:sts::444455556666:assumed-role/deploy/ci",
    accountId: "444455556666",
    userId: "AROADEPLOY:ci",
    type: "AssumedRole",
  },
  { username: "*", tags: { team: "*" } },
  {},
  undefined,
];

const regions = ["eu-west-1", "us-east-1", "eu-central-1", undefined];

const actions = [
  "s3:GetObject",
  "S3:GETOBJECT",
  "s3:GetObjectAcl",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:ListBucket",
  "s3:ListAllMyBuckets",
  "ec2:RunInstances",
  "ec2:TerminateInstances",
  "ec2:StopInstances",
  "ec2:DescribeInstances",
  "iam:CreateUser",
  "iam:PassRole",
  "sqs:SendMessage",
  "sqs:DeleteQueue",
  "dynamodb:GetItem",
  "dynamodb:DeleteTable",
  "kms:Decrypt",
  "sts:AssumeRole",
  "execute-api:Invoke",
  "newservice:DoSomething",
];

const resources = [
  "*",
  "arn:aws:s3:::orders",
  "arn:aws:s3:::orders/a.json",
  "arn:aws:s3:::orders/incoming/01-x.json",
  "arn:aws:s3:::orders/incoming/1-x.json",
  "arn:aws:s3:::orders/secret/keys.txt",
  "arn:aws:s3:::orders/secret/line\nbreak",
  "arn:aws:s3:::Orders/a.json",
  "arn:aws:s3:::home/alice/notes.txt",
  "arn:aws:s3:::home/bob.smith/notes.txt",
  "arn:aws:s3:::home/bobxsmith/notes.txt",
  "arn:aws:s3:::home/*/notes.txt",
  "arn:aws:s3:::home//notes.txt",
  "arn:aws:s3:::teams/orders/plan.md",
  "arn:aws:s3:::teams/payroll/plan.md",
  "arn:aws:s3:::teams/shared/plan.md",
  "arn:aws:s3:::logs-eu-west-1/x",
  "arn:aws:s3:::logs-/x",
  "arn:aws:ec2:eu-west-1:111122223333:instance/i-dev123",
  "arn:aws:ec2:eu-west-1:111122223333:instance/i-prod9",
  "arn:aws:ec2:us-east-1:444455556666:instance/i-dev1",
  "arn:aws:iam::111122223333:user/alice",
  "arn:aws:iam::111122223333:role/app-web",
  "arn:aws:sqs:eu-west-1:111122223333:jobs",
  "arn:aws:sqs:eu-west-1:111122223333:admin-jobs",
  "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders",
  "arn:aws:dynamodb:eu-west-1:111122223333:table/OrdersArchive",
  "arn:aws:dynamodb:us-east-1:111122223333:table/Orders",
  "arn:aws:kms:eu-west-1:111122223333:key/1234",
];

/** Values by context key; `null` means the key is left out. */
const contextValues: Record<string, ReadonlyArray<ContextValue | null>> = {
  "aws:SourceIp": [
    "10.1.2.3",
    "192.0.2.10",
    "2001:db8::7",
    "2001:DB8:0:0::1",
    "::ffff:10.1.2.3",
    "::FFFF:c000:20a",
    "0:0:0:0:0:ffff:192.0.2.10",
    "fd00::1",
    "not-an-ip",
    "10.1.2.3/32",
    null,
  ],
  "aws:CurrentTime": [
    "2025-12-31T23:59:59Z",
    "2026-01-01T00:00:00Z",
    "2026-01-01T05:30:00+05:30",
    "2026-01-01T01:00:00+0100",
    "2026-06-15",
    "2026-06-15 12:00:00",
    "2026-01-01T00:00:00.5Z",
    "1767225600",
    "yesterday",
    null,
  ],
  "aws:EpochTime": [1767225599, 1767225600, "1767225601", 1767225600.5, "-1", null],
  "aws:SecureTransport": [true, false, "true", "FALSE", "yes", null],
  "aws:MultiFactorAuthPresent": [true, "false", null],
  "aws:MultiFactorAuthAge": [0, 59, 3600, "3601", " 42 ", "1e3", "4.20", "-0", "many", 1e21, null],
  "s3:max-keys": [1, 10, "10", "10.0", 100, "0x10", null],
  "s3:prefix": [
    "home/alice/",
    "home/bob.smith/x",
    "public/",
    "tmp/a/x",
    "shared/orders/q",
    "line\nbreak",
    "",
    "HOME/alice/",
    null,
  ],
  "s3:x-amz-acl": ["private", "public-read", "PRIVATE", null],
  "aws:TagKeys": [["env"], ["env", "owner"], ["env", "cost"], ["cost"], [], "owner", null],
  "aws:RequestTag/env": ["prod", "dev", "Prod", null],
  "aws:ResourceTag/team": ["orders", "payroll", null],
  "aws:PrincipalTag/team": ["orders", "payroll", null],
  "aws:SourceArn": [
    "arn:aws:sns:eu-west-1:111122223333:topic-a",
    "arn:aws:sns:eu-west-1:444455556666:topic-b",
    "arn:aws:sns:eu:west:111122223333:topic-a",
    "arn:aws:iam::111122223333:role/app-web",
    "arn:aws:iam::111122223333:role/admin",
    "not-an-arn",
    null,
  ],
  "aws:RequestedRegion": ["eu-west-1", "us-east-1", null],
  "aws:userid": ["AIDAALICE", "someone", null],
  "aws:TokenIssueTime": ["2026-01-01T00:00:00Z", null],
  "kms:EncryptionContext:app": ["orders", "ORDERS", null],
  "k:bin": ["QmluYXJ5", "qmluyxj5", null],
  "ec2:InstanceType": ["t3.micro", "m5.large", null],
};

function randomContext(pick: Picker): AuthorizationRequest["context"] | undefined {
  if (pick.chance(0.15)) return undefined;
  const context: Record<string, ContextValue> = {};
  for (const key of pick.some(Object.keys(contextValues), 1, 8)) {
    const value = pick.one(contextValues[key] ?? [null]);
    if (value === null) continue;
    // Keys are case-insensitive: send some in other casings.
    const spelled = pick.chance(0.2)
      ? key.toUpperCase()
      : pick.chance(0.1)
        ? key.toLowerCase()
        : key;
    // One spelling per key: a context naming a key twice is refused before evaluation.
    for (const other of Object.keys(context))
      if (other.toLowerCase() === key.toLowerCase()) delete context[other];
    context[spelled] = value;
  }
  return context;
}

function randomInputs(pick: Picker, count: number, perInput: number): EvaluationInput[] {
  return Array.from({ length: count }, () => {
    const principal = pick.one(principals);
    const region = pick.one(regions);
    const requests = Array.from({ length: 1 + pick.int(perInput) }, () => {
      const context = randomContext(pick);
      const request: AuthorizationRequest = {
        action: pick.one(actions),
        resource: pick.one(resources),
      };
      return context ? { ...request, context } : request;
    });
    return { ...(principal ? { principal } : {}), ...(region ? { region } : {}), requests };
  });
}

// --- policies --------------------------------------------------------------------------

interface Scenario {
  name: string;
  iam: PolicyDocument[];
  boundary?: PolicyDocument[];
  /** Custom Rego modules by file name: built into a bundle for wasm, loaded as-is by opa eval. */
  custom?: Record<string, string>;
}

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: V, Statement });

const statementsScenario: Scenario = {
  name: "actions and resources",
  iam: [
    doc(
      {
        Sid: "ReadOrders",
        Effect: "Allow",
        Action: ["s3:Get*", "s3:List*"],
        Resource: ["arn:aws:s3:::orders", "arn:aws:s3:::orders/*"],
      },
      {
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: "arn:aws:s3:::orders/incoming/??-*.json",
      },
      { Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::orders/secret/*" },
      { Effect: "Allow", NotAction: ["iam:*", "s3:*"], Resource: "*" },
      {
        Effect: "Deny",
        Action: ["ec2:Terminate*", "ec2:Stop?nstances"],
        NotResource: "arn:aws:ec2:*:111122223333:instance/i-dev*",
      },
      { Effect: "Allow", Action: "sqs:*", NotResource: "arn:aws:sqs:*:*:admin-*" },
      { Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" },
    ),
    doc(
      {
        Effect: "Allow",
        Action: "*",
        Resource: "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders*",
      },
      { Effect: "Deny", Action: "dynamodb:DeleteTable", Resource: "*" },
      {
        Effect: "Allow",
        Action: ["iam:PassRole", "*:Invoke"],
        Resource: ["arn:aws:iam::*:role/app-*", "*"],
      },
    ),
  ],
};

const conditionsScenario: Scenario = {
  name: "condition operators",
  iam: [
    doc(
      {
        Sid: "Network",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"] } },
      },
      {
        Sid: "NotNetwork",
        Effect: "Deny",
        Action: "s3:GetObjectAcl",
        Resource: "*",
        Condition: { NotIpAddress: { "aws:SourceIp": ["::ffff:192.0.2.0/120", "fd00::/8"] } },
      },
      {
        Sid: "Window",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: "*",
        Condition: {
          DateGreaterThanEquals: { "aws:CurrentTime": "2026-01-01T00:00:00Z" },
          DateLessThan: { "aws:CurrentTime": "2026-06-15T12:00:00+02:00" },
        },
      },
      {
        Sid: "Epoch",
        Effect: "Allow",
        Action: "s3:DeleteObject",
        Resource: "*",
        Condition: { DateEquals: { "aws:EpochTime": ["1767225600", "2026-01-01T00:00:00.5Z"] } },
      },
      {
        Sid: "NotDate",
        Effect: "Deny",
        Action: "s3:DeleteObject",
        Resource: "*",
        Condition: { DateNotEquals: { "aws:CurrentTime": "2026-01-01" } },
      },
      {
        Sid: "Numbers",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: "*",
        Condition: {
          NumericLessThanEquals: { "s3:max-keys": "10" },
          NumericGreaterThan: { "aws:MultiFactorAuthAge": -1 },
        },
      },
      {
        Sid: "NumberNot",
        Effect: "Deny",
        Action: "s3:ListBucket",
        Resource: "*",
        Condition: { NumericNotEquals: { "aws:MultiFactorAuthAge": [3600, 42] } },
      },
      {
        Sid: "Bools",
        Effect: "Allow",
        Action: "ec2:*",
        Resource: "*",
        Condition: {
          Bool: { "aws:SecureTransport": "true", "aws:MultiFactorAuthPresent": ["true", "false"] },
        },
      },
      {
        Sid: "NoMfa",
        Effect: "Deny",
        Action: "ec2:TerminateInstances",
        Resource: "*",
        Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
      },
      {
        Sid: "Strings",
        Effect: "Allow",
        Action: "sqs:*",
        Resource: "*",
        Condition: {
          StringEqualsIgnoreCase: { "s3:x-amz-acl": "Private" },
          StringNotEquals: { "aws:RequestTag/env": ["prod", "Prod"] },
        },
      },
      {
        Sid: "Likes",
        Effect: "Allow",
        Action: "s3:Get*",
        Resource: "*",
        Condition: { StringLike: { "s3:prefix": ["home/*", "tmp/?/*", "*break"] } },
      },
      {
        Sid: "NotLikes",
        Effect: "Deny",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { StringNotLikeIfExists: { "s3:prefix": ["home/*", "public/*", ""] } },
      },
      {
        Sid: "Arns",
        Effect: "Allow",
        Action: "sns:*",
        Resource: "*",
        Condition: { ArnLike: { "aws:SourceArn": "arn:aws:sns:*:111122223333:topic-?" } },
      },
      {
        Sid: "ArnEq",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: "*",
        Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:iam::*:role/app-*" } },
      },
      {
        Sid: "ArnNot",
        Effect: "Deny",
        Action: "iam:PassRole",
        Resource: "*",
        Condition: {
          ArnNotLike: { "aws:SourceArn": ["arn:aws:iam::111122223333:*", "arn:aws:sns:*"] },
        },
      },
      {
        Sid: "Binary",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { BinaryEquals: { "k:bin": "QmluYXJ5" } },
      },
      {
        Sid: "Nulls",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: "*",
        Condition: { Null: { "aws:TokenIssueTime": "true", "aws:SourceIp": "false" } },
      },
      {
        Sid: "AllTags",
        Effect: "Allow",
        Action: "dynamodb:*",
        Resource: "*",
        Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["env", "owner"] } },
      },
      {
        Sid: "AnyTag",
        Effect: "Deny",
        Action: "dynamodb:DeleteTable",
        Resource: "*",
        Condition: { "ForAnyValue:StringLike": { "aws:TagKeys": ["co*"] } },
      },
      {
        Sid: "AllNot",
        Effect: "Allow",
        Action: "execute-api:*",
        Resource: "*",
        Condition: { "ForAllValues:StringNotEquals": { "aws:TagKeys": "cost" } },
      },
      {
        Sid: "AnyNot",
        Effect: "Allow",
        Action: "kms:*",
        Resource: "*",
        Condition: { "ForAnyValue:StringNotEqualsIgnoreCase": { "aws:TagKeys": "ENV" } },
      },
      {
        Sid: "Exists",
        Effect: "Allow",
        Action: "ec2:RunInstances",
        Resource: "*",
        Condition: { StringEqualsIfExists: { "ec2:InstanceType": ["t3.micro"] } },
      },
      {
        Sid: "Context",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { StringEquals: { "kms:EncryptionContext:app": "orders" } },
      },
    ),
  ],
};

const variablesScenario: Scenario = {
  name: "policy variables",
  iam: [
    doc(
      {
        Effect: "Allow",
        Action: "s3:*",
        Resource: [
          "arn:aws:s3:::home/${aws:username}/*",
          "arn:aws:s3:::teams/${aws:PrincipalTag/team, 'shared'}/*",
        ],
      },
      {
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: "*",
        Condition: {
          StringLike: {
            "s3:prefix": ["home/${aws:username}/*", "shared/${aws:PrincipalTag/team}/*"],
          },
        },
      },
      {
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::logs-${aws:RequestedRegion}/*",
      },
      {
        Effect: "Allow",
        Action: "ec2:*",
        Resource: "arn:aws:ec2:${aws:RequestedRegion}:${aws:PrincipalAccount}:instance/*",
      },
      {
        Effect: "Allow",
        Action: "iam:*",
        Resource: "arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}",
      },
      {
        Effect: "Allow",
        Action: "sqs:*",
        Resource: "*",
        Condition: { StringEquals: { "aws:userid": "${aws:userid}" } },
      },
      {
        Effect: "Deny",
        Action: "sqs:DeleteQueue",
        Resource: "*",
        Condition: { StringNotEquals: { "aws:PrincipalTag/team": "${aws:PrincipalTag/Team}" } },
      },
      {
        Effect: "Allow",
        Action: "sns:*",
        Resource: "*",
        Condition: { ArnLike: { "aws:SourceArn": "arn:aws:*:*:${aws:PrincipalAccount}:*" } },
      },
      {
        Effect: "Allow",
        Action: "kms:*",
        Resource: "*",
        Condition: {
          StringEqualsIgnoreCase: {
            "kms:EncryptionContext:app": "${aws:PrincipalTag/team, 'none'}",
          },
        },
      },
      {
        Effect: "Deny",
        Action: "s3:DeleteObject",
        NotResource: "arn:aws:s3:::home/${aws:username}/*",
      },
      {
        Effect: "Allow",
        Action: "dynamodb:*",
        Resource: "arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/Level}${*}",
      },
    ),
    // Without Version 2012-10-17, ${…} is literal text.
    {
      Statement: [
        {
          Effect: "Allow",
          Action: "s3:PutObject",
          Resource: "arn:aws:s3:::home/${aws:username}/*",
        },
      ],
    } as PolicyDocument,
  ],
};

const boundaryScenario: Scenario = {
  name: "permissions boundary",
  iam: [
    doc(
      { Effect: "Allow", Action: "*", Resource: "*" },
      {
        Effect: "Deny",
        Action: "iam:*",
        Resource: "*",
        Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
      },
    ),
  ],
  boundary: [
    doc(
      { Effect: "Allow", Action: ["s3:*", "sqs:*", "ec2:Describe*"], Resource: "*" },
      {
        Effect: "Allow",
        Action: "ec2:*",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } },
      },
      { Effect: "Deny", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::orders/*" },
    ),
    doc({
      Effect: "Allow",
      Action: "dynamodb:Get*",
      Resource: "arn:aws:dynamodb:*:*:table/Orders",
    }),
  ],
};

const customScenario: Scenario = {
  name: "custom rules",
  iam: [
    doc(
      { Effect: "Allow", Action: ["s3:*", "sqs:*", "ec2:Describe*"], Resource: "*" },
      { Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::orders/secret/*" },
    ),
  ],
  boundary: [doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })],
  custom: {
    "guard.rego": `package keycard.custom.guard

deny contains "deletes need MFA" if {
	contains(lower(input.request.action), ":delete")
	not input.request.context["aws:MultiFactorAuthPresent"] == true
}

deny contains sprintf("%s may not write in %s", [object.get(input.principal, "username", "nobody"), input.region]) if {
	input.region == "us-east-1"
	startswith(lower(input.request.action), "s3:put")
}

deny contains "the IAM policies denied this" if input.iam.explicit_deny
`,
    "grants.rego": `package keycard.custom.grants

allow contains "team members read their team's keys" if {
	input.request.action == "kms:Decrypt"
	input.request.context["kms:EncryptionContext:app"] == input.principal.tags.team
}

allow contains "on-call may run instances" if {
	input.request.action == "ec2:RunInstances"
	not input.iam.allow
}
`,
  },
};

// Pools for randomly generated statements; every value is valid for its operator.
const actionPatterns = [
  "*",
  "s3:*",
  "s3:Get*",
  "s3:*Object",
  "s3:?etObject",
  "ec2:*Instances",
  "ec2:Describe*",
  "iam:*",
  "sqs:SendMessage",
  "*:Delete*",
  "dynamodb:GetItem",
  "kms:Decrypt",
];
const resourcePatterns = [
  "*",
  "arn:aws:s3:::orders/*",
  "arn:aws:s3:::orders",
  "arn:aws:s3:::orders/secret/*",
  "arn:aws:s3:::home/${aws:username}/*",
  "arn:aws:s3:::teams/${aws:PrincipalTag/team}/*",
  "arn:aws:ec2:*:111122223333:instance/i-dev*",
  "arn:aws:ec2:${aws:RequestedRegion}:*:instance/*",
  "arn:aws:*:eu-west-1:*:*",
  "arn:aws:s3:::*",
  "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders?rchive",
];
const conditionPool: Array<[string, string, ReadonlyArray<string | number | boolean>]> = [
  ["StringEquals", "s3:x-amz-acl", ["private", "public-read"]],
  ["StringNotEquals", "aws:RequestTag/env", ["prod"]],
  ["StringEqualsIgnoreCase", "aws:PrincipalTag/team", ["ORDERS", "payroll"]],
  ["StringLike", "s3:prefix", ["home/*", "${aws:username}*", "*"]],
  ["StringNotLike", "s3:prefix", ["tmp/*"]],
  ["NumericLessThan", "s3:max-keys", [10, "50"]],
  ["NumericGreaterThanEquals", "aws:MultiFactorAuthAge", [60]],
  ["DateLessThan", "aws:CurrentTime", ["2026-01-01T00:00:00Z", "2026-06-15"]],
  ["DateGreaterThan", "aws:EpochTime", [1767225600]],
  ["Bool", "aws:SecureTransport", ["true", false]],
  ["IpAddress", "aws:SourceIp", ["10.0.0.0/8", "2001:db8::/32"]],
  ["NotIpAddress", "aws:SourceIp", ["192.0.2.0/24"]],
  ["ArnLike", "aws:SourceArn", ["arn:aws:sns:*:111122223333:*", "arn:aws:iam::*:role/*"]],
  ["Null", "aws:TokenIssueTime", ["true", "false"]],
  ["ForAllValues:StringEquals", "aws:TagKeys", ["env", "owner"]],
  ["ForAnyValue:StringEquals", "aws:TagKeys", ["cost"]],
  ["StringEqualsIfExists", "ec2:InstanceType", ["t3.micro"]],
  ["NumericEqualsIfExists", "s3:max-keys", [10]],
];

function randomScenario(pick: Picker, index: number): Scenario {
  const statements = Array.from({ length: 4 + pick.int(12) }, (): PolicyStatement => {
    const statement: PolicyStatement = { Effect: pick.chance(0.3) ? "Deny" : "Allow" };
    if (pick.chance(0.2)) statement.NotAction = pick.some(actionPatterns, 1, 2);
    else statement.Action = pick.some(actionPatterns, 1, 3);
    if (pick.chance(0.15)) statement.NotResource = pick.some(resourcePatterns, 1, 2);
    else statement.Resource = pick.some(resourcePatterns, 1, 3);
    if (pick.chance(0.6)) {
      const condition: Record<string, Record<string, ContextValue>> = {};
      for (const [operator, key, values] of pick.some(conditionPool, 1, 3)) {
        const chosen = pick.some(values, 1, 2);
        condition[operator] = {
          ...condition[operator],
          [key]: chosen.length === 1 ? (chosen[0] as string) : (chosen as string[]),
        };
      }
      statement.Condition = condition;
    }
    return statement;
  });
  const iam = [
    doc(...statements.slice(0, Math.ceil(statements.length / 2))),
    doc(...statements.slice(Math.ceil(statements.length / 2))),
  ];
  const boundary = pick.chance(0.5)
    ? [doc({ Effect: "Allow", Action: pick.some(actionPatterns, 1, 4), Resource: "*" })]
    : undefined;
  return { name: `random policy ${index}`, iam, ...(boundary ? { boundary } : {}) };
}

// --- running both engines --------------------------------------------------------------

const temp = makeTempDir("keycard-differential-");
afterAll(temp.cleanup);

function sources(scenario: Scenario): SourceDocument[] {
  return [
    ...scenario.iam.map((document, i) => ({ name: `iam${i}.json`, document, boundary: false })),
    ...(scenario.boundary ?? []).map((document, i) => ({
      name: `boundary${i}.json`,
      document,
      boundary: true,
    })),
  ];
}

/**
 * The input as `evaluate` hands it to the library: IP addresses respelled and values that are
 * no address made unknown (`request-snapshot.ts`), unknowns in the library's fields.
 */
function prepared(scenario: Scenario): (input: EvaluationInput) => EvaluationInput {
  const needs = inputNeeds(compilePolicyData(sources(scenario)));
  return (input) => {
    const snapshot = snapshotInput(input);
    if (typeof snapshot === "string") throw new Error(snapshot);
    const problem = prepareSnapshot(snapshot, needs);
    if (problem) throw new Error(problem);
    const converted = wasmInput(snapshot);
    if (typeof converted === "string") throw new Error(converted);
    return converted;
  };
}

/** Decides every input with `opa eval` over the Rego sources, in one process. */
function opaDecisions(scenario: Scenario, inputs: EvaluationInput[], file: string): Decision[] {
  const customArgs: string[] = [];
  if (scenario.custom) {
    const dir = join(temp.dir, `${file}.custom`);
    mkdirSync(dir);
    for (const [name, text] of Object.entries(scenario.custom))
      writeFileSync(join(dir, name), text);
    customArgs.push("-d", dir);
  }
  const dataPath = join(temp.dir, `${file}.data.json`);
  const inputPath = join(temp.dir, `${file}.input.json`);
  writeFileSync(
    dataPath,
    JSON.stringify({ keycard: { policy: compilePolicyData(sources(scenario)) } }),
  );
  writeFileSync(inputPath, JSON.stringify({ batch: inputs }));
  const out = runOpa([
    "eval",
    "--format",
    "json",
    "--ignore",
    "*_test.rego",
    "-d",
    libraryDir,
    ...customArgs,
    "-d",
    dataPath,
    "-i",
    inputPath,
    "[d | some x in input.batch; d := data.keycard.authz.decision with input as x]",
  ]);
  const value = JSON.parse(out)?.result?.[0]?.expressions?.[0]?.value;
  if (!Array.isArray(value))
    throw new Error(`opa eval returned no decisions: ${out.slice(0, 500)}`);
  return value as Decision[];
}

async function compare(
  scenario: Scenario,
  inputs: EvaluationInput[],
  file: string,
): Promise<Decision[]> {
  let bundle: string | undefined;
  if (scenario.custom) {
    const dir = join(temp.dir, `${file}.bundle`);
    mkdirSync(dir);
    bundle = buildBundle(dir, { modules: scenario.custom });
  }
  const policy = await loadPolicy({
    ...(bundle ? { bundle } : {}),
    iam: scenario.iam.map((document, i) => ({ name: `iam${i}.json`, document })),
    boundary: (scenario.boundary ?? []).map((document, i) => ({
      name: `boundary${i}.json`,
      document,
    })),
    cache: false,
    checkActions: false,
  });
  const expected = opaDecisions(scenario, inputs.map(prepared(scenario)), file);
  expect(expected).toHaveLength(inputs.length);
  const mismatches: string[] = [];
  inputs.forEach((input, i) => {
    const actual = JSON.parse(JSON.stringify(policy.evaluate(input)));
    if (JSON.stringify(sortKeys(actual)) === JSON.stringify(sortKeys(expected[i]))) return;
    const { requests, ...env } = input;
    const differing = requests.flatMap((request, j) => {
      const [w, o] = [actual.requests?.[j], expected[i]?.requests?.[j]];
      if (JSON.stringify(sortKeys(w)) === JSON.stringify(sortKeys(o))) return [];
      return [
        `request ${j}: ${JSON.stringify(request)}\n    wasm: ${JSON.stringify(w)}\n    opa:  ${JSON.stringify(o)}`,
      ];
    });
    mismatches.push(
      `input ${i} ${JSON.stringify(env)}:\n  ${differing.join("\n  ") || JSON.stringify(actual)}`,
    );
  });
  expect(
    mismatches,
    `seed ${SEED}, ${scenario.name}: ${mismatches.length} of ${inputs.length} inputs differ`,
  ).toEqual([]);
  return expected;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

describe(`differential: wasm engine vs opa eval (seed ${SEED})`, () => {
  const fixed = [
    statementsScenario,
    conditionsScenario,
    variablesScenario,
    boundaryScenario,
    customScenario,
  ];

  it.each(fixed.map((s, i) => [s.name, s, i] as const))("%s", async (_, scenario, i) => {
    const pick = new Picker(SEED + i);
    const inputs = randomInputs(pick, 25, 8);
    expect(inputs.reduce((n, input) => n + input.requests.length, 0)).toBeGreaterThan(60);
    if (scenario.custom) {
      // Requests every seed includes, so that both kinds of custom verdict are compared.
      inputs.push({
        principal: principals[0] as PrincipalInfo,
        region: "eu-west-1",
        requests: [
          {
            action: "kms:Decrypt",
            resource: "*",
            context: { "kms:EncryptionContext:app": "orders" },
          },
          { action: "s3:DeleteObject", resource: "arn:aws:s3:::orders/a.json" },
        ],
      });
    }
    const decisions = await compare(scenario, inputs, `fixed-${i}`);
    if (scenario.custom) {
      const reasons = decisions.flatMap((d) => d.requests.map((r) => r.reason));
      expect(reasons.some((r) => r.startsWith("denied by custom rule: "))).toBe(true);
      expect(reasons.some((r) => r.startsWith("allowed by custom rule: "))).toBe(true);
    }
  });

  it.each([0, 1, 2, 3])("random policy %i", async (i) => {
    const pick = new Picker(SEED * 31 + i);
    const scenario = randomScenario(pick, i);
    await compare(scenario, randomInputs(pick, 20, 6), `random-${i}`);
  });

  it("the scenarios reach every outcome", async () => {
    // Guards against a generator that only ever produces denials.
    const pick = new Picker(SEED);
    const inputs = randomInputs(pick, 40, 8);
    const reasons = new Set<string>();
    for (const scenario of fixed) {
      const policy = await loadPolicy({
        iam: scenario.iam,
        boundary: scenario.boundary ?? [],
        checkActions: false,
      });
      for (const input of inputs) {
        for (const r of policy.evaluate(input).requests) {
          reasons.add(
            /^(allowed|explicitly denied|implicitly denied|denied by the permissions boundary|denied(?=: .* may apply)|cannot evaluate)/.exec(
              r.reason,
            )?.[1] ?? r.reason,
          );
        }
      }
    }
    expect([...reasons].sort()).toEqual([
      "allowed",
      "denied",
      "denied by the permissions boundary",
      "explicitly denied",
      "implicitly denied",
    ]);
  });
});
