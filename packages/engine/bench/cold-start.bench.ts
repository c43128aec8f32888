/**
 * Cold start of @keycard/engine in fresh processes: import, `loadPolicy` with 10 statements and
 * the first evaluation, against a process that imports nothing, each spawned N times and
 * interleaved. Uses the built package (`dist/`), as an application would. Run:
 * `npm run bench:cold -w @keycard/engine` (after `npm run build -w @keycard/engine`).
 */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.env.BENCH_RUNS ?? 20);

/**
 * Prints {cpu, rss, import, load, first}: CPU milliseconds of the whole process (all threads,
 * so the WebAssembly compiler's too; less sensitive than wall time to a busy machine), peak RSS
 * in KiB, and the CPU milliseconds of each step.
 */
const child = (body: string) => `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
${body}
console.log(JSON.stringify({ cpu: cpu(), rss: process.resourceUsage().maxRSS, ...(globalThis.phases ?? {}) }));
`;

const engine = (checkActions: boolean) =>
  child(`
const a = cpu();
const { loadPolicy } = await import("@keycard/engine");
const b = cpu();
const Statement = Array.from({ length: 10 }, (_, i) => ({
  Sid: "S" + i, Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket-" + i + "/*",
}));
const policy = await loadPolicy({ iam: [{ name: "app.json", document: { Version: "2012-10-17", Statement } }], checkActions: ${checkActions} });
const c = cpu();
const d = policy.evaluate({ region: "us-east-1", requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::bucket-3/a.json" }] });
if (!d.allow) throw new Error("denied");
const e = cpu();
globalThis.phases = { import: b - a, load: c - b, first: e - c };
`);

const cases: Array<[string, string]> = [
  ["nothing imported", child("")],
  ["engine, checkActions: false", engine(false)],
  ["engine, checkActions: true", engine(true)],
];

interface Sample {
  wall: number;
  cpu: number;
  rss: number;
  import?: number;
  load?: number;
  first?: number;
}

const samples = new Map<string, Sample[]>(cases.map(([name]) => [name, []]));
for (let r = 0; r < runs; r++) {
  for (const [name, script] of cases) {
    const started = process.hrtime.bigint();
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: here,
      encoding: "utf8",
    });
    const wall = Number(process.hrtime.bigint() - started) / 1e6;
    samples.get(name)?.push({ wall, ...(JSON.parse(out) as Omit<Sample, "wall">) });
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const pick = (name: string, field: keyof Sample) =>
  median((samples.get(name) ?? []).map((s) => s[field] ?? Number.NaN));

const base = cases[0]?.[0] ?? "";
console.log(`${runs} fresh processes per case, interleaved, Node ${process.version}; medians`);
console.log("");
console.log(
  "| case | wall ms | wall over baseline | CPU ms | CPU over baseline | import (CPU ms) | loadPolicy (CPU ms) | first evaluate (CPU ms) | peak RSS MiB | RSS over baseline |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const [name] of cases) {
  const f = (v: number) => (Number.isNaN(v) ? "–" : v.toFixed(1));
  console.log(
    `| ${name} | ${f(pick(name, "wall"))} | ${f(pick(name, "wall") - pick(base, "wall"))} | ${f(pick(name, "cpu"))} | ${f(pick(name, "cpu") - pick(base, "cpu"))} | ${f(pick(name, "import"))} | ${f(pick(name, "load"))} | ${f(pick(name, "first"))} | ${f(pick(name, "rss") / 1024)} | ${f((pick(name, "rss") - pick(base, "rss")) / 1024)} |`,
  );
}
