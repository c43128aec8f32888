// Cold start with and without keycard: fresh `node` processes, alternating, each importing the
// SDK, making a client with an in-memory request handler and completing its first S3 PutObject;
// with keycard it also imports the middleware and engine, loads a 10-statement policy and makes
// that first call an allowed, checked one. Another imports keycard's packages and uses
// nothing, to separate the import from the rest, and the last times the steps of that first
// check on their own (IAM data for S3, first mapping, first evaluation), to show where the time
// goes. Uses the packages as installed (their `dist`), as an application does. Prints medians of
// the time from process start to the end of the first call and of the resident set size at that
// point, split (on Linux) into private memory and pages of mapped files.
// Run: `npm run bench:cold-start -w @keycard/middleware` (`COLD_START_RUNS`, default 21).
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

const RUNS = Number(process.env.COLD_START_RUNS ?? 21);
const child = fileURLToPath(new URL("./cold-start-child.mjs", import.meta.url));
const variants = ["plain", "imports", "keycard", "keycard-steps"];

/** One fresh process: its own timings, and the wall time the parent saw from spawn to exit. */
function run(variant) {
  const start = performance.now();
  const out = execFileSync(process.execPath, ["--no-warnings", child, variant], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  const wall = performance.now() - start;
  return { ...JSON.parse(out.trim().split("\n").pop()), wall };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

run("plain");
run("keycard");
const results = Object.fromEntries(variants.map((v) => [v, []]));
for (let i = 0; i < RUNS; i++) {
  // Rotate the order so drift on the machine hits every variant alike.
  for (let j = 0; j < variants.length; j++) {
    const v = variants[(i + j) % variants.length];
    results[v].push(run(v));
  }
}

const ms = (x) => `${x.toFixed(1)} ms`;
const mb = (x) => `${(x / 1024 / 1024).toFixed(1)} MB`;
console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}, ${RUNS} runs per variant\n`,
);
console.log(
  "| variant | process start → first call done | spawn → exit (wall) | RSS after the first call | of which private | of which mapped files | heap used |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
const m = {};
for (const v of variants) {
  const rs = results[v];
  m[v] = {
    total: median(rs.map((r) => r.total)),
    wall: median(rs.map((r) => r.wall)),
    rss: median(rs.map((r) => r.rss)),
    heap: median(rs.map((r) => r.heapUsed)),
    anon: median(rs.map((r) => r.anon ?? Number.NaN)),
    file: median(rs.map((r) => r.file ?? Number.NaN)),
  };
  console.log(
    `| ${v} | ${ms(m[v].total)} | ${ms(m[v].wall)} | ${mb(m[v].rss)} | ${mb(m[v].anon)} | ${mb(m[v].file)} | ${mb(m[v].heap)} |`,
  );
}
console.log(
  `\nadded by keycard: ${ms(m.keycard.total - m.plain.total)} to the first call (${ms(m.keycard.wall - m.plain.wall)} spawn to exit), ${mb(m.keycard.rss - m.plain.rss)} RSS (${mb(m.keycard.anon - m.plain.anon)} private, ${mb(m.keycard.file - m.plain.file)} pages of mapped files)`,
);
console.log(
  `added by importing keycard's packages alone: ${ms(m.imports.total - m.plain.total)} (${ms(m.imports.wall - m.plain.wall)} spawn to exit), ${mb(m.imports.rss - m.plain.rss)} RSS`,
);
for (const v of variants) {
  const names = Object.keys(results[v][0].phases);
  const parts = names.map((n) => `${n} ${ms(median(results[v].map((r) => r.phases[n])))}`);
  console.log(`\n${v}, median of each phase: ${parts.join("; ")}`);
}
