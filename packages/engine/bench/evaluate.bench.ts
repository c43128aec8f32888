/**
 * Per-decision latency of @keycard/engine against policies of 10 to 10,000 statements:
 * uncached and reused with a new resource on every call (the headline), and repeated inputs, memory over 1,000,000 evaluations, and Cedar on an equivalent
 * policy in the same run. Run: `npm run bench -w @keycard/engine`.
 */
import { cpus, totalmem } from "node:os";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import {
  type EvaluationInput,
  loadPolicy,
  type PolicyDocument,
  type PolicyStatement,
} from "../src/index.js";

const SERVICES = [
  "s3",
  "dynamodb",
  "sqs",
  "sns",
  "lambda",
  "kms",
  "secretsmanager",
  "ssm",
  "logs",
  "kinesis",
];
const ACCOUNT = "123456789012";

interface Grant {
  action: string;
  resourcePattern: string;
  sampleResource: string;
}

/** Statement i grants one action on one resource family; wildcards at the end, as real policies do. */
function grant(i: number): Grant {
  const service = SERVICES[i % SERVICES.length] as string;
  const action = `${service}:Action${Math.floor(i / SERVICES.length) % 400}`;
  const base = `arn:aws:${service}:us-east-1:${ACCOUNT}:thing-${i}`;
  return { action, resourcePattern: `${base}/*`, sampleResource: `${base}/item-42` };
}

function iamPolicy(size: number): PolicyDocument {
  const Statement: PolicyStatement[] = [];
  for (let i = 0; i < size; i++) {
    const g = grant(i);
    Statement.push({
      Sid: `S${i}`,
      Effect: "Allow",
      Action: g.action,
      Resource: g.resourcePattern,
    });
  }
  return { Version: "2012-10-17", Statement };
}

function cedarPolicies(size: number): string {
  const lines: string[] = [];
  for (let i = 0; i < size; i++) {
    const g = grant(i);
    lines.push(
      `@id("S${i}") permit(principal, action == Action::"${g.action}", resource) when { context.arn like "${g.resourcePattern}" };`,
    );
  }
  return lines.join("\n");
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

function measure(
  iterations: number,
  run: (input: EvaluationInput) => void,
  inputFor: (i: number) => EvaluationInput,
): { p50: number; p99: number } {
  for (let i = 0; i < Math.min(2000, iterations); i++) run(inputFor(i));
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    // Built before the clock starts: the figure is the engine's, not the benchmark's.
    const input = inputFor(iterations + i);
    const start = process.hrtime.bigint();
    run(input);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

const fmt = (us: number) => `${us.toFixed(2)} µs`;

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  console.log("");
  console.log(
    "| statements | uncached p50 | uncached p99 | reused p50 | reused p99 | repeated p50 | repeated p99 | cedar p50 | cedar p99 | cedar/keycard uncached (p50) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 20_000);
  // Warm the JIT on the code paths every row uses, so the first row is not charged for it.
  {
    const warm = await loadPolicy({
      iam: [{ name: "warm", document: iamPolicy(50) }],
      checkActions: false,
    });
    const g = grant(7);
    const input: EvaluationInput = {
      region: "us-east-1",
      requests: [{ action: g.action, resource: g.sampleResource }],
    };
    for (let i = 0; i < 50_000; i++) warm.evaluate(input);
  }
  for (const size of [10, 100, 1000, 10_000]) {
    const document = iamPolicy(size);
    const uncached = await loadPolicy({
      iam: [{ name: "bench", document }],
      cache: false,
      checkActions: false,
    });
    const cached = await loadPolicy({ iam: [{ name: "bench", document }], checkActions: false });
    // Requests that each hit a different statement, so the work is the real lookup.
    const inputs: EvaluationInput[] = Array.from({ length: 256 }, (_, k) => {
      const g = grant((k * 7919) % size);
      return { region: "us-east-1", requests: [{ action: g.action, resource: g.sampleResource }] };
    });
    for (const input of inputs) {
      if (!uncached.evaluate(input).allow)
        throw new Error(`keycard denied a granted request at ${size}`);
    }
    // Distinct inputs: every call names a new object under one of 256 statements' patterns.
    const distinct = (i: number): EvaluationInput => {
      const g = grant(((i & 255) * 7919) % size);
      return {
        region: "us-east-1",
        requests: [
          { action: g.action, resource: g.sampleResource.replace("item-42", `item-${i}`) },
        ],
      };
    };
    const repeated = (i: number) => inputs[i & 255] as EvaluationInput;
    const k = measure(iterations, (input) => uncached.evaluate(input), distinct);
    const reused = await loadPolicy({ iam: [{ name: "bench", document }], checkActions: false });
    const r = measure(iterations, (input) => reused.evaluate(input), distinct);
    const c = measure(iterations, (input) => cached.evaluate(input), repeated);

    const setId = `bench-${size}`;
    const parsed = cedar.preparsePolicySet(setId, { staticPolicies: cedarPolicies(size) });
    if (parsed.type !== "success")
      throw new Error(`cedar could not parse: ${JSON.stringify(parsed)}`);
    const cedarCalls = inputs.map((input) => {
      const request = input.requests[0];
      return {
        principal: { type: "User", id: "app" },
        action: { type: "Action", id: request?.action ?? "" },
        resource: { type: "Resource", id: request?.resource ?? "" },
        context: { arn: request?.resource ?? "" },
        preparsedPolicySetId: setId,
        entities: [],
      };
    });
    for (const call of cedarCalls) {
      const answer = cedar.statefulIsAuthorized(call);
      if (answer.type !== "success" || answer.response.decision !== "allow") {
        throw new Error(`cedar denied a granted request at ${size}: ${JSON.stringify(answer)}`);
      }
    }
    const cedarIterations = size >= 10_000 ? Math.min(iterations, 2000) : iterations;
    const ce = measure(
      cedarIterations,
      (call) => cedar.statefulIsAuthorized(call as unknown as (typeof cedarCalls)[number]),
      (i) => cedarCalls[i & 255] as unknown as EvaluationInput,
    );
    console.log(
      `| ${size.toLocaleString("en-US")} | ${fmt(k.p50)} | ${fmt(k.p99)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(c.p50)} | ${fmt(c.p99)} | ${fmt(ce.p50)} | ${fmt(ce.p99)} | ${(ce.p50 / k.p50).toFixed(1)}× |`,
    );
  }

  const total = Number(process.env.BENCH_MEMORY_ITERATIONS ?? 1_000_000);
  const gc = (globalThis as { gc?: () => void }).gc;
  console.log("");
  for (const reuse of [false, true]) {
    const policy = await loadPolicy({
      iam: [{ name: "bench", document: iamPolicy(100) }],
      ...(reuse ? {} : { cache: false }),
      checkActions: false,
    });
    const g = grant(37);
    const input = (i: number): EvaluationInput => ({
      region: "us-east-1",
      requests: [{ action: g.action, resource: g.sampleResource.replace("item-42", `item-${i}`) }],
    });
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const wasmBefore = policy.stats().wasmMemoryBytes;
    const started = process.hrtime.bigint();
    for (let i = 0; i < total; i++) policy.evaluate(input(i));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    console.log(
      `memory over ${total.toLocaleString("en-US")} distinct inputs (100 statements, ${reuse ? "reused" : "uncached"}, ${(total / seconds).toFixed(0)}/s): ` +
        `heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MiB, ` +
        `wasm memory ${(wasmBefore / 2 ** 20).toFixed(1)} → ${(policy.stats().wasmMemoryBytes / 2 ** 20).toFixed(1)} MiB, ` +
        `${policy.stats().cacheEntries} cached decisions` +
        (gc ? "" : " (run with node --expose-gc for a settled heap figure)"),
    );
  }
}

await main();
