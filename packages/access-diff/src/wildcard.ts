/**
 * IAM wildcard matching in JavaScript, used to decide which requests a changed statement can
 * possibly touch and which resource pattern of a statement granted a request. The engine
 * stays the authority on decisions; this only has to err on the side of "may match".
 */
import { type CompiledGlob, compileGlob, GLOB_ANY, GLOB_ONE, globMatches } from "@keycard/engine";

/** Values for policy variables such as `${aws:username}`, keyed in lower case. @internal */
export type VariableValues = ReadonlyMap<string, string>;

/**
 * A Resource or Action pattern as the engine's glob form: `*` and `?` are wildcards; `${key}` is
 * the variable's value, or a wildcard when its value is unknown (so it may match); `${*}`,
 * `${?}` and `${$}` are those characters themselves. Matched with the engine's own matcher, in
 * time that grows at most with the product of the two lengths: a regular expression with a run
 * per `*` backtracked for seconds to hours on a resource made to nearly match, and a pull request
 * brings both the patterns and the recorded traffic the gate matches them against.
 * @internal
 */
export function wildcardGlob(
  pattern: string,
  options: { ignoreCase?: boolean; variables?: VariableValues } = {},
): CompiledGlob {
  let glob = "";
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith("${", i)) {
      const end = pattern.indexOf("}", i + 2);
      if (end > 0) {
        const body = pattern.slice(i + 2, end).trim();
        if (body === "*" || body === "?" || body === "$") glob += body;
        else {
          const [key = "", fallback] = body.split(/\s*,\s*'/);
          const value = options.variables?.get(key.toLowerCase()) ?? fallback?.replace(/'$/, "");
          glob += value === undefined ? GLOB_ANY : value;
        }
        i = end + 1;
        continue;
      }
    }
    const c = pattern[i] as string;
    glob += c === "*" ? GLOB_ANY : c === "?" ? GLOB_ONE : c;
    i += 1;
  }
  return compileGlob(options.ignoreCase ? glob.toLowerCase() : glob);
}

const actionPatterns = new Map<string, CompiledGlob>();
const resourcePatterns = new Map<string, CompiledGlob>();

/** True when an Action pattern (case-insensitive) covers the action. @internal */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === "*") return true;
  let glob = actionPatterns.get(pattern);
  if (!glob) {
    glob = wildcardGlob(pattern, { ignoreCase: true });
    actionPatterns.set(pattern, glob);
  }
  return globMatches(glob, action.toLowerCase());
}

/** True when a Resource pattern (case-sensitive, as IAM) covers the resource. @internal */
export function resourceMatches(
  pattern: string,
  resource: string,
  variables?: VariableValues,
): boolean {
  if (pattern === "*") return true;
  if (!variables || !pattern.includes("${")) {
    let glob = resourcePatterns.get(pattern);
    if (!glob) {
      glob = wildcardGlob(pattern);
      resourcePatterns.set(pattern, glob);
    }
    return globMatches(glob, resource);
  }
  return globMatches(wildcardGlob(pattern, { variables }), resource);
}

/** The service prefix of an action pattern, or undefined when the pattern may name any service. @internal */
export function serviceOf(actionPattern: string): string | undefined {
  const colon = actionPattern.indexOf(":");
  if (colon <= 0) return undefined;
  const service = actionPattern.slice(0, colon).toLowerCase();
  return /[*?]/.test(service) ? undefined : service;
}

/**
 * A concrete value matched by a pattern: wildcards become sample text and variables their
 * values, so `arn:aws:s3:::orders/*` yields `arn:aws:s3:::orders/keycard-probe`. With
 * `literal` (for StringEquals values) only variables are replaced.
 * @internal
 */
export function instantiate(
  pattern: string,
  variables: VariableValues,
  options: { filler?: string; literal?: boolean } = {},
): string {
  const filler = options.filler ?? "keycard-probe";
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith("${", i)) {
      const end = pattern.indexOf("}", i + 2);
      if (end > 0) {
        const body = pattern.slice(i + 2, end).trim();
        if (body === "*" || body === "?" || body === "$") out += body;
        else {
          const [key = "", fallback] = body.split(/\s*,\s*'/);
          out += variables.get(key.toLowerCase()) ?? fallback?.replace(/'$/, "") ?? filler;
        }
        i = end + 1;
        continue;
      }
    }
    const c = pattern[i] as string;
    if (c === "*" && !options.literal) out += filler;
    else if (c === "?" && !options.literal) out += "x";
    else out += c;
    i += 1;
  }
  return out;
}
