/**
 * Compiled forms of IAM wildcard patterns and policy-variable templates, in the shape the
 * Rego library reads (`policies/keycard/iam`, `policies/keycard/context`).
 */

/**
 * `any`: matches everything; `s`: exact; `p`: starts with (a pattern whose only wildcard is
 * a trailing `*`, the common case, which spares WebAssembly a regular-expression compile per
 * evaluation); `re`: anchored regular expression; `tpl`: has variables.
 * @internal
 */
export type CompiledPattern =
  | { any: true }
  | { s: string }
  | { p: string }
  | { re: string }
  | { tpl: TemplatePart[] };

/** A literal run (with its regular-expression form) or a policy variable. @internal */
export type TemplatePart = { lit: string; re: string } | { var: string; default?: string };

/** How `*` and `?` behave: literally, anywhere, or within one ARN component. @internal */
export type WildcardMode = "literal" | "wildcard" | "arn";

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|]/g;

/** Escapes a literal for use inside a regular expression. @internal */
export function escapeRegex(text: string): string {
  return text.replace(REGEX_SPECIAL, (c) => `\\${c}`);
}

const ESCAPES: Record<string, string> = { "*": "*", "?": "?", $: "$" };

type Token = { kind: "text"; text: string } | { kind: "var"; key: string; default?: string };

/**
 * Splits a policy value into literal text and `${…}` variables. The escapes `${*}`, `${?}`
 * and `${$}` become literal characters, marked so they never act as wildcards.
 */
export function tokenize(
  value: string,
  variables = true,
): { tokens: Token[]; literalMask: boolean[] } | Error {
  const tokens: Token[] = [];
  const literalMask: boolean[] = [];
  if (!variables) {
    return value
      ? { tokens: [{ kind: "text", text: value }], literalMask: value.split("").map(() => false) }
      : { tokens, literalMask };
  }
  let text = "";
  const pushText = (chunk: string, literal: boolean) => {
    for (let k = 0; k < chunk.length; k++) {
      text += chunk[k];
      literalMask.push(literal);
    }
  };
  let i = 0;
  while (i < value.length) {
    if (value.startsWith("${", i)) {
      const end = value.indexOf("}", i + 2);
      if (end < 0) return new Error(`unterminated policy variable at position ${i}`);
      const body = value.slice(i + 2, end).trim();
      const escaped = ESCAPES[body];
      if (escaped !== undefined) {
        pushText(escaped, true);
      } else {
        const match = /^([A-Za-z0-9:_/.-]+)\s*(?:,\s*'([^']*)')?$/.exec(body);
        if (!match?.[1]) return new Error(`invalid policy variable \${${body}}`);
        if (text) tokens.push({ kind: "text", text });
        text = "";
        const key = match[1].toLowerCase();
        tokens.push(
          match[2] === undefined ? { kind: "var", key } : { kind: "var", key, default: match[2] },
        );
      }
      i = end + 1;
      continue;
    }
    pushText(value[i] as string, false);
    i += 1;
  }
  if (text) tokens.push({ kind: "text", text });
  return { tokens, literalMask };
}

function textToRegex(
  text: string,
  mode: WildcardMode,
  literalMask: boolean[],
  offset: number,
  colonsBefore: number,
): { re: string; colons: number } {
  let re = "";
  let colons = colonsBefore;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k] as string;
    const literal = literalMask[offset + k] ?? false;
    // ArnLike checks the first five colon-separated components one by one.
    const withinComponent = mode === "arn" && colons < 5;
    // `(?s:…)`: a wildcard matches line breaks too (S3 keys may contain them).
    if (!literal && mode !== "literal" && ch === "*") re += withinComponent ? "[^:]*" : "(?s:.*)";
    else if (!literal && mode !== "literal" && ch === "?")
      re += withinComponent ? "[^:]" : "(?s:.)";
    else re += escapeRegex(ch);
    if (ch === ":") colons += 1;
  }
  return { re, colons };
}

function hasWildcard(text: string, literalMask: boolean[], offset: number): boolean {
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if ((ch === "*" || ch === "?") && !literalMask[offset + k]) return true;
  }
  return false;
}

/** Options for {@link compilePattern}. @internal */
export interface PatternOptions {
  lowerCase?: boolean;
  /**
   * Whether `${…}` is a policy variable. IAM only recognises variables in documents with
   * `"Version": "2012-10-17"`; older documents treat `${aws:username}` as literal text.
   */
  variables?: boolean;
}

/**
 * Compiles a pattern as it appears in Resource, NotResource or a condition value.
 * With `mode: "literal"` wildcards are ordinary characters (StringEquals and friends).
 */
export function compilePattern(
  value: string,
  mode: WildcardMode,
  options: PatternOptions = {},
): CompiledPattern | Error {
  const source = options.lowerCase ? value.toLowerCase() : value;
  if (mode !== "literal" && source === "*") return { any: true };
  const tokenized = tokenize(source, options.variables ?? true);
  if (tokenized instanceof Error) return tokenized;
  const { tokens, literalMask } = tokenized;
  const hasVariables = tokens.some((t) => t.kind === "var");
  if (!hasVariables) {
    const text = tokens.map((t) => (t.kind === "text" ? t.text : "")).join("");
    if (mode === "literal" || !hasWildcard(text, literalMask, 0)) return { s: text };
    const head = text.slice(0, -1);
    if (
      mode === "wildcard" &&
      text.endsWith("*") &&
      !literalMask[text.length - 1] &&
      !hasWildcard(head, literalMask, 0)
    ) {
      return { p: head };
    }
    return { re: `^${textToRegex(text, mode, literalMask, 0, 0).re}$` };
  }
  const parts: TemplatePart[] = [];
  let offset = 0;
  let colons = 0;
  for (const token of tokens) {
    if (token.kind === "var") {
      parts.push(
        token.default === undefined
          ? { var: token.key }
          : { var: token.key, default: token.default },
      );
      continue;
    }
    const { re, colons: after } = textToRegex(token.text, mode, literalMask, offset, colons);
    colons = after;
    offset += token.text.length;
    parts.push({ lit: token.text, re });
  }
  return { tpl: parts };
}
