/**
 * IAM wildcard matching in JavaScript, used to decide which requests a changed statement can
 * possibly touch and which resource pattern of a statement granted a request. The engine
 * stays the authority on decisions; this only has to err on the side of "may match".
 */

const SPECIAL = /[\\^$.+()[\]{}|]/g;

/** Values for policy variables such as `${aws:username}`, keyed in lower case. @internal */
export type VariableValues = ReadonlyMap<string, string>;

/**
 * Compiles a Resource or Action pattern. `*` and `?` are wildcards; `${key}` is replaced by
 * the variable's value, or by a wildcard when its value is unknown (so it may match).
 * @internal
 */
export function wildcardRegExp(
  pattern: string,
  options: { ignoreCase?: boolean; variables?: VariableValues } = {},
): RegExp {
  let source = "";
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith("${", i)) {
      const end = pattern.indexOf("}", i + 2);
      if (end > 0) {
        const body = pattern.slice(i + 2, end).trim();
        if (body === "*" || body === "?" || body === "$") source += `\\${body}`;
        else {
          const [key = "", fallback] = body.split(/\s*,\s*'/);
          const value = options.variables?.get(key.toLowerCase()) ?? fallback?.replace(/'$/, "");
          source +=
            value === undefined ? ".*" : value.replace(/[\\^$.*+?()[\]{}|]/g, (c) => `\\${c}`);
        }
        i = end + 1;
        continue;
      }
    }
    const c = pattern[i] as string;
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else source += c.replace(SPECIAL, (s) => `\\${s}`);
    i += 1;
  }
  return new RegExp(`^${source}$`, options.ignoreCase ? "is" : "s");
}

const actionPatterns = new Map<string, RegExp>();
const resourcePatterns = new Map<string, RegExp>();

/** True when an Action pattern (case-insensitive) covers the action. @internal */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === "*") return true;
  let re = actionPatterns.get(pattern);
  if (!re) {
    re = wildcardRegExp(pattern, { ignoreCase: true });
    actionPatterns.set(pattern, re);
  }
  return re.test(action);
}

/** True when a Resource pattern (case-sensitive, as IAM) covers the resource. @internal */
export function resourceMatches(
  pattern: string,
  resource: string,
  variables?: VariableValues,
): boolean {
  if (pattern === "*") return true;
  if (!variables || !pattern.includes("${")) {
    let re = resourcePatterns.get(pattern);
    if (!re) {
      re = wildcardRegExp(pattern);
      resourcePatterns.set(pattern, re);
    }
    return re.test(resource);
  }
  return wildcardRegExp(pattern, { variables }).test(resource);
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
