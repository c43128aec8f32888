/**
 * What keeping only the members the SDK's model serializes adds to a call, side by side in one
 * run: the input copy keycard makes twice per call (initialize and finalizeRequest steps) alone,
 * and the same with the schema pass after each copy and the `Object.prototype` check. Both
 * variants run on real SDK contexts (the operation schema the client carries), in alternating
 * blocks, timed in CPU time. The headline cases use a new input on every call; the repeated
 * cases reuse one input, labelled. Run:
 * `node --conditions=@keycard/source --import tsx bench/serialized-members.bench.ts`.
 *
 * Environment: `BENCH_SAMPLES` (calls per variant and case, default 200,000).
 */
import { loadavg } from "node:os";
import type { HandlerExecutionContext } from "@smithy/types";
import { snapshotInput } from "../src/input-snapshot.js";
import { assertPrototypeClean } from "../src/object-prototype.js";
import { serializedInput } from "../src/serialized-members.js";
import { dynamoClient, getItem, putObject, s3Client } from "./sdk-calls.js";

const SAMPLES = Number(process.env["BENCH_SAMPLES"] ?? 200_000);
const BLOCK = 1000;

/** The context the SDK builds for a command, taken from a call stopped before it is sent. */
async function contextOf(
  client: { middlewareStack: unknown; send(command: never): Promise<unknown> },
  command: unknown,
): Promise<HandlerExecutionContext> {
  let captured: HandlerExecutionContext | undefined;
  const stack = client.middlewareStack as {
    add(m: unknown, o: object): void;
  };
  stack.add(
    (_next: unknown, context: HandlerExecutionContext) => async () => {
      captured = context;
      throw new Error("captured");
    },
    { step: "finalizeRequest", priority: "high" },
  );
  await client.send(command as never).catch(() => undefined);
  if (!captured) throw new Error("no context captured");
  return captured;
}

type Variant = (input: object) => unknown;

const copyOnly: Variant = (input) => snapshotInput(snapshotInput(input));
const withSchema =
  (context: HandlerExecutionContext): Variant =>
  (input) => {
    const first = serializedInput(snapshotInput(input), context);
    const second = serializedInput(snapshotInput(first), context);
    assertPrototypeClean();
    return second;
  };

/** CPU µs per call of each variant: median over alternating blocks. */
function measure(variants: Variant[], input: (i: number) => object): number[] {
  const inputs = Array.from({ length: BLOCK }, (_, i) => input(i));
  const samples: number[][] = variants.map(() => []);
  let sink = 0;
  for (let round = 0; round * BLOCK < SAMPLES; round++) {
    for (let v = 0; v < variants.length; v++) {
      const run = variants[(v + round) % variants.length] as Variant;
      const fresh = inputs.map((x) => ({ ...x }));
      const start = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) if (run(fresh[i] as object)) sink++;
      const used = process.cpuUsage(start);
      samples[(v + round) % variants.length]?.push((used.user + used.system) / BLOCK);
    }
  }
  if (sink < 0) console.log(sink);
  return samples.map((s) => {
    const sorted = [...s].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  });
}

const s3 = await contextOf(s3Client(), putObject("a.json"));
const ddb = await contextOf(dynamoClient(), getItem("1"));
const cases: Array<[string, HandlerExecutionContext, (i: number) => object]> = [
  ["S3 PutObject, distinct keys", s3, (i) => putObject(`2024/${i}.json`).input],
  ["DynamoDB GetItem, distinct keys", ddb, (i) => getItem(String(i)).input],
  ["S3 PutObject, repeated input", s3, () => putObject("a.json").input],
  ["DynamoDB GetItem, repeated input", ddb, () => getItem("1").input],
];

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
console.log(`${SAMPLES} calls per variant and case, blocks of ${BLOCK}; load average ${load()}\n`);
console.log("| call | two input copies | + schema pass and prototype check | added |");
console.log("| --- | --- | --- | --- |");
for (const [name, context, input] of cases) {
  // Warm-up, so both variants run optimized code.
  measure([copyOnly, withSchema(context)], input);
  const [copy, schema] = measure([copyOnly, withSchema(context)], input) as [number, number];
  console.log(
    `| ${name} | ${copy.toFixed(2)} µs | ${schema.toFixed(2)} µs | ${(schema - copy).toFixed(2)} µs (${(((schema - copy) / copy) * 100).toFixed(0)} %) |`,
  );
}
console.log(`\nload average ${load()}`);
