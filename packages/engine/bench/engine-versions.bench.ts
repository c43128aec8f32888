import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type { PolicyDocument } from "../src/index.js";
import { engineAt } from "./engine-at.js";

type Engine = typeof import("../src/index.js");

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(here, "..", "..");
const revision = process.argv[2] ?? "HEAD~1";
const work = mkdtempSync(join(tmpdir(), "keycard-engine-versions-"));

const SERVICES = [
  "s3",
  "dynamodb",
  "sqs",
  "sns",
  "lambda",
  "kms",
  "secretsmanager",
  "ssm",
  "logs",
  "kinesis",
];
const grant = (i: number) => {
  const service = SERVICES[i % SERVICES.length] as string;
  const base = `arn:aws:${service}:us-east-1:123456789012:thing-${i}`;
  return { action: `${service}:Action${Math.floor(i / SERVICES.length) % 400}`, base };
};
const size = 100;
const document: PolicyDocument = {
  Version: "2012-10-17",
  Statement: Array.from({ length: size }, (_, i) => ({
    Sid: `S${i}`,
    Effect: "Allow" as const,
    Action: grant(i).action,
    Resource: `${grant(i).base}/*`,
  })),
};
const principal = {
  arn: "arn:aws:sts::123456789012:assumed-role/app/session",
  accountId: "123456789012",
  type: "AssumedRole",
  tags: {},
};
const input = (k: number) => {
  const g = grant((k * 7919) % size);
  return {
    principal,
    region: "us-east-1",
    requests: [{ action: g.action, resource: `${g.base}/item-${k}` }],
  };
};

async function main(): Promise<void> {
  const before = (await import(pathToFileURL(engineAt(root, revision, work)).href)) as Engine;
  const after = (await import(pathToFileURL(join(here, "dist", "index.js")).href)) as Engine;
  const load = (engine: Engine, cache: boolean) =>
    engine.loadPolicy({
      iam: [{ name: "bench", document }],
      checkActions: false,
      ...(cache ? {} : { cache: false }),
    });
  const policies = {
    "uncached, before": await load(before, false),
    "uncached, after": await load(after, false),
    "reused, before": await load(before, true),
    "reused, after": await load(after, true),
  };
  const names = Object.keys(policies) as Array<keyof typeof policies>;
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 40_000);
  const samples = new Map(names.map((name) => [name, new Float64Array(iterations)]));
  for (let i = 0; i < 5000; i++) for (const name of names) policies[name].evaluate(input(i));
  for (let i = 0; i < iterations; i++) {
    // Every call a new object key, as real traffic has.
    const next = input(1_000_000 + i);
    for (const name of names) {
      const started = process.hrtime.bigint();
      const decision = policies[name].evaluate(next);
      (samples.get(name) as Float64Array)[i] = Number(process.hrtime.bigint() - started) / 1000;
      if (!decision.allow) throw new Error(`${name} denied a granted request`);
    }
  }
  const stat = (name: (typeof names)[number], p: number) => {
    const sorted = (samples.get(name) as Float64Array).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
  };
  console.log(
    `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}; ${size} statements, ` +
      `a new resource every call, ${iterations.toLocaleString("en-US")} calls interleaved; before = ${revision}`,
  );
  console.log("");
  console.log("| case | p50 | p99 |");
  console.log("|---|---:|---:|");
  for (const name of names)
    console.log(
      `| ${name} | ${stat(name, 0.5).toFixed(2)} µs | ${stat(name, 0.99).toFixed(2)} µs |`,
    );
  console.log("");
  for (const kind of ["uncached", "reused"] as const) {
    const ratio = stat(`${kind}, before`, 0.5) / stat(`${kind}, after`, 0.5);
    console.log(`${kind}: before / after (p50) = ${ratio.toFixed(2)}×`);
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
