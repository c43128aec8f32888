import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The text of the opa-wasm SDK's `capabilities.json`, which the SDK publishes beside its
 * sources: every builtin a bundle can call when the SDK evaluates it (those compiled into the
 * WebAssembly and those the SDK implements in JavaScript). The package does not export the
 * file, so it is found from the package's entry point. Bundlers that ship no node_modules
 * (the GitHub Action) replace this module with the file's text at build time.
 * @internal
 */
export function readWasmCapabilities(): string {
  const entry = createRequire(import.meta.url).resolve("@open-policy-agent/opa-wasm");
  return readFileSync(join(dirname(entry), "..", "capabilities.json"), "utf8");
}
