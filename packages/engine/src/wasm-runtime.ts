import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
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

/** Location of the precompiled IAM library shipped with this package. @internal */
export const builtinWasmUrl = new URL("../wasm/keycard.wasm", import.meta.url);

/** Instantiates a keycard wasm module and checks that it has the decision entrypoint. @internal */
export async function instantiate(wasm: Uint8Array, origin: string): Promise<LoadedWasmPolicy> {
  let policy: LoadedWasmPolicy;
  try {
    policy = await sdk.loadPolicy(await compileOnce(wasm), { initial: 5, maximum: 8192 });
  } catch (thrown) {
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

/** Reads the precompiled library; a clear error when the package was built without it. @internal */
export async function readBuiltinWasm(): Promise<Uint8Array> {
  try {
    return await readFile(builtinWasmUrl);
  } catch (cause) {
    throw new PolicyLoadError(
      "WasmLoadFailed",
      `the precompiled IAM library is missing at ${builtinWasmUrl.pathname}; rebuild @keycard/engine`,
      { cause },
    );
  }
}
