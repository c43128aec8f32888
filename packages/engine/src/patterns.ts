/**
 * Compiled forms of IAM wildcard patterns and policy-variable templates, in the shape the
 * Rego library reads (`policies/keycard/iam`, `policies/keycard/context`).
 */

import { foldKey } from "./key-case.js";

/**
 * `any`: matches everything; `s`: exact; `p`: starts with (a pattern whose only wildcard is
 * a trailing `*`, the common case, which spares WebAssembly a regular-expression compile per
 * evaluation); `re`: anchored regular expression; `tpl`: has variables.
 * @internal
 */
export type CompiledPattern =
  | { any: true }
  | ({ s: string } & GlobForm)
  | ({ p: string } & GlobForm)
  | ({ re: string } & GlobForm)
  | { tpl: TemplatePart[] };

/**
 * Extra forms of a resource pattern for requests whose resource is only partly known (see
 * `policies/keycard/iam`): `g` is the pattern with its wildcards encoded as
 * {@link GLOB_ANY} and {@link GLOB_ONE}, and `cre`, when it differs from `re`, is the regular
 * expression whose `?` cannot stand for an unknown part ({@link UNKNOWN_PART}).
 * @internal
 */
export interface GlobForm {
  g?: string;
  cre?: string;
}

/**
 * A literal run (with its regular-expression and glob forms) or a policy variable; `u` says
 * when the variable's value is unknown rather than absent (see `condition-keys.ts`).
 * @internal
 */
export type TemplatePart =
  | { lit: string; re: string; g?: string; cre?: string }
  | { var: string; default?: string; u?: string };

/**
 * Private-use characters the Rego library reads in partially known resources: an unknown part
 * of a request's resource, and a policy pattern's `*` and `?`. Policies and request resources
 * cannot contain them (the loader and `evaluate` refuse them), so they never collide with text.
 * @internal
 */
export const UNKNOWN_PART = "\uE000";
/** One unknown character of an unknown part of known length. @internal */
export const UNKNOWN_CHARACTER = "\uE003";
/** @internal */
export const GLOB_ANY = "\uE001";
/** @internal */
export const GLOB_ONE = "\uE002";
/**
 * Whether `text` matches `glob`, a pattern's glob form ({@link GlobForm}): {@link GLOB_ANY}
 * stands for any run of characters, {@link GLOB_ONE} for one code point, and everything else for
 * itself. Time grows with the product of the two lengths at most. A regular expression with a
 * run of `[\s\S]*` per `*` backtracks exponentially in their number on text that nearly
 * matches (a pattern of four slash-separated `*` against a key of 400 slashes took seconds), and
 * a resource is often text an application's users choose. Both must be well-formed UTF-16.
 * @internal
 */
export function globMatches(glob: string | CompiledGlob, text: string): boolean {
  const compiled = typeof glob === "string" ? compileGlob(glob) : glob;
  const { prefix, suffix } = compiled;
  if (compiled.first === -1) return compiled.glob === text;
  // The literal text before the first wildcard and after the last is compared directly: most
  // resources a pattern does not match differ there, and the loop below runs on the rest only.
  const end = text.length - suffix.length;
  if (end < prefix.length || !text.startsWith(prefix) || !text.endsWith(suffix)) return false;
  return wildcardsMatch(compiled.glob, compiled.first, compiled.last + 1, text, prefix.length, end);
}

/** A glob form with its literal ends found once (see {@link globMatches}). @internal */
export interface CompiledGlob {
  readonly glob: string;
  /** The first wildcard's position, or -1 when there is none. */
  readonly first: number;
  /** The last wildcard's position. */
  readonly last: number;
  readonly prefix: string;
  readonly suffix: string;
}

/** Finds a glob form's literal ends, for {@link globMatches} to test many texts against. @internal */
export function compileGlob(glob: string): CompiledGlob {
  let first = 0;
  while (first < glob.length && !isWildcard(glob.charCodeAt(first))) first++;
  if (first === glob.length) return { glob, first: -1, last: -1, prefix: glob, suffix: "" };
  let last = glob.length - 1;
  while (!isWildcard(glob.charCodeAt(last))) last--;
  return { glob, first, last, prefix: glob.slice(0, first), suffix: glob.slice(last + 1) };
}

/** Whether `text[t..tEnd)` matches `glob[g..gEnd)`, which starts and ends with a wildcard. */
function wildcardsMatch(
  glob: string,
  g: number,
  gEnd: number,
  text: string,
  t: number,
  tEnd: number,
): boolean {
  // The last `*` seen, and where in the text it began to match: on a mismatch it takes one
  // more code point and matching resumes after it, never going further back.
  let star = -1;
  let starAt = 0;
  while (t < tEnd) {
    if (g < gEnd) {
      const c = glob.charCodeAt(g);
      if (c === ANY_CODE) {
        star = g++;
        starAt = t;
        continue;
      }
      if (c === ONE_CODE) {
        t += codePointLength(text, t, tEnd);
        g++;
        continue;
      }
      if (c === text.charCodeAt(t)) {
        g++;
        t++;
        continue;
      }
    }
    if (star === -1) return false;
    g = star + 1;
    starAt += codePointLength(text, starAt, tEnd);
    t = starAt;
  }
  while (g < gEnd && glob.charCodeAt(g) === ANY_CODE) g++;
  return g === gEnd;
}

function isWildcard(code: number): boolean {
  return code === ANY_CODE || code === ONE_CODE;
}

const ANY_CODE = GLOB_ANY.charCodeAt(0);
const ONE_CODE = GLOB_ONE.charCodeAt(0);

/** UTF-16 units of the code point at `at`: two for a surrogate pair before `end`, else one. */
function codePointLength(text: string, at: number, end: number): number {
  const unit = text.charCodeAt(at);
  if (unit < 0xd800 || unit > 0xdbff || at + 1 >= end) return 1;
  const next = text.charCodeAt(at + 1);
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

/** The reserved range, U+E000 to U+E00F. @internal */
export const RESERVED_CHARACTERS = /[\uE000-\uE00F]/;

/**
 * The longest Resource, NotResource or condition value the loader accepts. AWS limits a whole
 * managed policy to 6,144 characters, so longer values are not real policies; a much longer
 * one may not compile as a regular expression in WebAssembly, where a failed match would read
 * as no match and silently drop a Deny.
 * @internal
 */
export const MAX_PATTERN_LENGTH = 2048;

/** `?` in a resource pattern, in the form that cannot match an unknown part. */
const ONE_KNOWN_CHARACTER = "[^\\x{E000}]";

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
        const key = foldKey(match[1]);
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
): { re: string; cre: string; g: string; colons: number } {
  let re = "";
  let cre = "";
  let g = "";
  let colons = colonsBefore;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k] as string;
    const literal = literalMask[offset + k] ?? false;
    // ArnLike checks the first five colon-separated components one by one.
    const withinComponent = mode === "arn" && colons < 5;
    // `(?s:…)`: a wildcard matches line breaks too (S3 keys may contain them).
    if (!literal && mode !== "literal" && ch === "*") {
      const any = withinComponent ? "[^:]*" : "(?s:.*)";
      re += any;
      cre += any;
      g += GLOB_ANY;
    } else if (!literal && mode !== "literal" && ch === "?") {
      re += withinComponent ? "[^:]" : "(?s:.)";
      cre += withinComponent ? "[^:\\x{E000}]" : ONE_KNOWN_CHARACTER;
      g += GLOB_ONE;
    } else {
      const escaped = escapeRegex(ch);
      re += escaped;
      cre += escaped;
      g += ch;
    }
    if (ch === ":") colons += 1;
  }
  return { re, cre, g, colons };
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
   * Adds the forms partially known resources are decided with ({@link GlobForm}); for
   * Resource and NotResource patterns.
   */
  resource?: boolean;
  /** Says, for a variable's condition key, when its value is unknown rather than absent. */
  classify?: (key: string) => string | undefined;
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
    const forms = textToRegex(text, mode, literalMask, 0, 0);
    const glob: GlobForm = options.resource ? { g: forms.g } : {};
    if (
      mode === "wildcard" &&
      text.endsWith("*") &&
      !literalMask[text.length - 1] &&
      !hasWildcard(head, literalMask, 0)
    ) {
      return { p: head, ...glob };
    }
    if (options.resource && forms.cre !== forms.re) glob.cre = `^${forms.cre}$`;
    return { re: `^${forms.re}$`, ...glob };
  }
  const parts: TemplatePart[] = [];
  let offset = 0;
  let colons = 0;
  for (const token of tokens) {
    if (token.kind === "var") {
      const u = options.classify?.(token.key);
      parts.push({
        var: token.key,
        ...(token.default === undefined ? {} : { default: token.default }),
        ...(u === undefined ? {} : { u }),
      });
      continue;
    }
    const forms = textToRegex(token.text, mode, literalMask, offset, colons);
    colons = forms.colons;
    offset += token.text.length;
    parts.push({
      lit: token.text,
      re: forms.re,
      ...(options.resource ? { g: forms.g } : {}),
      ...(options.resource && forms.cre !== forms.re ? { cre: forms.cre } : {}),
    });
  }
  return { tpl: parts };
}
