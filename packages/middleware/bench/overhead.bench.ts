/**
 * What keycard adds to an SDK call: the same client and command with and without the plugin,
 * against an in-memory request handler (a canned HTTP response, no network), interleaved in one
 * run; then heap before and after 1,000,000 calls. Run: `npm run bench -w @keycard/middleware`.
 */
import { cpus, totalmem } from "node:os";
import { Readable } from "node:stream";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { loadPolicy } from "@keycard/engine";
import type { HttpResponse } from "@smithy/types";
import { keycardPlugin } from "../src/index.js";

const ACCOUNT = "123456789012";
const SAMPLES = Number(process.env["BENCH_SAMPLES"] ?? 20_000);
const MEMORY_CALLS = Number(process.env["BENCH_MEMORY_CALLS"] ?? 1_000_000);

const policy = await loadPolicy({
  iam: [
    {
      name: "bench.json",
      document: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::orders/*" },
          {
            Effect: "Allow",
            Action: "dynamodb:GetItem",
            Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`,
          },
        ],
      },
    },
  ],
});

/** A request handler that answers at once with a canned response. */
function cannedHandler(body: string, headers: Record<string, string> = {}) {
  return {
    async handle(): Promise<{ response: HttpResponse }> {
      return { response: { statusCode: 200, headers, body: Readable.from([Buffer.from(body)]) } };
    },
  };
}

const base = {
  region: "us-east-1",
  endpoint: "http://127.0.0.1:9",
  credentials: {
    accessKeyId: "AKIABENCHMARK0000001",
    secretAccessKey: "bench",
    accountId: ACCOUNT,
  },
  maxAttempts: 1,
};

interface Case {
  name: string;
  send: (guarded: boolean) => Promise<unknown>;
}

function s3Case(): Case {
  const make = () =>
    new S3Client({
      ...base,
      forcePathStyle: true,
      requestHandler: cannedHandler("", { etag: '"x"' }),
    });
  const plain = make();
  const guarded = make();
  guarded.middlewareStack.use(
    keycardPlugin({ policy, principalArn: `arn:aws:iam::${ACCOUNT}:role/bench` }),
  );
  return {
    name: "S3 PutObject",
    send: (g) =>
      (g ? guarded : plain).send(
        new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: "{}" }),
      ),
  };
}

function dynamoCase(): Case {
  const make = () =>
    new DynamoDBClient({
      ...base,
      requestHandler: cannedHandler('{"Item":{"id":{"S":"1"}}}', {
        "content-type": "application/x-amz-json-1.0",
      }),
    });
  const plain = make();
  const guarded = make();
  guarded.middlewareStack.use(
    keycardPlugin({ policy, principalArn: `arn:aws:iam::${ACCOUNT}:role/bench` }),
  );
  return {
    name: "DynamoDB GetItem",
    send: (g) =>
      (g ? guarded : plain).send(
        new GetItemCommand({ TableName: "orders", Key: { id: { S: "1" } } }),
      ),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1000;
}

const BLOCK = 100;

/**
 * Alternates blocks of plain and guarded calls so drift (JIT, GC, CPU frequency, other load on
 * the machine) hits both alike; every call is timed on its own.
 */
async function measure(c: Case) {
  for (let i = 0; i < 5000; i++) {
    await c.send(false);
    await c.send(true);
  }
  const plain: number[] = [];
  const guarded: number[] = [];
  for (let done = 0; done < SAMPLES; done += BLOCK) {
    const order = (done / BLOCK) % 2 === 0 ? [false, true] : [true, false];
    for (const g of order) {
      const into = g ? guarded : plain;
      for (let i = 0; i < BLOCK; i++) into.push(await time(() => c.send(g)));
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanRatio = (mean(guarded) - mean(plain)) / mean(plain);
  plain.sort((a, b) => a - b);
  guarded.sort((a, b) => a - b);
  const row = {
    name: c.name,
    plainP50: percentile(plain, 50),
    plainP99: percentile(plain, 99),
    guardedP50: percentile(guarded, 50),
    guardedP99: percentile(guarded, 99),
  };
  return {
    ...row,
    addedP50: row.guardedP50 - row.plainP50,
    addedP99: row.guardedP99 - row.plainP99,
    ratio: (row.guardedP50 - row.plainP50) / row.plainP50,
    meanRatio,
  };
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run with node --expose-gc");
  collect();
  collect();
}

async function memory(c: Case) {
  for (let i = 0; i < 10_000; i++) await c.send(true);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < MEMORY_CALLS; i++) await c.send(true);
  gc();
  const after = process.memoryUsage().heapUsed;
  return { calls: MEMORY_CALLS, before, after };
}

const f = (us: number) => `${us.toFixed(1)} µs`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${mb(totalmem())} RAM, Node ${process.version}`,
);
console.log(`${SAMPLES} calls each, in alternating blocks of ${BLOCK}\n`);
console.log(
  "| call | without p50 | without p99 | with p50 | with p99 | added p50 | added p99 | ratio (p50) |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
const cases = [s3Case(), dynamoCase()];
for (const c of cases) {
  const r = await measure(c);
  console.log(
    `| ${r.name} | ${f(r.plainP50)} | ${f(r.plainP99)} | ${f(r.guardedP50)} | ${f(r.guardedP99)} | ${f(r.addedP50)} | ${f(r.addedP99)} | ${(r.ratio * 100).toFixed(1)} % | ${(r.meanRatio * 100).toFixed(1)} % |`,
  );
}
const m = await memory(cases[1]!);
console.log(
  `\nheap after warm-up ${mb(m.before)}, after ${m.calls.toLocaleString("en-US")} more calls ${mb(m.after)} (${mb(m.after - m.before)} difference)`,
);
