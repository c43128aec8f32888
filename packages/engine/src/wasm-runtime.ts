import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
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

// The SDK ships CommonJS; loading it through `require` keeps this package pure ESM.
const require = createRequire(import.meta.url);

/** Location of the precompiled IAM library shipped with this package. @internal */
export const builtinWasmUrl = new URL("../wasm/keycard.wasm", import.meta.url);

/** Instantiates a keycard wasm module and checks that it has the decision entrypoint. @internal */
export async function instantiate(wasm: Uint8Array, origin: string): Promise<LoadedWasmPolicy> {
  const sdk = require("@open-policy-agent/opa-wasm") as {
    loadPolicy(
      wasm: Uint8Array,
      memory?: { initial: number; maximum?: number },
    ): Promise<LoadedWasmPolicy>;
  };
  let policy: LoadedWasmPolicy;
  try {
    policy = await sdk.loadPolicy(wasm, { initial: 5, maximum: 8192 });
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
