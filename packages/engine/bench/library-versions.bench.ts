/**
 * The IAM library's cost on fully known requests, before and after a change, in one run:
 * the library of a git revision (default `HEAD~1`) and the working tree's, each compiled into
 * a bundle with the OPA CLI and loaded the same way, evaluated interleaved on the same
 * requests with a new resource on every call (uncached). Also prints the cost of a partly
 * known request beside them. Run:
 * `node --import tsx bench/library-versions.bench.ts [revision]` (needs git and `opa`).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type EvaluationInput, loadPolicy, type PolicyStatement } from "../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const revision = process.argv[2] ?? "HEAD~1";
const opa =
  process.env.OPA_PATH ??
  (existsSync(join(root, ".tools/bin/opa")) ? join(root, ".tools/bin/opa") : "opa");
const work = mkdtempSync(join(tmpdir(), "keycard-bench-"));

function libraryAt(rev: string | undefined, into: string): void {
  const files = execFileSync(
    "git",
    ["ls-files", ...(rev ? ["--with-tree", rev] : []), "policies/keycard"],
    {
      cwd: root,
      encoding: "utf8",
    },
  )
    .split("\n")
    .filter((f) => f.endsWith(".rego") && !f.endsWith("_test.rego"));
  for (const file of files) {
    let text: string;
    try {
      text = rev
        ? execFileSync("git", ["show", `${rev}:${file}`], {
            cwd: root,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
          })
        : readFileSync(join(root, file), "utf8");
    } catch {
      continue; // not in that revision
    }
    const target = join(into, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}

function bundle(rev: string | undefined, name: string): Uint8Array {
  const dir = join(work, name);
  libraryAt(rev, dir);
  const out = join(work, `${name}.tar.gz`);
  execFileSync(
    opa,
    ["build", "-t", "wasm", "-e", "keycard/authz/decision", "-o", out, "policies/keycard"],
    {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  return readFileSync(out);
}

const statements: PolicyStatement[] = [];
for (let i = 0; i < 100; i++) {
  statements.push({
    Effect: "Allow",
    Action: `s3:GetObject`,
    Resource: `arn:aws:s3:::bucket-${i}/*`,
  });
}
statements.push({
  Effect: "Deny",
  Action: "s3:GetObject",
  Resource: "arn:aws:s3:::bucket-7/secret/*",
});
const document = { Version: "2012-10-17" as const, Statement: statements };

async function main() {
  const before = await loadPolicy({
    iam: [document],
    bundle: bundle(revision, "before"),
    cache: false,
  });
  const after = await loadPolicy({
    iam: [document],
    bundle: bundle(undefined, "after"),
    cache: false,
  });
  let n = 0;
  const known = (): EvaluationInput => {
    n += 1;
    return {
      principal: { arn: "arn:aws:iam::123456789012:role/app", accountId: "123456789012" },
      region: "us-east-1",
      requests: [{ action: "s3:GetObject", resource: `arn:aws:s3:::bucket-${n % 100}/k-${n}` }],
    };
  };
  const partial = (): EvaluationInput => {
    n += 1;
    return {
      principal: { arn: "arn:aws:iam::123456789012:role/app", accountId: "123456789012" },
      region: "us-east-1",
      requests: [
        {
          action: "s3:GetObject",
          resource: `arn:aws:s3:::bucket-${n % 100}/*`,
          resourceParts: [`arn:aws:s3:::bucket-${n % 100}/k-${n}/`, { unknown: "suffix" }],
        },
      ],
    };
  };
  const times = { before: [] as number[], after: [] as number[], partial: [] as number[] };
  for (let i = 0; i < 2_000; i++) {
    before.evaluate(known());
    after.evaluate(known());
    after.evaluate(partial());
  }
  for (let i = 0; i < 20_000; i++) {
    for (const [name, policy, make] of [
      ["before", before, known],
      ["after", after, known],
      ["partial", after, partial],
    ] as const) {
      const input = make();
      const start = process.hrtime.bigint();
      policy.evaluate(input);
      times[name].push(Number(process.hrtime.bigint() - start) / 1000);
    }
  }
  const p = (values: number[], q: number) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length * q)] ?? 0;
  console.log(
    `101 statements, new resource every call, uncached, interleaved; before = ${revision}`,
  );
  console.log("| case | p50 | p99 |\n|---|---:|---:|");
  for (const [name, label] of [
    ["before", `fully known, library at ${revision}`],
    ["after", "fully known, working tree"],
    ["partial", "partly known resource, working tree"],
  ] as const) {
    console.log(
      `| ${label} | ${p(times[name], 0.5).toFixed(1)} µs | ${p(times[name], 0.99).toFixed(1)} µs |`,
    );
  }
  console.log(`after / before (p50): ${(p(times.after, 0.5) / p(times.before, 0.5)).toFixed(2)}×`);
}

main().finally(() => rmSync(work, { recursive: true, force: true }));
