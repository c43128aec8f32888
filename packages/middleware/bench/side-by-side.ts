/**
 * One benchmark case measured side by side: the SDK alone, the SDK with three middleware that do
 * nothing in keycard's three places, the SDK with keycard, the SDK alone followed on every call by
 * keycard's check run on its own and, when given, the SDK with a baseline build of keycard
 * (another version's plugin, to compare versions in one run); keycard's check timed on its own in
 * a tight loop; and the heap over many calls.
 */

import {
  type KeycardOptions,
  type KeycardPlugin,
  keycardMiddlewareOptions,
  keycardPlugin,
  keycardSnapshotOptions,
} from "@keycard/middleware";
import type {
  FinalizeHandlerArguments,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  MiddlewareStack,
} from "@smithy/types";

/**
 * The ways each call is made. `check`: a plain SDK call, then keycard's check run on its own
 * with a `next` that does nothing, as in {@link Case.decide}: the check's cost with the SDK's
 * work around it, as in a real call.
 */
export type Variant = "plain" | "noop" | "keycard" | "check" | "baseline";
/** Makes a plugin: this version's `keycardPlugin`, or a baseline version's. */
export type PluginFactory = (options: KeycardOptions) => KeycardPlugin;
/** Calls per variant in a row before the next variant takes its turn. */
const BLOCK = 100;

/** Any SDK client: only its middleware stack and `send` are used. */
interface Client {
  middlewareStack: unknown;
  send(command: never): Promise<unknown>;
}

const stackOf = (client: Client) => client.middlewareStack as MiddlewareStack<object, object>;

/** A command with an input, as the SDK's command classes are. */
interface Command {
  readonly input: object;
}

/** Heap after a full GC before and after `calls` calls (after a warm-up). */
export interface Heap {
  calls: number;
  before: number;
  after: number;
}

/** One case, ready to be measured. */
export interface Case {
  /** The variants this case has, in the order they first take turns. */
  readonly variants: readonly Variant[];
  send(variant: Variant): Promise<unknown>;
  /** One call of keycard's middleware (or the baseline's) alone, with a `next` that does nothing. */
  decide(variant?: "keycard" | "baseline"): Promise<unknown>;
  /** The heap over `calls` full SDK calls with keycard. */
  memory(calls: number): Promise<Heap>;
  /** The heap over `calls` calls of keycard's middleware alone, each with a new input. */
  memoryAlone(calls: number): Promise<Heap>;
}

/**
 * Builds the three clients of a case. `command(i)` makes the `i`-th command; the counter runs
 * across all variants, so a case with distinct inputs never repeats one in any variant.
 * `subject` makes the plugin measured as keycard: this checkout's, unless another is given.
 */
export async function makeCase(
  makeClient: () => Client,
  command: (i: number) => Command,
  options: KeycardOptions,
  baseline?: PluginFactory,
  subject: PluginFactory = keycardPlugin,
): Promise<Case> {
  let counter = 0;
  const next = () => command(counter++);
  const variants: Variant[] = [
    "plain",
    "noop",
    "keycard",
    "check",
    ...(baseline ? ["baseline" as const] : []),
  ];
  const clients = Object.fromEntries(variants.map((v) => [v, makeClient()])) as Record<
    Variant,
    Client
  >;
  // One do-nothing middleware in each of keycard's three places: the SDK's own cost of them.
  const noop = (nextHandler: (args: never) => Promise<unknown>) => (args: never) =>
    nextHandler(args);
  const noopStack = stackOf(clients.noop);
  noopStack.add(noop as never, { ...keycardSnapshotOptions, name: "noopSnapshot" });
  noopStack.addRelativeTo(noop as never, { ...keycardMiddlewareOptions, name: "noopMiddleware" });
  noopStack.add(noop as never, { step: "deserialize", priority: "low", name: "noopGate" });
  const plugins: Partial<Record<Variant, KeycardPlugin>> = { keycard: subject(options) };
  if (baseline) plugins.baseline = baseline(options);
  stackOf(clients.keycard).use(plugins.keycard!);
  if (plugins.baseline) stackOf(clients.baseline).use(plugins.baseline);

  // The context and arguments keycard sees in a real call, to run its middleware alone.
  let context: HandlerExecutionContext | undefined;
  let args: FinalizeHandlerArguments<object> | undefined;
  const spied = makeClient();
  const spy: FinalizeRequestMiddleware<object, object> = (nextHandler, seen) => (seenArgs) => {
    context = seen;
    args = seenArgs;
    return nextHandler(seenArgs);
  };
  stackOf(spied).addRelativeTo(spy, { ...keycardMiddlewareOptions, name: "spyMiddleware" });
  await spied.send(next() as never);
  const done = async () => ({ output: {}, response: {} });
  const alone: Partial<Record<Variant, (a: FinalizeHandlerArguments<object>) => Promise<unknown>>> =
    {};
  for (const variant of ["keycard", "baseline"] as const) {
    const plugin = plugins[variant];
    if (!plugin) continue;
    let middleware: FinalizeRequestMiddleware<object, object> | undefined;
    plugin.applyToStack({
      // The input-copy step and the gate; the check copies the input itself, so `decide`
      // measures the copy too.
      add: () => {},
      addRelativeTo: (m: FinalizeRequestMiddleware<object, object>) => {
        middleware = m;
      },
    } as unknown as MiddlewareStack<object, object>);
    alone[variant] = middleware!(done, context!);
  }

  // The check compares the serialized request with the input: each new input gets the captured
  // request with the path's labels (string members of the captured input found in the path)
  // filled from it, as the SDK would serialize it. Both variants get the same request.
  const captured = args!;
  const request = captured.request as { path: string };
  const labels = Object.entries(captured.input as Record<string, unknown>).filter(
    (entry): entry is [string, string] =>
      typeof entry[1] === "string" && request.path.endsWith(`/${entry[1]}`),
  );
  const requestFor = (input: Record<string, unknown>) => {
    let path = request.path;
    for (const [name, value] of labels) path = path.slice(0, -value.length) + String(input[name]);
    return Object.assign(Object.create(Object.getPrototypeOf(request)), request, { path });
  };
  const decide = (variant: "keycard" | "baseline" = "keycard") => {
    const input = next().input as Record<string, unknown>;
    return alone[variant]!({ ...captured, input, request: requestFor(input) });
  };
  const send = async (variant: Variant) => {
    if (variant !== "check") return clients[variant].send(next() as never);
    await clients.check.send(next() as never);
    return decide("keycard");
  };
  const heap = async (calls: number, call: () => Promise<unknown>): Promise<Heap> => {
    for (let i = 0; i < 20_000; i++) await call();
    collect();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < calls; i++) await call();
    collect();
    return { calls, before, after: process.memoryUsage().heapUsed };
  };
  return {
    variants,
    send,
    decide,
    memory: (calls) => heap(calls, () => send("keycard")),
    memoryAlone: (calls) => heap(calls, () => decide("keycard")),
  };
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc");
  gc();
  gc();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Per variant: wall time p50 and p99 of single calls, and CPU time per call (median of blocks). */
export type Figures = Partial<Record<Variant, { p50: number; p99: number; cpu: number }>> & {
  /** CPU microseconds per call of keycard's check alone in a tight loop (and of the baseline's). */
  decision: number;
  baselineDecision?: number;
  /** Wall microseconds (median) of one check right after the CPU's caches were emptied. */
  coldDecision: number;
  baselineColdDecision?: number;
};

/**
 * Alternates blocks of the three variants, rotating which goes first, so drift (JIT, GC, CPU
 * frequency, other load on the machine) hits them alike; every call is also timed on its own.
 * CPU time is this process's, block by block: unlike wall time, other processes' load does not
 * inflate it.
 */
export async function measure(c: Case, samples: number): Promise<Figures> {
  const variants = c.variants;
  for (let i = 0; i < 5000; i++) for (const v of variants) await c.send(v);
  const wall: Partial<Record<Variant, number[]>> = {};
  const cpu: Partial<Record<Variant, number[]>> = {};
  for (const v of variants) {
    wall[v] = [];
    cpu[v] = [];
  }
  for (let done = 0; done < samples; done += BLOCK) {
    const shift = (done / BLOCK) % variants.length;
    for (let j = 0; j < variants.length; j++) {
      const v = variants[(j + shift) % variants.length]!;
      const used = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) {
        const start = process.hrtime.bigint();
        await c.send(v);
        wall[v]!.push(Number(process.hrtime.bigint() - start) / 1000);
      }
      const { user, system } = process.cpuUsage(used);
      cpu[v]!.push((user + system) / BLOCK);
    }
  }
  const figures = {} as Figures;
  for (const v of variants) {
    const xs = wall[v]!.sort((a, b) => a - b);
    const blocks = cpu[v]!.sort((a, b) => a - b);
    figures[v] = { p50: percentile(xs, 50), p99: percentile(xs, 99), cpu: percentile(blocks, 50) };
  }
  // Keycard's check alone in a tight loop, alternating with the baseline's in blocks as above.
  const alone = (variants.includes("baseline") ? ["keycard", "baseline"] : ["keycard"]) as Array<
    "keycard" | "baseline"
  >;
  for (let i = 0; i < 2000; i++) for (const v of alone) await c.decide(v);
  const times: Record<string, number[]> = { keycard: [], baseline: [] };
  for (let block = 0; block < 40; block++) {
    for (let j = 0; j < alone.length; j++) {
      const v = alone[(j + block) % alone.length]!;
      const used = process.cpuUsage();
      for (let i = 0; i < 500; i++) await c.decide(v);
      const { user, system } = process.cpuUsage(used);
      times[v]!.push((user + system) / 500);
    }
  }
  figures.decision = percentile(
    times["keycard"]!.sort((a, b) => a - b),
    50,
  );
  if (times["baseline"]!.length > 0)
    figures.baselineDecision = percentile(
      times["baseline"]!.sort((a, b) => a - b),
      50,
    );
  // The same check right after the CPU's caches were emptied by reading unrelated memory: what
  // it costs when the SDK's own work between two calls has evicted keycard's code and data.
  const cold: Record<string, number[]> = { keycard: [], baseline: [] };
  for (let block = 0; block < 40; block++) {
    for (let j = 0; j < alone.length; j++) {
      const v = alone[(j + block) % alone.length]!;
      for (let i = 0; i < 25; i++) {
        evictCaches();
        const start = process.hrtime.bigint();
        await c.decide(v);
        cold[v]!.push(Number(process.hrtime.bigint() - start) / 1000);
      }
    }
  }
  figures.coldDecision = percentile(
    cold["keycard"]!.sort((a, b) => a - b),
    50,
  );
  if (cold["baseline"]!.length > 0)
    figures.baselineColdDecision = percentile(
      cold["baseline"]!.sort((a, b) => a - b),
      50,
    );
  return figures;
}

/** More memory than the CPU's caches hold; read a line at a time to push everything else out. */
const eviction = { memory: new Float64Array((32 * 1024 * 1024) / 8), sum: 0 };

function evictCaches(): void {
  const memory = eviction.memory;
  let sum = 0;
  for (let i = 0; i < memory.length; i += 8) sum += memory[i]!;
  // Kept, so that the reads are not optimised away.
  eviction.sum += sum;
}
