import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AccessDiffError } from "./errors.js";
import { runTool, type Tools } from "./tools.js";
import { wasmBuiltins } from "./wasm-builtins.js";

/**
 * Built-in functions policy-set Rego may not use even where the runtime has them. The first
 * three reach the network or read the process environment: pull-request content is untrusted,
 * and these are how compiled or tested Rego would exfiltrate data. `rand.intn` makes decisions
 * random, and an access diff of random decisions means nothing. `time.now_ns` is named for
 * the message's sake: the WebAssembly runtime lacks it, so it is left out with every other
 * builtin the runtime lacks (see {@link wasmBuiltins}).
 * @public
 */
export const FORBIDDEN_BUILTINS: ReadonlyArray<string> = [
  "http.send",
  "net.lookup_ip_addr",
  "opa.runtime",
  "rand.intn",
  "time.now_ns",
];

interface CapabilitiesDocument {
  builtins?: Array<{ name: string }>;
  allow_net?: string[];
  [key: string]: unknown;
}

/**
 * The capabilities policy-set Rego compiles and is tested against: the builtins of
 * `opa capabilities --current` that the WebAssembly runtime can also run, minus
 * {@link FORBIDDEN_BUILTINS}, with no network hosts allowed. Rego that calls anything else
 * fails `opa check`, `opa test` and `opa build` with the name of the builtin.
 * @internal
 */
export function restrictCapabilities(
  capabilities: CapabilitiesDocument,
  runnable: ReadonlySet<string> = wasmBuiltins(),
): CapabilitiesDocument {
  const forbidden = new Set(FORBIDDEN_BUILTINS);
  return {
    ...capabilities,
    builtins: (capabilities.builtins ?? []).filter(
      (builtin) => runnable.has(builtin.name) && !forbidden.has(builtin.name),
    ),
    allow_net: [],
  };
}

/**
 * Writes the restricted capabilities (see {@link restrictCapabilities}) into `dir` and returns
 * the file's path for `--capabilities`. `keycard build`, `keycard test` and the gate all
 * compile against this one file, so a builtin the gate refuses never ships.
 * @internal
 */
export async function writeRestrictedCapabilities(tools: Tools, dir: string): Promise<string> {
  const result = await runTool(tools.opa, ["capabilities", "--current"], {
    cwd: dir,
    timeoutMs: tools.timeoutMs,
    memoryBytes: tools.memoryBytes,
  });
  let capabilities: CapabilitiesDocument;
  try {
    capabilities = JSON.parse(result.stdout) as CapabilitiesDocument;
  } catch (cause) {
    throw new AccessDiffError(
      "ToolFailed",
      `opa capabilities --current printed no capabilities: ${result.stderr.trim()}`,
      { cause },
    );
  }
  const path = join(dir, "capabilities.json");
  await writeFile(path, JSON.stringify(restrictCapabilities(capabilities)));
  return path;
}
