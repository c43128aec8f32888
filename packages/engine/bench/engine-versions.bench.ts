/**
 * The whole engine (JavaScript and IAM library) at a git revision against the working tree's
 * built package, in one process, interleaved call by call: per-decision latency for 100
 * statements with a new resource on every call, uncached (`cache: false`) and with decision
 * reuse. Run after `npm run build -w @keycard/engine`:
 * `node --import tsx bench/engine-versions.bench.ts [revision]` (default `HEAD~1`; needs git,
 * `opa` and the repository's node_modules).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type { PolicyDocument } from "../src/index.js";

type Engine = typeof import("../src/index.js");

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(here, "..", "..");
const revision = process.argv[2] ?? "HEAD~1";
const work = mkdtempSync(join(tmpdir(), "keycard-engine-versions-"));

/** Builds the engine as it was at `rev` (its library too) and returns its entry point. */
function engineAt(rev: string): string {
  const paths = [
    "packages/engine",
    "policies/keycard",
    "tsconfig.base.json",
    "tsconfig.build.base.json",
  ];
  const archive = execFileSync("git", ["archive", rev, ...paths], { cwd: root });
  execFileSync("tar", ["-x", "-C", work], { input: archive });
  symlinkSync(join(root, "node_modules"), join(work, "node_modules"));
  const opa = join(root, ".tools", "bin", "opa");
  const env = { ...process.env, ...(existsSync(opa) ? { OPA_PATH: opa } : {}) };
  const engine = join(work, "packages", "engine");
  execFileSync(process.execPath, ["scripts/build-wasm.mjs"], { cwd: engine, env, stdio: "ignore" });
  try {
    execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"], {
      cwd: engine,
      stdio: "ignore",
    });
  } catch {
    // Type errors in files the benchmark does not use still leave JavaScript behind.
  }
  return join(engine, "dist", "index.js");
}

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
  const before = (await import(pathToFileURL(engineAt(revision)).href)) as Engine;
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
