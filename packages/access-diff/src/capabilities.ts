import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AccessDiffError } from "./errors.js";
import { runTool, type Tools } from "./tools.js";

/**
 * Built-in functions policy-set Rego may not use. The first three reach the network or read
 * the process environment: pull-request content is untrusted, and these are how compiled or
 * tested Rego would exfiltrate data. `rand.intn` makes decisions random, and an access diff
 * of random decisions means nothing. `time.now_ns` is not implemented by the WebAssembly
 * runtime the engine evaluates with: it compiles and tests, then every call is denied. Other
 * builtins the runtime lacks are caught when the gate evaluates a sample request.
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
 * Writes `opa capabilities --current` minus {@link FORBIDDEN_BUILTINS}, with no network
 * hosts allowed, into `dir` and returns its path for `--capabilities`.
 * @internal
 */
export async function writeRestrictedCapabilities(tools: Tools, dir: string): Promise<string> {
  const result = await runTool(tools.opa, ["capabilities", "--current"], {
    cwd: dir,
    timeoutMs: tools.timeoutMs,
  });
  let capabilities: CapabilitiesDocument;
  try {
    capabilities = JSON.parse(result.stdout) as CapabilitiesDocument;
  } catch (cause) {
    throw new AccessDiffError(
      "ToolFailed",
      `opa capabilities --current printed no capabilities: ${result.stderr.trim()}`,
      {
        cause,
      },
    );
  }
  const forbidden = new Set(FORBIDDEN_BUILTINS);
  capabilities.builtins = (capabilities.builtins ?? []).filter(
    (builtin) => !forbidden.has(builtin.name),
  );
  capabilities.allow_net = [];
  const path = join(dir, "capabilities.json");
  await writeFile(path, JSON.stringify(capabilities));
  return path;
}

/**
 * Writes the capabilities every keycard command compiles against (OPA's own, minus
 * {@link FORBIDDEN_BUILTINS}, with no network hosts) to `capabilities.json` in `dir`, and
 * returns its path for `opa build --capabilities`. `keycard build` and the gate use the same
 * file, so a builtin the gate refuses never ships.
 * @public
 */
export function writeCapabilitiesFile(
  opa: string,
  dir: string,
  timeoutMs = 60_000,
): Promise<string> {
  return writeRestrictedCapabilities({ opa, regal: undefined, timeoutMs }, dir);
}
