import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import * as opaWasm from "@open-policy-agent/opa-wasm";
import { asError, PolicyLoadError } from "./errors.js";

/** The part of `@open-policy-agent/opa-wasm`'s loaded policy keycard uses. @internal */
export interface LoadedWasmPolicy {
  evaluate(input: unknown, entrypoint?: number | string): Array<{ result: unknown }>;
  setData(data: unknown): void;
  entrypoints: Record<string, number>;
  /** The module's linear memory (a `WebAssembly.Memory`). */
  mem: { buffer: ArrayBuffer };
}

/** Entrypoint compiled into every keycard wasm module. @internal */
export const ENTRYPOINT = "keycard/authz/decision";

/** A compiled `WebAssembly.Module`; the DOM-free TypeScript libs do not declare the type. */
type CompiledModule = object;

const webAssembly = (
  globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledModule> } }
).WebAssembly;

const sdk = opaWasm as unknown as {
  loadPolicy(
    wasm: Uint8Array | CompiledModule,
    memory?: { initial: number; maximum?: number },
  ): Promise<LoadedWasmPolicy>;
};

/**
 * Compiling the ~400 KB module costs far more than instantiating it, and tools such as the
 * policy gate load hundreds of policies from the same few modules, so compiled modules are
 * kept by content hash (a handful at most).
 */
const compiledModules = new Map<string, Promise<CompiledModule>>();
const MAX_COMPILED_MODULES = 8;

function compileOnce(wasm: Uint8Array): Promise<CompiledModule> {
  const key = createHash("sha256").update(wasm).digest("hex");
  let compiled = compiledModules.get(key);
  if (!compiled) {
    compiled = webAssembly.compile(wasm);
    compiled.catch(() => compiledModules.delete(key));
    if (compiledModules.size >= MAX_COMPILED_MODULES) {
      const oldest = compiledModules.keys().next();
      if (!oldest.done) compiledModules.delete(oldest.value);
    }
    compiledModules.set(key, compiled);
  }
  return compiled;
}

/** The parts of opa-wasm's loaded policy that its ABI 1.2 fast path uses. */
interface OpaInternals {
  minorVersion?: unknown;
  dataAddr?: unknown;
  dataHeapPtr?: unknown;
  mem?: { buffer: ArrayBuffer; grow(pages: number): number };
  wasmInstance?: { exports?: { opa_eval?: unknown } };
}

type OpaEval = (
  reserved: number,
  entrypoint: number,
  data: number,
  input: number,
  inputLength: number,
  heap: number,
  format: number,
) => number;

const PAGE = 64 * 1024;

/**
 * Returns a function that evaluates an entrypoint on input given as JSON text and returns its
 * result. opa-wasm's own `evaluate` copies the input twice and scans the output for its end
 * one byte at a time in JavaScript, a fifth of a call's cost; this writes the text straight
 * into the module's memory and finds the end natively. It uses the same ABI 1.2 `opa_eval`
 * call as opa-wasm, reading the data and heap addresses anew each time (`setData` moves them),
 * and falls back to opa-wasm's `evaluate` for modules of older ABI versions.
 * @internal
 */
export function jsonEvaluator(
  policy: LoadedWasmPolicy,
  entrypoint: string,
): (input: string) => unknown {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const internals = policy as unknown as OpaInternals;
  const opaEval = internals.wasmInstance?.exports?.opa_eval;
  const id = policy.entrypoints[entrypoint];
  const memory = internals.mem;
  if (
    typeof opaEval !== "function" ||
    typeof id !== "number" ||
    typeof internals.minorVersion !== "number" ||
    internals.minorVersion < 2 ||
    typeof internals.dataAddr !== "number" ||
    typeof internals.dataHeapPtr !== "number" ||
    memory === undefined
  ) {
    return (input) => policy.evaluate(encoder.encode(input).buffer, entrypoint)[0]?.result;
  }
  const run = opaEval as OpaEval;
  return (input) => {
    const address = internals.dataHeapPtr as number;
    // UTF-8 takes at most three bytes per UTF-16 code unit.
    const room = address + input.length * 3 - memory.buffer.byteLength;
    if (room > 0) memory.grow(Math.ceil(room / PAGE));
    const { written } = encoder.encodeInto(input, new Uint8Array(memory.buffer, address));
    const result = run(0, id, internals.dataAddr as number, address, written, address + written, 0);
    const bytes = new Uint8Array(memory.buffer);
    const end = bytes.indexOf(0, result);
    if (end < 0) throw new Error("the policy module returned an unterminated result");
    const set = JSON.parse(decoder.decode(bytes.subarray(result, end))) as unknown;
    return Array.isArray(set) ? (set[0] as { result?: unknown } | undefined)?.result : undefined;
  };
}

/** Instantiates a keycard wasm module and checks that it has the decision entrypoint. @internal */
export async function instantiate(
  wasm: Uint8Array | "builtin",
  origin: string,
): Promise<LoadedWasmPolicy> {
  let policy: LoadedWasmPolicy;
  try {
    const compiled = wasm === "builtin" ? await builtinModule() : await compileOnce(wasm);
    policy = await sdk.loadPolicy(compiled, { initial: 5, maximum: 8192 });
  } catch (thrown) {
    if (thrown instanceof PolicyLoadError) throw thrown;
    throw new PolicyLoadError(
      "WasmLoadFailed",
      `cannot instantiate the policy module from ${origin}`,
      {
        cause: asError(thrown),
      },
    );
  }
  if (!(ENTRYPOINT in policy.entrypoints)) {
    throw new PolicyLoadError(
      "InvalidBundle",
      `${origin} has no "${ENTRYPOINT}" entrypoint (entrypoints: ${Object.keys(policy.entrypoints).join(", ") || "none"}); build it with \`keycard build\``,
    );
  }
  return policy;
}

let builtin: Promise<CompiledModule> | undefined;

/**
 * The precompiled IAM library, compiled once per process and shared by every `loadPolicy`. It
 * ships as base64 text in an ES module (`wasm/keycard-wasm.js`, written by the build) so that
 * bundlers such as esbuild carry it along; the import is dynamic so that loading only bundles
 * never parses it. A failure is not remembered, so a later load tries again.
 * @internal
 */
export function builtinModule(): Promise<CompiledModule> {
  builtin ??= import("../wasm/keycard-wasm.js").then(
    ({ keycardWasmBase64 }) => webAssembly.compile(Buffer.from(keycardWasmBase64, "base64")),
    (cause: unknown) => {
      throw new PolicyLoadError(
        "WasmLoadFailed",
        "the precompiled IAM library is missing from @keycard/engine (wasm/keycard-wasm.js); rebuild the package",
        { cause: asError(cause) },
      );
    },
  );
  builtin.catch(() => {
    builtin = undefined;
  });
  return builtin;
}
