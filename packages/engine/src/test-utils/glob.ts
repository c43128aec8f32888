import { escapeRegex, GLOB_ANY, GLOB_ONE } from "../patterns.js";

/**
 * A glob form as the regular expression the decision-reuse key once tested, over code points:
 * the reference `globMatches` is compared with, on text short enough to backtrack over.
 */
export function globRegExp(glob: string): RegExp {
  let source = "^";
  for (const ch of glob)
    source += ch === GLOB_ANY ? "[\\s\\S]*" : ch === GLOB_ONE ? "[\\s\\S]" : escapeRegex(ch);
  return new RegExp(`${source}$`, "u");
}
