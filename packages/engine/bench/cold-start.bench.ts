/**
 * Cold start of @keycard/engine in fresh processes: import, `loadPolicy` with 10 statements and
 * the first evaluation, against a process that imports nothing, each spawned N times and
 * interleaved. A second group first imports the AWS SDK for JavaScript v3's S3 client, as an
 * application that uses keycard has (the issue's target is over the plain SDK), and compares
 * with a process that imports only that; it is left out where the repository's node_modules
 * hold no `@aws-sdk/client-s3`. Uses the built package (`dist/`), as an application would. Run:
 * `npm run bench:cold -w @keycard/engine` (after `npm run build -w @keycard/engine`); a git
 * revision as argument (`npm run bench:cold -w @keycard/engine -- HEAD~1`) builds the engine at
 * that revision and measures it side by side (needs git, `opa` and the repository's node_modules).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { engineAt } from "./engine-at.js";

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(here, "..", "..");
const runs = Number(process.env.BENCH_RUNS ?? 20);
const revision = process.argv[2];
/** The S3 client's entry point, from the repository's node_modules (the middleware uses it). */
const sdkEntry = (() => {
  try {
    return createRequire(join(root, "package.json")).resolve("@aws-sdk/client-s3");
  } catch {
    return undefined;
  }
})();

/**
 * Prints {cpu, rss, import, load, first}: CPU milliseconds of the whole process (all threads,
 * so the WebAssembly compiler's too; less sensitive than wall time to a busy machine) after Node's
 * start (and the SDK's import), peak RSS in KiB, and the CPU milliseconds of each step.
 */
const child = (sdk: string | undefined, body: string) => `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
${sdk ? `await import(${JSON.stringify(pathToFileURL(sdk).href)});` : ""}
const start = cpu();
${body}
console.log(JSON.stringify({ cpu: cpu() - start, rss: process.resourceUsage().maxRSS, ...(globalThis.phases ?? {}) }));
`;

const engine = (entry: string, checkActions: boolean) => `
const a = cpu();
const { loadPolicy } = await import(${JSON.stringify(pathToFileURL(entry).href)});
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
`;

interface Case {
  name: string;
  script: string;
  /** The case this one is measured over. */
  base: string;
}

const work = revision ? mkdtempSync(join(tmpdir(), "keycard-engine-cold-")) : undefined;
try {
  const engines: Array<[string, string]> = [["engine", join(here, "dist", "index.js")]];
  if (revision && work) engines.push([`engine at ${revision}`, engineAt(root, revision, work)]);
  const cases: Case[] = [];
  for (const sdk of sdkEntry ? [undefined, sdkEntry] : [undefined]) {
    const base = sdk ? "AWS SDK (S3 client) only" : "nothing imported";
    cases.push({ name: base, script: child(sdk, ""), base });
    for (const checkActions of [false, true]) {
      for (const [label, entry] of engines) {
        cases.push({
          name: `${sdk ? "SDK, " : ""}${label}, \`checkActions: ${checkActions}\``,
          script: child(sdk, engine(entry, checkActions)),
          base,
        });
      }
    }
  }

  interface Sample {
    cpu: number;
    rss: number;
    import?: number;
    load?: number;
    first?: number;
  }
  const samples = new Map<string, Sample[]>(cases.map(({ name }) => [name, []]));
  const load = [loadavg()[0] ?? 0];
  for (let r = 0; r < runs; r++) {
    // Rotate the order so that drift on the machine hits every case alike.
    for (let j = 0; j < cases.length; j++) {
      const { name, script } = cases[(r + j) % cases.length] as Case;
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: here,
        encoding: "utf8",
      });
      samples.get(name)?.push(JSON.parse(out) as Sample);
    }
  }
  load.push(loadavg()[0] ?? 0);

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  const pick = (name: string, field: keyof Sample) =>
    median((samples.get(name) ?? []).map((s) => s[field] ?? Number.NaN));

  console.log(
    `${runs} fresh processes per case, interleaved, Node ${process.version}; medians; load average ${load.map((l) => l.toFixed(1)).join(" → ")}`,
  );
  console.log("");
  console.log(
    "| case | CPU ms | CPU over base | import (CPU ms) | loadPolicy (CPU ms) | first evaluate (CPU ms) | peak RSS MiB | RSS over base |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  const f = (v: number) => (Number.isNaN(v) ? "–" : v.toFixed(1));
  for (const { name, base } of cases) {
    console.log(
      `| ${name} | ${f(pick(name, "cpu"))} | ${f(pick(name, "cpu") - pick(base, "cpu"))} | ${f(pick(name, "import"))} | ${f(pick(name, "load"))} | ${f(pick(name, "first"))} | ${f(pick(name, "rss") / 1024)} | ${f((pick(name, "rss") - pick(base, "rss")) / 1024)} |`,
    );
  }
} finally {
  if (work) rmSync(work, { recursive: true, force: true });
}
