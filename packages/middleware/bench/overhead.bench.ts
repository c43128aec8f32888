/**
 * What keycard adds to an SDK call, measured side by side in one run against an in-memory
 * request handler (a canned HTTP response, no network): the same client and commands without
 * keycard, with three middleware that do nothing in keycard's three places (the SDK's own cost
 * of them), with keycard in enforce mode, and without keycard but with keycard's check run on its
 * own after every call (the check's cost amid the SDK's work, as in a real call), in alternating
 * blocks.
 *
 * The headline cases send a distinct input on every call (a new S3 object key, a new DynamoDB
 * item key), as real traffic does, against policies of 10 and 1,000 statements; the repeated
 * cases send the same input every call, which keycard can answer from its per-second memo; the
 * `cacheMiddleware` cases use clients with that option, where the SDK resolves its middleware
 * stack once per command class instead of on every call. Then keycard's check timed alone in a
 * tight loop, where it runs far faster than amid SDK calls (its code and data stay in the CPU's
 * caches), and once more right after reading 32 MB of unrelated memory, which empties those
 * caches; and the heap over many calls with distinct inputs: keycard's check alone, and full SDK
 * calls. It measures the built packages (`dist`), as applications run them: run `npm run build`
 * first. Run: `npm run bench -w @keycard/middleware`.
 *
 * Environment: `BENCH_SAMPLES` (calls per variant and case, default 20,000),
 * `BENCH_MEMORY_CALLS` (calls of keycard's check alone, default 1,000,000; 0 skips),
 * `BENCH_MEMORY_SDK_CALLS` (full SDK calls, default 100,000; 0 skips), `BENCH_CASES` (a
 * substring of case names to run, for profiling one case), `BENCH_BASELINE` (a module exporting
 * another version's `keycardPlugin`, measured as a fourth variant in the same run; when it also
 * exports `loadPolicy`, as a bundle made by `bundle-version.mjs` does, the baseline evaluates
 * with its own engine), `BENCH_KEYCARD` (such a module measured as keycard in place of this
 * checkout's build, so that both sides are bundles built alike) and `BENCH_LOCK_PROTOTYPES=1`
 * (the whole run in a process locked with `lockPrototypes()`).
 */
import { cpus, loadavg, totalmem } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { loadPolicy, type Policy } from "@keycard/engine";
import { lockPrototypes } from "@keycard/iam-map";
import { ACCOUNT, benchPolicyDocument, ROLE } from "./bench-policy.js";
import { dynamoClient, getItem, putObject, s3Client } from "./sdk-calls.js";
import { type Case, makeCase, measure, type PluginFactory } from "./side-by-side.js";

const SAMPLES = Number(process.env["BENCH_SAMPLES"] ?? 20_000);
const MEMORY_CALLS = Number(process.env["BENCH_MEMORY_CALLS"] ?? 1_000_000);
const MEMORY_SDK_CALLS = Number(process.env["BENCH_MEMORY_SDK_CALLS"] ?? 100_000);
const ONLY = process.env["BENCH_CASES"];
const BASELINE = process.env["BENCH_BASELINE"];
const SUBJECT = process.env["BENCH_KEYCARD"];

/** A version of keycard loaded from a module: its plugin, and its engine when it has one. */
interface Version {
  keycardPlugin: PluginFactory;
  loadPolicy?: typeof loadPolicy;
}

const importVersion = async (specifier: string): Promise<Version> =>
  (await import(pathToFileURL(resolve(specifier)).href)) as Version;

const documentOf = (size: number) => ({
  iam: [{ name: `bench-${size}.json`, document: benchPolicyDocument(size) }],
});

/**
 * A version's plugin, made with a policy its own engine loaded when it has one: the options
 * carry this checkout's policy, which is swapped for the version's policy of the same size.
 */
async function versionFactory(version: Version): Promise<PluginFactory> {
  const own = new Map<Policy, Policy>();
  for (const size of [10, 1000]) {
    own.set(policies.get(size)!, await (version.loadPolicy ?? loadPolicy)(documentOf(size)));
  }
  return (options) =>
    version.keycardPlugin({ ...options, policy: own.get(options.policy as Policy) });
}

const policies = new Map<number, Policy>();
for (const size of [10, 1000]) policies.set(size, await loadPolicy(documentOf(size)));
const baseline: PluginFactory | undefined = BASELINE
  ? await versionFactory(await importVersion(BASELINE))
  : undefined;
const subject: PluginFactory | undefined = SUBJECT
  ? await versionFactory(await importVersion(SUBJECT))
  : undefined;
if (process.env["BENCH_LOCK_PROTOTYPES"] === "1") {
  // Process-wide, after every version is loaded: each one's own prototype check sees the lock.
  const found = lockPrototypes();
  if (found !== undefined) throw new Error(`the prototypes cannot be locked clean: ${found}`);
  console.log("prototypes locked with lockPrototypes()");
}
const keycard = (size: number) => ({ policy: policies.get(size)!, principalArn: ROLE });
const cached = { cacheMiddleware: true };

/** Every case: distinct inputs at both policy sizes (the headline), then repeated inputs. */
const definitions: Array<{ name: string; make: () => Promise<Case> }> = [];
for (const size of [10, 1000]) {
  definitions.push(
    {
      name: `S3 PutObject, distinct keys, ${size} statements`,
      make: () =>
        makeCase(
          () => s3Client(),
          (i) => putObject(`2024/${i}.json`),
          keycard(size),
          baseline,
          subject,
        ),
    },
    {
      name: `DynamoDB GetItem, distinct keys, ${size} statements`,
      make: () =>
        makeCase(
          () => dynamoClient(),
          (i) => getItem(String(i)),
          keycard(size),
          baseline,
          subject,
        ),
    },
  );
}
definitions.push(
  {
    name: "S3 PutObject, repeated input, 10 statements",
    make: () =>
      makeCase(
        () => s3Client(),
        () => putObject("a.json"),
        keycard(10),
        baseline,
        subject,
      ),
  },
  {
    name: "DynamoDB GetItem, repeated input, 10 statements",
    make: () =>
      makeCase(
        () => dynamoClient(),
        () => getItem("1"),
        keycard(10),
        baseline,
        subject,
      ),
  },
  {
    name: "S3 PutObject, distinct keys, 10 statements, cacheMiddleware",
    make: () =>
      makeCase(
        () => s3Client(cached),
        (i) => putObject(`2024/${i}.json`),
        keycard(10),
        baseline,
        subject,
      ),
  },
  {
    name: "DynamoDB GetItem, distinct keys, 10 statements, cacheMiddleware",
    make: () =>
      makeCase(
        () => dynamoClient(cached),
        (i) => getItem(String(i)),
        keycard(10),
        baseline,
        subject,
      ),
  },
  {
    name: "S3 PutObject, repeated input, 10 statements, cacheMiddleware",
    make: () =>
      makeCase(
        () => s3Client(cached),
        () => putObject("a.json"),
        keycard(10),
        baseline,
        subject,
      ),
  },
  {
    name: "DynamoDB GetItem, repeated input, 10 statements, cacheMiddleware",
    make: () =>
      makeCase(
        () => dynamoClient(cached),
        () => getItem("1"),
        keycard(10),
        baseline,
        subject,
      ),
  },
);

const us = (x: number) => `${x.toFixed(1)} µs`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");

console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${mb(totalmem())} RAM, Node ${process.version}, account ${ACCOUNT}`,
);
console.log(`${SAMPLES} calls per variant and case, in alternating blocks; load average ${load()}`);
if (baseline) console.log(`baseline: ${BASELINE}`);
if (subject) console.log(`keycard: ${SUBJECT}`);
console.log();

const cpuRows: string[] = [];
const wallRows: string[] = [];
for (const definition of definitions) {
  if (ONLY && !definition.name.includes(ONLY)) continue;
  const r = await measure(await definition.make(), SAMPLES);
  const plain = r.plain!.cpu;
  const added = (v: "noop" | "keycard" | "check" | "baseline") => {
    const x = r[v]!.cpu - plain;
    return `${us(x)} (${pct(x / plain)})`;
  };
  const alone = (x: number | undefined) => (x === undefined ? "" : `${us(x)} (${pct(x / plain)})`);
  cpuRows.push(
    `| ${definition.name} | ${us(plain)} | ${added("noop")} | ${added("keycard")} |${baseline ? ` ${added("baseline")} |` : ""} ${added("check")} | ${alone(r.decision)} |${baseline ? ` ${alone(r.baselineDecision)} |` : ""} ${alone(r.coldDecision)} |${baseline ? ` ${alone(r.baselineColdDecision)} |` : ""}`,
  );
  const wall = (v: "plain" | "noop" | "keycard" | "baseline") =>
    `${us(r[v]!.p50)} / ${us(r[v]!.p99)}`;
  wallRows.push(
    `| ${definition.name} | ${wall("plain")} | ${wall("noop")} | ${wall("keycard")} | ${pct((r.keycard!.p50 - r.plain!.p50) / r.plain!.p50)} |`,
  );
  console.log(`measured: ${definition.name} (load average ${load()})`);
}

console.log("\nCPU time per call (median over blocks), and keycard's check timed alone:\n");
console.log(
  `| call | SDK | added by three do-nothing middleware | added by keycard |${baseline ? " added by the baseline |" : ""} keycard's check after each SDK call | keycard's check alone, tight loop |${baseline ? " the baseline's alone |" : ""} keycard's check alone, caches emptied first (wall) |${baseline ? " the baseline's, caches emptied |" : ""}`,
);
console.log(`| --- | --- | --- | --- | --- | --- | --- |${baseline ? " --- | --- | --- |" : ""}`);
for (const row of cpuRows) console.log(row);
console.log("\nWall time per call (each call timed on its own):\n");
console.log(
  "| call | SDK p50 / p99 | + three do-nothing middleware p50 / p99 | + keycard p50 / p99 | added by keycard (p50) |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const row of wallRows) console.log(row);

const heapLine = (what: string, m: { calls: number; before: number; after: number }) =>
  console.log(
    `${what}: heap ${mb(m.before)} after a 20,000-call warm-up, ${mb(m.after)} after ${m.calls.toLocaleString("en-US")} more calls (${mb(m.after - m.before)} difference; load average ${load()})`,
  );
if (MEMORY_CALLS > 0) {
  const s3 = await makeCase(
    () => s3Client(),
    (i) => putObject(`2024/${i}.json`),
    keycard(1000),
    undefined,
    subject,
  );
  heapLine(
    "\nkeycard's check alone, S3 PutObject with a new key on every call, 1,000 statements",
    await s3.memoryAlone(MEMORY_CALLS),
  );
  // Each reused DynamoDB mapping carries a context of its own per call.
  const dynamodb = await makeCase(
    () => dynamoClient(),
    (i) => getItem(String(i)),
    keycard(1000),
    undefined,
    subject,
  );
  heapLine(
    "keycard's check alone, DynamoDB GetItem with a new item key on every call, 1,000 statements",
    await dynamodb.memoryAlone(MEMORY_CALLS),
  );
}
if (MEMORY_SDK_CALLS > 0) {
  const c = await makeCase(
    () => s3Client(),
    (i) => putObject(`2024/${i}.json`),
    keycard(1000),
    undefined,
    subject,
  );
  heapLine(
    "\nfull SDK calls with keycard, S3 PutObject with a new key on every call, 1,000 statements",
    await c.memory(MEMORY_SDK_CALLS),
  );
}
