import { AccessDiffError } from "./errors.js";
import { readWasmCapabilities } from "./wasm-capabilities.js";

let cached: ReadonlySet<string> | undefined;

/**
 * The builtins the engine's WebAssembly runtime (`@open-policy-agent/opa-wasm`, as installed)
 * can evaluate, read from the SDK's own capabilities file. Rego that calls any other builtin
 * compiles with `opa build -t wasm` and fails every evaluation in production.
 * @public
 */
export function wasmBuiltins(): ReadonlySet<string> {
  if (cached) return cached;
  let names: string[];
  try {
    const document = JSON.parse(readWasmCapabilities()) as {
      builtins?: Array<{ name?: unknown }>;
    };
    names = (document.builtins ?? []).flatMap((b) => (typeof b.name === "string" ? [b.name] : []));
  } catch (cause) {
    throw new AccessDiffError(
      "ToolFailed",
      "cannot read the builtins of the WebAssembly runtime (@open-policy-agent/opa-wasm capabilities.json); reinstall the package",
      { cause },
    );
  }
  if (names.length === 0) {
    throw new AccessDiffError(
      "ToolFailed",
      "the WebAssembly runtime's capabilities list no builtins; reinstall @open-policy-agent/opa-wasm",
    );
  }
  cached = new Set(names);
  return cached;
}
