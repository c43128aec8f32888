// Benchmark: a generated repository of 200 policy sets and 5,000 statements, every set
// changed. Measures the bundled action end to end (node dist/index.js, as the runner starts
// it) and the access diff's evaluation throughput, then writes BENCHMARKS.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { runGate } from "@keycard/access-diff";
import { generateRepo } from "./generate.js";

const app = join(import.meta.dirname, "..");
const monorepo = join(app, "..", "..");
const opa = join(monorepo, ".tools", "bin", "opa");
const regal = join(monorepo, ".tools", "bin", "regal");

// Other work on the machine skews the figures; the report says how busy it was.
const loadAtStart = loadavg()[0] ?? 0;
const repo = generateRepo(monorepo);
const temp = mkdtempSync(join(tmpdir(), "keycard-gate-bench-run-"));
try {
  console.log(
    `generated ${repo.sets} policy sets, ${repo.statements} statements (${repo.regoSets} with custom Rego)`,
  );

  // 1. The action end to end, compile included.
  writeFileSync(
    join(temp, "event.json"),
    JSON.stringify({
      pull_request: { number: 1, base: { sha: repo.base }, head: { sha: repo.head }, labels: [] },
    }),
  );
  writeFileSync(join(temp, "output"), "");
  writeFileSync(join(temp, "summary.md"), "");
  const started = performance.now();
  const action = spawnSync(process.execPath, [join(app, "dist", "index.js")], {
    cwd: repo.dir,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: {
      PATH: process.env.PATH,
      HOME: temp,
      GITHUB_WORKSPACE: repo.dir,
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_EVENT_PATH: join(temp, "event.json"),
      GITHUB_REPOSITORY: "acme/platform",
      GITHUB_OUTPUT: join(temp, "output"),
      GITHUB_STEP_SUMMARY: join(temp, "summary.md"),
      RUNNER_TEMP: temp,
      "INPUT_OPA-PATH": opa,
      "INPUT_REGAL-PATH": regal,
      INPUT_PATHS: "policies",
    },
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const outputs = readFileSync(join(temp, "output"), "utf8");
  const result = /result<<[^\n]+\n([^\n]+)/.exec(outputs)?.[1];
  const newAccess = /new-access<<[^\n]+\n([^\n]+)/.exec(outputs)?.[1];
  if (!result)
    throw new Error(`the action produced no result:\n${action.stdout}\n${action.stderr}`);
  console.log(
    `action end to end: ${wallSeconds.toFixed(1)} s (result ${result}, ${newAccess} new access pairs)`,
  );

  // 2. Access-diff throughput, from the library API on the same repository.
  // One set at a time, so one set's generation and evaluation times do not include another's.
  const report = await runGate({
    root: repo.dir,
    baseRef: repo.base,
    headRef: repo.head,
    tools: { opa, regal },
    concurrency: 1,
  });
  let corpus = 0;
  let evaluations = 0;
  let pruned = 0;
  let generationMs = 0;
  let evaluationMs = 0;
  for (const set of report.sets) {
    corpus += set.corpus.generated + set.corpus.tests + set.corpus.recorded;
    evaluations += set.corpus.evaluations;
    pruned += set.corpus.pruned;
    generationMs += set.corpus.generationMs;
    evaluationMs += set.corpus.evaluationMs;
  }
  const diffSeconds = (generationMs + evaluationMs) / 1000;
  const decidedPerSecond = Math.round(corpus / diffSeconds);
  const evaluationsPerSecond = Math.round(evaluations / (evaluationMs / 1000));
  console.log(
    `access diff: ${corpus} corpus requests (${pruned} proven unaffected), ${evaluations} engine evaluations; ` +
      `${(generationMs / 1000).toFixed(2)} s generating, ${(evaluationMs / 1000).toFixed(2)} s evaluating`,
  );
  console.log(
    `  ${decidedPerSecond} corpus requests decided per second, ${evaluationsPerSecond} engine evaluations per second`,
  );

  // 3. The access diff alone on one large set, where few engine calls carry many requests.
  const large = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=@keycard/source",
      join(monorepo, "packages", "access-diff", "bench", "diff.bench.ts"),
    ],
    { cwd: monorepo, encoding: "utf8" },
  );
  const largeLines = large.stdout.trim().split("\n").filter(Boolean);
  for (const line of largeLines) console.log(`one large set, ${line}`);

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}; load average ${loadAtStart.toFixed(1)} when the run started`;
  const markdown = `# Benchmarks

Machine: ${machine}.

Run with \`npx tsx --conditions=@keycard/source apps/policy-gate/bench/gate.bench.ts\` from the repository root
(build the action first: \`npm run build -w @keycard/policy-gate\`). \`npm run bench -w @keycard/access-diff\` measures the
access diff alone on one large policy set.

Repository: ${repo.sets} generated policy sets, ${repo.statements} statements (${repo.regoSets} sets with a custom
rule and tests, every set with a decision log of 100 recorded calls); the head commit changes every set (a statement broadened with \`service:*\`, one narrowed,
a condition added, and in every twentieth set \`iam:PassRole\` with \`ec2:RunInstances\` on \`*\`).

| Measure | Result | Target |
|---|---|---|
| Action wall time, end to end (\`node dist/index.js\`: git, OPA checks and tests, compile, diff, report) | ${wallSeconds.toFixed(1)} s | ≤ 60 s |
| Access-diff throughput: corpus requests decided per second (generation, pruning and evaluation time) | ${decidedPerSecond.toLocaleString("en-US")} | ≥ 100,000 |
| Engine evaluations per second (each evaluated request on each version) | ${evaluationsPerSecond.toLocaleString("en-US")} | |

Corpus: ${corpus.toLocaleString("en-US")} requests (generated, from tests, recorded). ${pruned.toLocaleString("en-US")} of them were
proven unaffected (no changed statement can apply to them, so both versions decide them alike);
the rest were grouped into classes both versions must decide alike (same action and context, same
match of every resource pattern) and ${evaluations.toLocaleString("en-US")} engine evaluations decided them. Time:
${(generationMs / 1000).toFixed(2)} s generating and pruning, ${(evaluationMs / 1000).toFixed(2)} s evaluating, summed over the sets.

Each version of each set is a freshly loaded policy asked a few dozen requests in one or a few
engine calls, so the fixed cost of a call and the slower first call on each new instance weigh
on the engine rate above. On one large set
(60 statements, every other one broadened to \`service:*\`; \`npm run bench -w @keycard/access-diff\`),
where few calls carry many requests:

\`\`\`
${largeLines.join("\n")}
\`\`\`
`;
  writeFileSync(join(app, "BENCHMARKS.md"), markdown);
  console.log("wrote apps/policy-gate/BENCHMARKS.md");
} finally {
  rmSync(temp, { recursive: true, force: true });
  rmSync(repo.dir, { recursive: true, force: true });
}
