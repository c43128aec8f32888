/**
 * What keycard adds to an SDK call, measured side by side in one run against an in-memory
 * request handler (a canned HTTP response, no network): the same client and commands without
 * keycard, with a middleware that does nothing in keycard's place (the SDK's own cost of one
 * more middleware) and with keycard in enforce mode, in alternating blocks.
 *
 * The headline cases send a distinct input on every call (a new S3 object key, a new DynamoDB
 * item key), as real traffic does, against policies of 10 and 1,000 statements; the repeated
 * cases send the same input every call, which keycard can answer from its per-second memo.
 * Then keycard's decision timed alone, and the heap before and after 1,000,000 calls with
 * distinct inputs. Run: `npm run bench -w @keycard/middleware`.
 *
 * Environment: `BENCH_SAMPLES` (calls per variant and case, default 20,000),
 * `BENCH_MEMORY_CALLS` (default 1,000,000; 0 skips), `BENCH_CASES` (a substring of case
 * names to run, for profiling one case).
 */
import { cpus, totalmem } from "node:os";
import { loadPolicy, type Policy } from "@keycard/engine";
import { ACCOUNT, benchPolicyDocument, ROLE } from "./bench-policy.js";
import { dynamoClient, getItem, putObject, s3Client } from "./sdk-calls.js";
import { type Case, makeCase, measure } from "./side-by-side.js";

const SAMPLES = Number(process.env["BENCH_SAMPLES"] ?? 20_000);
const MEMORY_CALLS = Number(process.env["BENCH_MEMORY_CALLS"] ?? 1_000_000);
const ONLY = process.env["BENCH_CASES"];

const policies = new Map<number, Policy>();
for (const size of [10, 1000]) {
  policies.set(
    size,
    await loadPolicy({
      iam: [{ name: `bench-${size}.json`, document: benchPolicyDocument(size) }],
    }),
  );
}
const keycard = (size: number) => ({ policy: policies.get(size)!, principalArn: ROLE });

/** Every case: distinct inputs at both policy sizes (the headline), then repeated inputs. */
const definitions: Array<{ name: string; make: () => Promise<Case> }> = [];
for (const size of [10, 1000]) {
  definitions.push(
    {
      name: `S3 PutObject, distinct keys, ${size} statements`,
      make: () => makeCase(s3Client, (i) => putObject(`2024/${i}.json`), keycard(size)),
    },
    {
      name: `DynamoDB GetItem, distinct keys, ${size} statements`,
      make: () => makeCase(dynamoClient, (i) => getItem(String(i)), keycard(size)),
    },
  );
}
definitions.push(
  {
    name: "S3 PutObject, repeated input, 10 statements",
    make: () => makeCase(s3Client, () => putObject("a.json"), keycard(10)),
  },
  {
    name: "DynamoDB GetItem, repeated input, 10 statements",
    make: () => makeCase(dynamoClient, () => getItem("1"), keycard(10)),
  },
);

const us = (x: number) => `${x.toFixed(1)} µs`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${mb(totalmem())} RAM, Node ${process.version}, account ${ACCOUNT}`,
);
console.log(`${SAMPLES} calls per variant and case, in alternating blocks\n`);

const cpuRows: string[] = [];
const wallRows: string[] = [];
for (const definition of definitions) {
  if (ONLY && !definition.name.includes(ONLY)) continue;
  const r = await measure(await definition.make(), SAMPLES);
  const noop = r.noop.cpu - r.plain.cpu;
  const added = r.keycard.cpu - r.plain.cpu;
  cpuRows.push(
    `| ${definition.name} | ${us(r.plain.cpu)} | ${us(noop)} (${pct(noop / r.plain.cpu)}) | ${us(added)} (${pct(added / r.plain.cpu)}) | ${us(r.decision)} (${pct(r.decision / r.plain.cpu)}) |`,
  );
  wallRows.push(
    `| ${definition.name} | ${us(r.plain.p50)} / ${us(r.plain.p99)} | ${us(r.noop.p50)} / ${us(r.noop.p99)} | ${us(r.keycard.p50)} / ${us(r.keycard.p99)} | ${pct((r.keycard.p50 - r.plain.p50) / r.plain.p50)} |`,
  );
  console.log(`measured: ${definition.name}`);
}

console.log("\nCPU time per call (median over blocks), and keycard's decision timed alone:\n");
console.log(
  "| call | SDK | added by a do-nothing middleware | added by keycard | keycard's decision alone |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const row of cpuRows) console.log(row);
console.log("\nWall time per call (each call timed on its own):\n");
console.log(
  "| call | SDK p50 / p99 | + do-nothing middleware p50 / p99 | + keycard p50 / p99 | added by keycard (p50) |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const row of wallRows) console.log(row);

if (MEMORY_CALLS > 0) {
  const c = await makeCase(s3Client, (i) => putObject(`2024/${i}.json`), keycard(1000));
  const start = process.memoryUsage().heapUsed;
  const m = await c.memory(MEMORY_CALLS);
  console.log(
    `\nS3 PutObject with a new key on every call, 1,000 statements: heap ${mb(start)} before warm-up, ${mb(m.before)} after it, ${mb(m.after)} after ${m.calls.toLocaleString("en-US")} more calls (${mb(m.after - m.before)} difference)`,
  );
}
