/**
 * What keycard adds to an SDK call: the same client and command without keycard, with a no-op
 * middleware in keycard's place (the SDK's own cost of one more middleware), and with keycard,
 * against an in-memory request handler (a canned HTTP response, no network), in alternating
 * blocks in one run; keycard's decision time measured on its own; then heap before and after
 * 1,000,000 calls. Run: `npm run bench -w @keycard/middleware`.
 */
import { cpus, totalmem } from "node:os";
import { Readable } from "node:stream";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { loadPolicy } from "@keycard/engine";
import type {
  FinalizeHandlerArguments,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  HttpResponse,
  MiddlewareStack,
} from "@smithy/types";
import { keycardMiddlewareOptions, keycardPlugin } from "../src/index.js";

const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/bench`;
const SAMPLES = Number(process.env["BENCH_SAMPLES"] ?? 20_000);
const MEMORY_CALLS = Number(process.env["BENCH_MEMORY_CALLS"] ?? 1_000_000);
const BLOCK = 100;

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

type Variant = "plain" | "noop" | "keycard";
const VARIANTS: Variant[] = ["plain", "noop", "keycard"];

/** Any SDK client: only its middleware stack is touched. */
interface Stackable {
  middlewareStack: unknown;
}

const stackOf = (client: Stackable) => client.middlewareStack as MiddlewareStack<object, object>;

/** Adds a middleware that does nothing, in keycard's place. */
function addNoop(client: Stackable): void {
  const noop: FinalizeRequestMiddleware<object, object> = (next) => (args) => next(args);
  stackOf(client).addRelativeTo(noop, { ...keycardMiddlewareOptions, name: "noopMiddleware" });
}

/** Records the context and arguments keycard sees, to time its decision on its own. */
function addSpy(
  client: Stackable,
  seen: { context?: HandlerExecutionContext; args?: FinalizeHandlerArguments<object> },
): void {
  const spy: FinalizeRequestMiddleware<object, object> = (next, context) => (args) => {
    seen.context = context;
    seen.args = args;
    return next(args);
  };
  stackOf(client).addRelativeTo(spy, { ...keycardMiddlewareOptions, name: "spyMiddleware" });
}

interface Case {
  name: string;
  send: (variant: Variant) => Promise<unknown>;
  /** One call of keycard's middleware alone, with a `next` that does nothing. */
  decide: () => Promise<unknown>;
}

async function makeCase<C extends Stackable & { send(command: never): Promise<unknown> }>(
  name: string,
  make: () => C,
  command: () => unknown,
): Promise<Case> {
  const clients = { plain: make(), noop: make(), keycard: make() };
  addNoop(clients.noop);
  const plugin = keycardPlugin({ policy, principalArn: ROLE });
  stackOf(clients.keycard).use(plugin);
  const send = (variant: Variant) => clients[variant].send(command() as never);

  const seen: { context?: HandlerExecutionContext; args?: FinalizeHandlerArguments<object> } = {};
  const spied = make();
  addSpy(spied, seen);
  await spied.send(command() as never);
  let middleware: FinalizeRequestMiddleware<object, object> | undefined;
  plugin.applyToStack({
    addRelativeTo: (m: FinalizeRequestMiddleware<object, object>) => {
      middleware = m;
    },
  } as unknown as MiddlewareStack<object, object>);
  const next = async () => ({ output: {}, response: {} });
  const decide = () => middleware!(next, seen.context!)(seen.args!);
  return { name, send, decide };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1000;
}

/**
 * Alternates blocks of the three variants so drift (JIT, GC, CPU frequency, other load on the
 * machine) hits them alike; every call is timed on its own.
 */
async function measure(c: Case) {
  for (let i = 0; i < 5000; i++) for (const v of VARIANTS) await c.send(v);
  const samples: Record<Variant, number[]> = { plain: [], noop: [], keycard: [] };
  // CPU time of this process per call, block by block: unlike wall time, other processes'
  // load on the machine does not inflate it.
  const cpu: Record<Variant, number[]> = { plain: [], noop: [], keycard: [] };
  for (let done = 0; done < SAMPLES; done += BLOCK) {
    const shift = (done / BLOCK) % VARIANTS.length;
    for (let j = 0; j < VARIANTS.length; j++) {
      const v = VARIANTS[(j + shift) % VARIANTS.length]!;
      const used = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) samples[v].push(await time(() => c.send(v)));
      const { user, system } = process.cpuUsage(used);
      cpu[v].push((user + system) / BLOCK);
    }
  }
  const stats = Object.fromEntries(
    VARIANTS.map((v) => {
      const xs = samples[v].sort((a, b) => a - b);
      const blocks = cpu[v].sort((a, b) => a - b);
      return [v, { p50: percentile(xs, 50), p99: percentile(xs, 99), cpu: percentile(blocks, 50) }];
    }),
  ) as Record<Variant, { p50: number; p99: number; cpu: number }>;

  for (let i = 0; i < 10_000; i++) await c.decide();
  const n = 200_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await c.decide();
  const decision = Number(process.hrtime.bigint() - start) / 1000 / n;
  return { name: c.name, ...stats, decision };
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run with node --expose-gc");
  collect();
  collect();
}

async function memory(c: Case) {
  for (let i = 0; i < 10_000; i++) await c.send("keycard");
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < MEMORY_CALLS; i++) await c.send("keycard");
  gc();
  const after = process.memoryUsage().heapUsed;
  return { calls: MEMORY_CALLS, before, after };
}

const us = (x: number) => `${x.toFixed(1)} µs`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${mb(totalmem())} RAM, Node ${process.version}`,
);
console.log(`${SAMPLES} calls per variant, in alternating blocks of ${BLOCK}\n`);
const wallRows: string[] = [];
const cpuRows: string[] = [];
const cases = [
  await makeCase(
    "S3 PutObject",
    () =>
      new S3Client({
        ...base,
        forcePathStyle: true,
        requestHandler: cannedHandler("", { etag: '"x"' }),
      }),
    () => new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: "{}" }),
  ),
  await makeCase(
    "DynamoDB GetItem",
    () =>
      new DynamoDBClient({
        ...base,
        requestHandler: cannedHandler('{"Item":{"id":{"S":"1"}}}', {
          "content-type": "application/x-amz-json-1.0",
        }),
      }),
    () => new GetItemCommand({ TableName: "orders", Key: { id: { S: "1" } } }),
  ),
];
for (const c of cases) {
  const r = await measure(c);
  const added = { p50: r.keycard.p50 - r.plain.p50, p99: r.keycard.p99 - r.plain.p99 };
  wallRows.push(
    `| ${r.name} | ${us(r.plain.p50)} / ${us(r.plain.p99)} | ${us(r.noop.p50)} / ${us(r.noop.p99)} | ${us(r.keycard.p50)} / ${us(r.keycard.p99)} | ${us(added.p50)} / ${us(added.p99)} | ${pct(added.p50 / r.plain.p50)} |`,
  );
  const addedCpu = r.keycard.cpu - r.plain.cpu;
  cpuRows.push(
    `| ${r.name} | ${us(r.plain.cpu)} | ${us(r.noop.cpu - r.plain.cpu)} | ${us(addedCpu)} (${pct(addedCpu / r.plain.cpu)}) | ${us(r.decision)} (${pct(r.decision / r.plain.cpu)}) |`,
  );
}
console.log("Wall time per call (each call timed on its own):\n");
console.log(
  "| call | SDK p50 / p99 | + no-op middleware p50 / p99 | + keycard p50 / p99 | added by keycard p50 / p99 | ratio (p50) |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
for (const row of wallRows) console.log(row);
console.log("\nCPU time per call (median over blocks), and keycard's decision timed alone:\n");
console.log(
  "| call | SDK | added by a no-op middleware | added by keycard (ratio) | keycard's decision alone (ratio) |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const row of cpuRows) console.log(row);
const m = await memory(cases[1]!);
console.log(
  `\nheap after warm-up ${mb(m.before)}, after ${m.calls.toLocaleString("en-US")} more DynamoDB GetItem calls with keycard ${mb(m.after)} (${mb(m.after - m.before)} difference)`,
);
