import { readFileSync } from "node:fs";
import { keycardWasmFile } from "../wasm/keycard-wasm.js";
import { asError, PolicyLoadError } from "./errors.js";
import { type AbiState, evaluateText, instantiateDirect } from "./opa-abi.js";

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

interface Sdk {
  loadPolicy(
    wasm: Uint8Array | CompiledModule,
    memory?: { initial: number; maximum?: number },
  ): Promise<LoadedWasmPolicy>;
}

/**
 * opa-wasm, imported only for modules that call built-in functions it implements in
 * JavaScript (custom Rego in a bundle): importing it loads a YAML library, which would
 * otherwise dominate start-up.
 */
async function sdk(): Promise<Sdk> {
  return (await import("@open-policy-agent/opa-wasm")) as unknown as Sdk;
}

/**
 * Compiling the ~400 KB module costs far more than instantiating it, and tools such as the
 * policy gate load hundreds of policies from the same few modules, so compiled modules are
 * kept by content hash (a handful at most).
 */
const compiledModules = new Map<string, Promise<CompiledModule>>();
const MAX_COMPILED_MODULES = 8;

/** Bundles only: the built-in library is compiled once without hashing (see `builtinModule`). */
async function compileOnce(wasm: Uint8Array): Promise<CompiledModule> {
  const { createHash } = await import("node:crypto");
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

/**
 * Returns a function that evaluates an entrypoint on input given as JSON text and returns its
 * result. opa-wasm's own `evaluate` copies the input twice and scans the output for its end
 * one byte at a time in JavaScript, a fifth of a call's cost; {@link evaluateText} writes the
 * text straight into the module's memory. It reads the state opa-wasm's `LoadedPolicy` keeps
 * under the same names (the data and heap addresses anew each time: `setData` moves them), and
 * falls back to opa-wasm's `evaluate` when that state is not there.
 * @internal
 */
export function jsonEvaluator(
  policy: LoadedWasmPolicy,
  entrypoint: string,
): (input: string) => unknown {
  const state = policy as unknown as Partial<AbiState>;
  const id = policy.entrypoints[entrypoint];
  if (
    typeof state.wasmInstance?.exports?.opa_eval !== "function" ||
    typeof id !== "number" ||
    typeof state.minorVersion !== "number" ||
    state.minorVersion < 2 ||
    typeof state.dataAddr !== "number" ||
    typeof state.dataHeapPtr !== "number" ||
    state.mem === undefined
  ) {
    const encoder = new TextEncoder();
    return (input) => firstResult(policy.evaluate(encoder.encode(input).buffer, entrypoint));
  }
  const abi = state as AbiState;
  return (input) => firstResult(JSON.parse(evaluateText(abi, id, input)));
}

/**
 * The result of a result set's first entry, or undefined when the module gave none: only the
 * set's own members are read, so an empty set never yields what code in the process put on
 * `Array.prototype[0]` or `Object.prototype.result`.
 */
function firstResult(set: unknown): unknown {
  if (!Array.isArray(set) || !Object.hasOwn(set, 0)) return undefined;
  const first = set[0] as unknown;
  if (typeof first !== "object" || first === null || !Object.hasOwn(first, "result"))
    return undefined;
  return (first as { result: unknown }).result;
}

let builtin: Promise<CompiledModule> | undefined;

/** Starts the compile before returning when the package's own file can be read. */
function compileBuiltin(): Promise<CompiledModule> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = installedWasmBytes();
  } catch (error) {
    return Promise.reject(error);
  }
  if (bytes !== undefined) return webAssembly.compile(bytes);
  return embeddedWasmBytes().then((embedded) => webAssembly.compile(embedded));
}

/**
 * The precompiled IAM library's bytes: `wasm/keycard.wasm`, read from the installed package, or
 * in a bundle (which carries modules, not files) the copy embedded in `wasm/keycard-wasm-text.js`
 * as deflate-compressed base64 text. Reading the file costs a fraction of parsing and inflating
 * the text, which Node would keep in memory for as long as the process runs.
 * @internal
 */
export async function builtinWasmBytes(): Promise<Uint8Array> {
  return installedWasmBytes() ?? (await embeddedWasmBytes());
}

/**
 * The installed package's `wasm/keycard.wasm`, read at once (0.4 MB, a fraction of a
 * millisecond): an asynchronous read would wait for the caller's synchronous work to end before
 * the compile could start on V8's threads. Undefined in a bundle, or when the file is missing
 * from a copy of the modules.
 */
function installedWasmBytes(): Uint8Array | undefined {
  if (keycardWasmFile === undefined) return undefined;
  try {
    return readFileSync(keycardWasmFile);
  } catch (cause) {
    // Only a missing file (a copy of the modules without it) falls back to the text.
    if ((cause as { code?: unknown } | undefined)?.code === "ENOENT") return undefined;
    throw missingLibrary(cause);
  }
}

async function embeddedWasmBytes(): Promise<Uint8Array> {
  try {
    const { keycardWasmDeflateBase64 } = await import("../wasm/keycard-wasm-text.js");
    // Imported here, not at the top: only the embedded copy is compressed and base64 (and an
    // ES module import of node:buffer for the global `Buffer` costs start-up time).
    const [{ inflateRawSync }, { Buffer }] = await Promise.all([
      import("node:zlib"),
      import("node:buffer"),
    ]);
    // One output chunk (the module is 0.4 MB): the default 16 KB chunks cost a fifth more time.
    return inflateRawSync(Buffer.from(keycardWasmDeflateBase64, "base64"), {
      chunkSize: 1 << 19,
    });
  } catch (cause) {
    throw missingLibrary(cause);
  }
}

function missingLibrary(cause: unknown): PolicyLoadError {
  return new PolicyLoadError(
    "WasmLoadFailed",
    "the precompiled IAM library is missing from @keycard/engine (wasm/keycard.wasm, wasm/keycard-wasm.js, wasm/keycard-wasm-text.js); rebuild the package",
    { cause: asError(cause) },
  );
}

/**
 * The precompiled IAM library, compiled once per process and shared by every `loadPolicy`;
 * read on first use, so a process that loads only bundles never reads it. A failure is not
 * remembered, so a later load tries again.
 * @internal
 */
export function builtinModule(): Promise<CompiledModule> {
  builtin ??= compileBuiltin();
  builtin.catch(() => {
    builtin = undefined;
  });
  return builtin;
}

/** Instantiates a keycard wasm module and checks that it has the decision entrypoint. @internal */
export async function instantiate(
  wasm: Uint8Array | "builtin",
  origin: string,
): Promise<LoadedWasmPolicy> {
  let policy: LoadedWasmPolicy;
  try {
    const compiled = wasm === "builtin" ? await builtinModule() : await compileOnce(wasm);
    policy =
      (instantiateDirect(compiled) as LoadedWasmPolicy | undefined) ??
      (await (await sdk()).loadPolicy(compiled, { initial: 5, maximum: 8192 }));
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
