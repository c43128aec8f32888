import type { PolicySetFiles, SetFile } from "./policy-set.js";
import { DENY_ONLY_RULES, type ParsedRego } from "./rego-parse.js";

/** Why custom Rego needs approval, in the words the report uses. @internal */
export const CUSTOM_REGO_REASON = "custom Rego can grant access of unknown extent";

function byPath(files: ReadonlyArray<SetFile>): Map<string, string> {
  return new Map(files.map((f) => [f.path, f.text]));
}

/**
 * Why a new module is not provably deny-only, or undefined when it is: every rule it defines
 * (as OPA parses it) is `deny` or `decides_unknown`. Text matching is not used: a word can be
 * hidden from it, and a helper named anything else may be one the library reads.
 */
function notDenyOnly(path: string, parsed: ParsedRego | undefined): string | undefined {
  if (!parsed) return `${path} could not be parsed, so it is not provably deny-only`;
  const others = [...new Set(parsed.rules.filter((r) => !DENY_ONLY_RULES.has(r)))].sort();
  if (others.length === 0) return undefined;
  return `${path} adds or changes rules other than deny (${others.join(", ")})`;
}

/**
 * The changes to a set's custom Rego and data that are not provably deny-only, one sentence
 * each. A new module whose parsed rules are only `deny` and `decides_unknown` can only add
 * denials (its parsed package is `keycard.custom.<name>`, checked before it is built);
 * anything else (another rule, a module that did not parse, an edited or deleted module,
 * changed data) may grant access that no corpus of requests is sure to find, so it needs
 * approval. `parsed` holds the head's modules as OPA parsed them; a module missing from it
 * is not provably deny-only.
 * @internal
 */
export function customRegoChanges(
  base: PolicySetFiles,
  head: PolicySetFiles,
  parsed: ReadonlyMap<string, ParsedRego | undefined>,
): string[] {
  const reasons: string[] = [];
  const baseModules = byPath(base.modules);
  const headModules = byPath(head.modules);
  for (const [path, text] of headModules) {
    const before = baseModules.get(path);
    if (before === text) continue;
    const why = notDenyOnly(path, parsed.get(path));
    if (why) reasons.push(why);
    else if (before !== undefined) reasons.push(`${path} changes existing custom Rego`);
  }
  for (const path of baseModules.keys()) {
    if (!headModules.has(path)) reasons.push(`${path} removes custom Rego`);
  }
  const baseData = byPath(base.data);
  const headData = byPath(head.data);
  for (const path of new Set([...baseData.keys(), ...headData.keys()])) {
    if (baseData.get(path) !== headData.get(path)) reasons.push(`${path} changes custom-rule data`);
  }
  return reasons.sort();
}
