/**
 * Fleet figures: time to verify and compile a bundle of 10 and 10,000 statements, calls per
 * second before, during and after 100 swaps, and the hot-path cost of the decision-log sink.
 * Run with `npm run bench -w @keycard/fleet`.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { loadPolicy } from "@keycard/engine";
import { repoRoot } from "@keycard/test-utils";
import { writeBundleFiles } from "../src/archive.js";
import { opaDecisionLog, signBundle, verifyBundle, watchPolicy } from "../src/index.js";

const keys = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const wasm = readFileSync(join(repoRoot, "packages", "engine", "wasm", "keycard.wasm"));

function bundleOf(statements: number, revision: string): Uint8Array {
  const Statement = Array.from({ length: statements }, (_, i) => ({
    Sid: `S${i}`,
    Effect: "Allow",
    Action: ["s3:GetObject", "s3:PutObject"],
    Resource: `arn:aws:s3:::bucket-${i}/*`,
  }));
  const data = {
    keycard: {
      documents: [{ name: "bench.json", document: { Version: "2012-10-17", Statement } }],
    },
  };
  const tar = writeBundleFiles([
    ["data.json", new TextEncoder().encode(JSON.stringify(data))],
    ["policy.wasm", wasm],
  ]);
  return signBundle(tar, { key: keys.privateKey, revision });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function compileTimes(): Promise<void> {
  console.log("verify + compile (median of 5)");
  for (const n of [10, 10_000]) {
    const bundle = bundleOf(n, `n${n}`);
    const verify: number[] = [];
    const compile: number[] = [];
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      verifyBundle(bundle, { key: keys.publicKey });
      verify.push(performance.now() - t);
      t = performance.now();
      await loadPolicy({ bundle, checkActions: false });
      compile.push(performance.now() - t);
    }
    console.log(
      `  ${String(n).padStart(6)} statements, ${(bundle.byteLength / 1024).toFixed(0)} KiB: verify ${median(verify).toFixed(1)} ms, compile ${median(compile).toFixed(1)} ms`,
    );
  }
}

async function swaps(): Promise<void> {
  const bundles = [bundleOf(100, "a"), bundleOf(100, "b")];
  let current = bundles[0] as Uint8Array;
  let etag = 0;
  const server = createServer((req, res) => {
    if (req.headers["if-none-match"] === `"${etag}"`) return res.writeHead(304).end();
    res.writeHead(200, { etag: `"${etag}"` }).end(current);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const policy = await watchPolicy({
    url: `http://127.0.0.1:${port}/b.tar.gz`,
    verification: { key: keys.publicKey },
    polling: { minDelaySeconds: 3600, maxDelaySeconds: 3600 },
    load: { checkActions: false },
  });
  // Distinct inputs, so the decision cache does not hide evaluation cost.
  const inputs = Array.from({ length: 4096 }, (_, i) => ({
    region: "us-east-1",
    requests: [{ action: "s3:GetObject", resource: `arn:aws:s3:::bucket-${i % 100}/k${i}` }],
  }));
  let calls = 0;
  let denied = 0;
  let busyMs = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) {
        const d = policy.evaluate(inputs[calls % inputs.length] as (typeof inputs)[number]);
        if (!d.allow) denied++;
        calls++;
      }
      busyMs += performance.now() - t0;
      await new Promise((r) => setImmediate(r));
    }
  })();
  /** Calls per second of wall time, and microseconds per call of time spent evaluating. */
  const rate = async (ms: number, during?: () => Promise<void>) => {
    const c0 = calls;
    const b0 = busyMs;
    const t0 = performance.now();
    if (during) await during();
    else await new Promise((r) => setTimeout(r, ms));
    const perSecond = ((calls - c0) / (performance.now() - t0)) * 1000;
    const perCallUs = ((busyMs - b0) / (calls - c0)) * 1000;
    return `${perSecond.toFixed(0)}/s (${perCallUs.toFixed(1)} µs per call)`;
  };
  const before = await rate(2000);
  const t = performance.now();
  const during = await rate(0, async () => {
    for (let i = 0; i < 100; i++) {
      current = bundles[(i + 1) % 2] as Uint8Array;
      etag++;
      await policy.refresh();
    }
  });
  const swapMs = performance.now() - t;
  const after = await rate(2000);
  running = false;
  await loop;
  console.log("calls per second around 100 swaps (100-statement bundles, distinct inputs)");
  console.log(`  before ${before}`);
  console.log(`  during ${during}; 100 swaps took ${swapMs.toFixed(0)} ms`);
  console.log(`  after  ${after}`);
  console.log(`  activations ${policy.status().activations}, denied calls ${denied} (expected 0)`);
  await policy.close();
  server.close();
}

function logHotPath(): void {
  const log = opaDecisionLog({
    service: "http://127.0.0.1:9",
    maxBufferBytes: 2 ** 31,
    reporting: { minDelaySeconds: 3600 },
  });
  const line = `${JSON.stringify({
    decision_id: "0f8fad5b-d9cb-469f-a165-70867728950e",
    timestamp: new Date().toISOString(),
    path: "keycard/authz/decision",
    input: {
      principal: { arn: "arn:aws:iam::123456789012:role/orders-service" },
      region: "us-east-1",
      requests: [
        { action: "s3:GetObject", resource: "arn:aws:s3:::orders-documents/orders/1.json" },
      ],
    },
    result: {
      allow: true,
      requests: [
        {
          action: "s3:GetObject",
          allow: true,
          reason: "allowed by orders.json statement 0",
          matched: [],
        },
      ],
    },
    labels: { app: "keycard", mode: "enforce" },
    keycard: {
      service: "s3",
      operation: "GetObject",
      client: "S3Client",
      sent: true,
      input: { Bucket: "orders-documents", Key: "orders/1.json" },
    },
  })}\n`;
  const n = 1_000_000;
  for (let i = 0; i < 100_000; i++) log.write(line);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) log.write(line);
  const ns = Number(process.hrtime.bigint() - t) / n;
  console.log(
    `decision-log sink write (${line.length}-byte line): ${ns.toFixed(0)} ns per call (target ≤ 2000 ns)`,
  );
  void log.close();
}

await compileTimes();
await swaps();
logHotPath();
process.exit(0);
