// Access-diff throughput on one large policy set: 25 statements over several services,
// half of them changed, so the generated corpus is large. Prints corpus requests decided per
// second (evaluated, or proven equal without evaluation) and engine evaluations per second,
// with pruning and without it (every generated request evaluated on both versions).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffPolicySets } from "../src/index.js";

const monorepo = join(import.meta.dirname, "..", "..", "..");
const tools = {
  opa: join(monorepo, ".tools", "bin", "opa"),
  regal: join(monorepo, ".tools", "bin", "regal"),
};

const SERVICES = [
  "s3",
  "dynamodb",
  "sqs",
  "sns",
  "kms",
  "lambda",
  "logs",
  "ssm",
  "secretsmanager",
  "ec2",
];

function statements(variant: number): Array<Record<string, unknown>> {
  return Array.from({ length: 25 }, (_, k) => {
    const service = SERVICES[k % SERVICES.length] as string;
    const changed = variant === 1 && k % 2 === 0;
    const s: Record<string, unknown> = {
      Sid: `S${k}`,
      Effect: k % 9 === 8 ? "Deny" : "Allow",
      Action: changed
        ? [`${service}:*`]
        : [`${service}:Get*`, `${service}:List*`, `${service}:Describe*`],
      Resource: k % 3 === 0 ? "*" : `arn:aws:${service}:us-east-1:123456789012:*team-${k}*`,
    };
    if (k % 4 === 1)
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
    // One warm-up run so the IAM reference data is loaded and the wasm compiled.
    await diffPolicySets({
      base: join(dir, "base"),
      head: join(dir, "head"),
      tools,
      prune,
      checks: false,
    });
    const started = performance.now();
    const diff = await diffPolicySets({
      base: join(dir, "base"),
      head: join(dir, "head"),
      tools,
      prune,
      checks: false,
    });
    const total = (performance.now() - started) / 1000;
    const { generated, evaluations, pruned, evaluationMs } = diff.corpus;
    const evalSeconds = evaluationMs / 1000;
    console.log(
      `${prune ? "pruned  " : "unpruned"}: ${generated} corpus requests (${pruned} proven equal), ${evaluations} evaluations; ` +
        `${Math.round(generated / total).toLocaleString("en-US")} requests decided/s over the whole diff (${total.toFixed(2)} s), ` +
        `${Math.round(evaluations / evalSeconds).toLocaleString("en-US")} engine evaluations/s (${evalSeconds.toFixed(2)} s evaluating); ` +
        `${diff.newAccess.length} new, ${diff.removedAccess.length} removed groups`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
