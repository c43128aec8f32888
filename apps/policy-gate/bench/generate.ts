import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Shape of the generated repository. */
export interface GeneratedRepo {
  dir: string;
  base: string;
  head: string;
  sets: number;
  statements: number;
  regoSets: number;
}

const SERVICES: ReadonlyArray<{ actions: string[]; resource: (set: string, k: number) => string }> =
  [
    {
      actions: ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:Get*"],
      resource: (s, k) => `arn:aws:s3:::${s}-bucket-${k}/*`,
    },
    {
      actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      resource: (s, k) => `arn:aws:dynamodb:us-east-1:123456789012:table/${s}-${k}`,
    },
    {
      actions: ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
      resource: (s, k) => `arn:aws:sqs:us-east-1:123456789012:${s}-${k}`,
    },
    {
      actions: ["sns:Publish"],
      resource: (s, k) => `arn:aws:sns:us-east-1:123456789012:${s}-${k}`,
    },
    {
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resource: (s, k) => `arn:aws:kms:us-east-1:123456789012:key/${s}-${k}`,
    },
    {
      actions: ["secretsmanager:GetSecretValue"],
      resource: (s, k) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${s}/${k}-*`,
    },
    {
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resource: (s, k) => `arn:aws:logs:us-east-1:123456789012:log-group:/app/${s}-${k}:*`,
    },
    {
      actions: ["lambda:InvokeFunction"],
      resource: (s, k) => `arn:aws:lambda:us-east-1:123456789012:function:${s}-${k}`,
    },
  ];

function statement(set: string, k: number, variant: number): Record<string, unknown> {
  const service = SERVICES[(k + variant) % SERVICES.length]!;
  const actions = service.actions.slice(0, 1 + ((k + variant) % service.actions.length));
  const s: Record<string, unknown> = {
    Sid: `S${k}`,
    Effect: "Allow",
    Action: actions,
    Resource: service.resource(set, k),
  };
  if (k % 7 === 3) s.Condition = { StringEquals: { "aws:RequestedRegion": "us-east-1" } };
  if (k % 11 === 5) s.Condition = { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } };
  return s;
}

const RULE = (name: string) => `package keycard.custom.${name}

# METADATA
# description: Deletes are reviewed separately.
deny contains "deletes are reviewed separately" if {
	endswith(input.request.action, "Delete")
}
`;

const TEST = (name: string) => `package keycard.custom.${name}_test

import data.keycard.custom.${name}

test_delete_denied if {
	"deletes are reviewed separately" in ${name}.deny with input as {"request": {"action": "sqs:Delete", "resource": "*"}}
}

test_read_allowed if {
	count(${name}.deny) == 0 with input as {"request": {"action": "s3:GetObject", "resource": "*"}}
}
`;

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_AUTHOR_NAME: "bench",
      GIT_AUTHOR_EMAIL: "bench@example.com",
      GIT_COMMITTER_NAME: "bench",
      GIT_COMMITTER_EMAIL: "bench@example.com",
    },
  }).trim();
}

/**
 * A repository of `sets` policy sets with `statementsPerSet` statements each (every tenth
 * set with a custom rule and tests, every set with a decision log of 100 recorded calls) and
 * a head commit that changes every set: one statement broadened, one narrowed, one given a
 * condition (every twentieth set also adds iam:PassRole with ec2:RunInstances).
 */
export function generateRepo(monorepo: string, sets = 200, statementsPerSet = 25): GeneratedRepo {
  const dir = mkdtempSync(join(tmpdir(), "keycard-gate-bench-"));
  git(dir, "init", "-q", "-b", "main");
  cpSync(join(monorepo, "policies", "keycard"), join(dir, "policies", "keycard"), {
    recursive: true,
  });
  cpSync(join(monorepo, "policies", ".regal"), join(dir, "policies", ".regal"), {
    recursive: true,
  });
  let regoSets = 0;
  const docs: Array<{ path: string; statements: Array<Record<string, unknown>> }> = [];
  for (let i = 0; i < sets; i++) {
    const set = `team-${String(i).padStart(3, "0")}`;
    const statements = Array.from({ length: statementsPerSet }, (_, k) => statement(set, k, i));
    docs.push({ path: `policies/${set}/${set}.json`, statements });
    // A decision log of real calls: each of the first ten statements' actions, ten times.
    const calls = statements.slice(0, 10).flatMap((st, k) =>
      Array.from({ length: 10 }, (_, n) =>
        JSON.stringify({
          decision_id: `${set}-${k}-${n}`,
          path: "keycard/authz/decision",
          input: {
            principal: { arn: `arn:aws:iam::123456789012:role/${set}` },
            region: "us-east-1",
            requests: (st.Action as string[]).map((action) => ({
              action: action.replace("*", "Object"),
              resource: String(st.Resource).replace(/\*/g, `item-${n}`),
              context: { "aws:SecureTransport": true, "aws:SourceIp": "10.1.2.3" },
            })),
          },
          result: { allow: true },
        }),
      ),
    );
    write(dir, `policies/${set}/recorded/audit.jsonl`, `${calls.join("\n")}\n`);
    write(
      dir,
      docs[i]!.path,
      `${JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2)}\n`,
    );
    if (i % 10 === 0) {
      regoSets += 1;
      const name = set.replace(/-/g, "_");
      write(dir, `policies/${set}/rules.rego`, RULE(name));
      write(dir, `policies/${set}/rules_test.rego`, TEST(name));
    }
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "base");
  const base = git(dir, "rev-parse", "HEAD");
  for (const [i, doc] of docs.entries()) {
    const statements = doc.statements.map((s) => ({ ...s }));
    const broadened = statements[1]!;
    broadened.Action = [
      ...(broadened.Action as string[]),
      `${String((broadened.Action as string[])[0]).split(":")[0]}:*`,
    ];
    const narrowed = statements[2]!;
    narrowed.Action = (narrowed.Action as string[]).slice(0, 1);
    statements[3] = { ...statements[3], Condition: { Bool: { "aws:SecureTransport": "true" } } };
    if (i % 20 === 0)
      statements.push({
        Sid: "Launch",
        Effect: "Allow",
        Action: ["iam:PassRole", "ec2:RunInstances"],
        Resource: "*",
      });
    write(
      dir,
      doc.path,
      `${JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2)}\n`,
    );
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "head");
  const head = git(dir, "rev-parse", "HEAD");
  return { dir, base, head, sets, statements: sets * statementsPerSet, regoSets };
}
