// Access-diff throughput on one large policy set: 60 statements over twelve services naming
// real resource ARNs, with every other statement broadened to `service:*`, so the generated
// corpus is large. Prints corpus requests decided per second (generation, pruning and
// evaluation time) and engine evaluations per second, with pruning and without it (then every
// generated request is evaluated on both versions, in classes both must decide alike).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffPolicySets } from "../src/index.js";

const monorepo = join(import.meta.dirname, "..", "..", "..");
const tools = {
  opa: join(monorepo, ".tools", "bin", "opa"),
  regal: join(monorepo, ".tools", "bin", "regal"),
};

const ARNS: Record<string, (k: number) => string> = {
  s3: (k) => `arn:aws:s3:::team-${k}/*`,
  dynamodb: (k) => `arn:aws:dynamodb:us-east-1:123456789012:table/team-${k}`,
  sqs: (k) => `arn:aws:sqs:us-east-1:123456789012:team-${k}`,
  sns: (k) => `arn:aws:sns:us-east-1:123456789012:team-${k}`,
  kms: (k) => `arn:aws:kms:us-east-1:123456789012:key/team-${k}`,
  lambda: (k) => `arn:aws:lambda:us-east-1:123456789012:function:team-${k}`,
  logs: (k) => `arn:aws:logs:us-east-1:123456789012:log-group:/team-${k}:*`,
  ssm: (k) => `arn:aws:ssm:us-east-1:123456789012:parameter/team-${k}/*`,
  secretsmanager: (k) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:team-${k}-*`,
  ec2: (k) => `arn:aws:ec2:us-east-1:123456789012:instance/i-team${k}`,
  iam: (k) => `arn:aws:iam::123456789012:role/team-${k}`,
  ecr: (k) => `arn:aws:ecr:us-east-1:123456789012:repository/team-${k}`,
};
const SERVICES = Object.keys(ARNS);

function statements(variant: number): Array<Record<string, unknown>> {
  return Array.from({ length: 60 }, (_, k) => {
    const service = SERVICES[k % SERVICES.length] as string;
    const broadened = variant === 1 && k % 2 === 0;
    const s: Record<string, unknown> = {
      Sid: `S${k}`,
      Effect: k % 13 === 12 ? "Deny" : "Allow",
      Action: broadened
        ? `${service}:*`
        : [`${service}:Get*`, `${service}:List*`, `${service}:Describe*`],
      Resource: (ARNS[service] as (k: number) => string)(k),
    };
    if (k % 5 === 1)
      s.Condition = {
        StringEquals: { "aws:RequestedRegion": ["us-east-1", "eu-west-1"] },
        Bool: { "aws:SecureTransport": "true" },
      };
    return s;
  });
}

const dir = mkdtempSync(join(tmpdir(), "keycard-access-diff-bench-"));
try {
  for (const [side, variant] of [
    ["base", 0],
    ["head", 1],
  ] as const) {
    mkdirSync(join(dir, side));
    writeFileSync(
      join(dir, side, "app.json"),
      JSON.stringify({ Version: "2012-10-17", Statement: statements(variant) }, null, 2),
    );
  }
  for (const prune of [true, false]) {
    // A first run loads the IAM reference data and compiles the wasm; the second is measured.
    await diffPolicySets({
      base: join(dir, "base"),
      head: join(dir, "head"),
      tools,
      prune,
      checks: false,
    });
    const diff = await diffPolicySets({
      base: join(dir, "base"),
      head: join(dir, "head"),
      tools,
      prune,
      checks: false,
    });
    const { generated, evaluations, pruned, generationMs, evaluationMs } = diff.corpus;
    const seconds = (generationMs + evaluationMs) / 1000;
    console.log(
      `${prune ? "pruned:  " : "unpruned:"} ${generated.toLocaleString("en-US")} corpus requests (${pruned.toLocaleString("en-US")} proven unaffected), ` +
        `${evaluations.toLocaleString("en-US")} engine evaluations, ${(generationMs / 1000).toFixed(2)} s generating + ${(evaluationMs / 1000).toFixed(2)} s evaluating: ` +
        `${Math.round(generated / seconds).toLocaleString("en-US")} requests decided/s, ` +
        `${Math.round(evaluations / (evaluationMs / 1000)).toLocaleString("en-US")} engine evaluations/s ` +
        `(${diff.newAccess.length} new, ${diff.removedAccess.length} removed groups)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
