/**
 * One benchmark case measured three ways side by side: the SDK alone, the SDK with a middleware
 * that does nothing in keycard's place, and the SDK with keycard; keycard's decision timed on
 * its own; and the heap over many calls.
 */
import type {
  FinalizeHandlerArguments,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  MiddlewareStack,
} from "@smithy/types";
import { type KeycardOptions, keycardMiddlewareOptions, keycardPlugin } from "../src/index.js";

/** The three ways each call is made. */
export type Variant = "plain" | "noop" | "keycard";
const VARIANTS: Variant[] = ["plain", "noop", "keycard"];
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

/** One case, ready to be measured. */
export interface Case {
  send(variant: Variant): Promise<unknown>;
  /** One call of keycard's middleware alone, with a `next` that does nothing. */
  decide(): Promise<unknown>;
  /** Heap before and after `calls` calls with keycard (after a warm-up), both after a full GC. */
  memory(calls: number): Promise<{ calls: number; before: number; after: number }>;
}

/**
 * Builds the three clients of a case. `command(i)` makes the `i`-th command; the counter runs
 * across all variants, so a case with distinct inputs never repeats one in any variant.
 */
export async function makeCase(
  makeClient: () => Client,
  command: (i: number) => Command,
  options: KeycardOptions,
): Promise<Case> {
  let counter = 0;
  const next = () => command(counter++);
  const clients = { plain: makeClient(), noop: makeClient(), keycard: makeClient() };
  const noop: FinalizeRequestMiddleware<object, object> = (nextHandler) => (args) =>
    nextHandler(args);
  stackOf(clients.noop).addRelativeTo(noop, {
    ...keycardMiddlewareOptions,
    name: "noopMiddleware",
  });
  const plugin = keycardPlugin(options);
  stackOf(clients.keycard).use(plugin);

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
  let middleware: FinalizeRequestMiddleware<object, object> | undefined;
  plugin.applyToStack({
    // The input-copy step; the check copies the input itself, so `decide` measures the copy too.
    add: () => {},
    addRelativeTo: (m: FinalizeRequestMiddleware<object, object>) => {
      middleware = m;
    },
  } as unknown as MiddlewareStack<object, object>);
  const done = async () => ({ output: {}, response: {} });
  const handler = middleware!(done, context!);

  const send = (variant: Variant) => clients[variant].send(next() as never);
  return {
    send,
    decide: () => handler({ ...args!, input: next().input }),
    async memory(calls) {
      for (let i = 0; i < 20_000; i++) await send("keycard");
      collect();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < calls; i++) await send("keycard");
      collect();
      return { calls, before, after: process.memoryUsage().heapUsed };
    },
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
export type Figures = Record<Variant, { p50: number; p99: number; cpu: number }> & {
  /** Microseconds per call of keycard's middleware alone. */
  decision: number;
};

/**
 * Alternates blocks of the three variants, rotating which goes first, so drift (JIT, GC, CPU
 * frequency, other load on the machine) hits them alike; every call is also timed on its own.
 * CPU time is this process's, block by block: unlike wall time, other processes' load does not
 * inflate it.
 */
export async function measure(c: Case, samples: number): Promise<Figures> {
  for (let i = 0; i < 5000; i++) for (const v of VARIANTS) await c.send(v);
  const wall: Record<Variant, number[]> = { plain: [], noop: [], keycard: [] };
  const cpu: Record<Variant, number[]> = { plain: [], noop: [], keycard: [] };
  for (let done = 0; done < samples; done += BLOCK) {
    const shift = (done / BLOCK) % VARIANTS.length;
    for (let j = 0; j < VARIANTS.length; j++) {
      const v = VARIANTS[(j + shift) % VARIANTS.length]!;
      const used = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) {
        const start = process.hrtime.bigint();
        await c.send(v);
        wall[v].push(Number(process.hrtime.bigint() - start) / 1000);
      }
      const { user, system } = process.cpuUsage(used);
      cpu[v].push((user + system) / BLOCK);
    }
  }
  const figures = {} as Figures;
  for (const v of VARIANTS) {
    const xs = wall[v].sort((a, b) => a - b);
    const blocks = cpu[v].sort((a, b) => a - b);
    figures[v] = { p50: percentile(xs, 50), p99: percentile(xs, 99), cpu: percentile(blocks, 50) };
  }
  for (let i = 0; i < 2000; i++) await c.decide();
  const n = 20_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await c.decide();
  figures.decision = Number(process.hrtime.bigint() - start) / 1000 / n;
  return figures;
}
