import type { PolicySetFiles, SetFile } from "./policy-set.js";

/** Why custom Rego needs approval, in the words the report uses. @internal */
export const CUSTOM_REGO_REASON = "custom Rego can grant access of unknown extent";

function byPath(files: ReadonlyArray<SetFile>): Map<string, string> {
  return new Map(files.map((f) => [f.path, f.text]));
}

/** True when a module's text names an `allow` rule anywhere (a definition or a reference). */
function mentionsAllow(text: string): boolean {
  return /\ballow\b/.test(text.replace(/#.*$/gm, ""));
}

/**
 * The changes to a set's custom Rego and data that are not provably deny-only, one sentence
 * each. A new module that never mentions `allow` can only add denials (its package is
 * `keycard.custom.<name>`, checked when the set is read); anything else (a module that
 * mentions `allow`, an edited or deleted module, changed data) may grant access that no
 * corpus of requests is sure to find, so it needs approval.
 * @internal
 */
export function customRegoChanges(base: PolicySetFiles, head: PolicySetFiles): string[] {
  const reasons: string[] = [];
  const baseModules = byPath(base.modules);
  const headModules = byPath(head.modules);
  for (const [path, text] of headModules) {
    const before = baseModules.get(path);
    if (before === text) continue;
    if (mentionsAllow(text)) reasons.push(`${path} adds or changes an allow rule`);
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
