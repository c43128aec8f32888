/*
 * Just enough of PartiQL to find the table a DynamoDB statement names (DynamoDB Developer Guide,
 * "PartiQL select / insert / update / delete statements for DynamoDB"). String literals and quoted
 * identifiers are read as single tokens first, so words inside them never name the table.
 * Anything outside these four shapes is not parsed: the caller treats the table as unknown. The
 * kind of statement is its first word, read before any token: a statement that does not start
 * with one of the kinds' words (a comment first, say) has no action, and its call is not mapped.
 */

import { ownMember } from "../object-prototype.js";

/** The IAM action for each statement kind. */
export type PartiqlAction = "PartiQLSelect" | "PartiQLInsert" | "PartiQLUpdate" | "PartiQLDelete";

/**
 * What a statement targets: its action and, when it could be parsed, table and index. The action
 * is undefined when the statement does not start with one of the kinds' words. @internal
 */
export interface PartiqlTarget {
  readonly action: PartiqlAction | undefined;
  readonly table?: string;
  readonly index?: string;
}

type Token =
  | { readonly kind: "word"; readonly text: string }
  | { readonly kind: "name"; readonly text: string }
  | { readonly kind: "string" }
  | { readonly kind: "other"; readonly text: string };

/** Longest statement read; DynamoDB accepts statements of at most 8 KB. */
const MAX_LENGTH = 10_000;

/** Tokens of a statement, or undefined when it holds something this reader does not know. */
function tokenize(text: string): Token[] | undefined {
  const out: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const c = text[at]!;
    if (/\s/.test(c)) {
      at++;
    } else if (c === "'" || c === '"') {
      // A quote inside is doubled ('it''s', "a""b"); an unterminated one is not parsed.
      let value = "";
      let i = at + 1;
      for (;;) {
        const end = text.indexOf(c, i);
        if (end < 0) return undefined;
        value += text.slice(i, end);
        if (text[end + 1] === c) {
          value += c;
          i = end + 2;
        } else {
          at = end + 1;
          break;
        }
      }
      out.push(c === "'" ? { kind: "string" } : { kind: "name", text: value });
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at, at + 256))![0];
      out.push({ kind: "word", text: word });
      at += word.length;
    } else if (
      (c === "-" && text[at + 1] === "-") ||
      (c === "/" && text[at + 1] === "*") ||
      c === "`"
    ) {
      // Comments could hide or fake the table name; so could a backtick literal, inside which
      // PartiQL's lexer reads comments of its own where this one would see a quote.
      return undefined;
    } else {
      out.push({ kind: "other", text: c });
      at++;
    }
  }
  return out;
}

function isWord(token: Token | undefined, word: string): boolean {
  return token?.kind === "word" && token.text.toUpperCase() === word;
}

/** A table or index name: a quoted identifier or a plain word. */
function nameOf(token: Token | undefined): string | undefined {
  if (token?.kind === "name") return token.text.length > 0 ? token.text : undefined;
  if (token?.kind === "word") return token.text;
  return undefined;
}

/**
 * The table (and, for a select, the index) at `tokens[at]`: `t`, `"t"` or `"t"."index"`,
 * followed by the end of the statement or a clause keyword, never by more names.
 */
function tableAt(
  tokens: readonly Token[],
  at: number,
  action: PartiqlAction,
  end: number,
): PartiqlTarget {
  const table = nameOf(tokens[at]);
  if (table === undefined) return { action };
  let next = at + 1;
  let index: string | undefined;
  const dot = tokens[next];
  if (dot?.kind === "other" && dot.text === ".") {
    index = nameOf(tokens[next + 1]);
    if (index === undefined || action !== "PartiQLSelect") return { action };
    next += 2;
  }
  const after = tokens[next];
  if (next < end && after?.kind !== "word") return { action };
  return index === undefined ? { action, table } : { action, table, index };
}

/** Each statement kind's first word and the action AWS checks for it. */
const ACTIONS: Readonly<Record<string, PartiqlAction>> = Object.freeze({
  SELECT: "PartiQLSelect",
  EXISTS: "PartiQLSelect",
  INSERT: "PartiQLInsert",
  UPDATE: "PartiQLUpdate",
  DELETE: "PartiQLDelete",
});

/**
 * The statement's first word, upper-cased, read from its start before anything else: a comment
 * stops the tokens (see {@link tokenize}) but must not hide what kind of statement it is.
 */
function leadingWord(text: string): string | undefined {
  let at = 0;
  while (at < text.length && /\s/.test(text[at]!)) at++;
  let end = at;
  while (end < text.length && end - at < 16) {
    const c = text.charCodeAt(end);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!letter) break;
    end++;
  }
  if (end === at) return undefined;
  // A word that runs on (`DELETEX`, `SELECT_1`) is not one of the kinds'.
  const next = end < text.length ? text.charCodeAt(end) : -1;
  if ((next >= 48 && next <= 57) || next === 95) return undefined;
  return text.slice(at, end).toUpperCase();
}

/** The action and table of one PartiQL statement. @internal */
export function partiqlTarget(statement: string | undefined): PartiqlTarget {
  const text = statement ?? "";
  const verb = leadingWord(text);
  // An own member only: `CONSTRUCTOR` is no kind, whatever `Object.prototype` holds.
  const action = verb === undefined ? undefined : ownMember(ACTIONS, verb);
  if (action === undefined) return { action };
  const tokens = text.length > MAX_LENGTH ? undefined : tokenize(text);
  if (!tokens) return { action };
  switch (verb) {
    case "INSERT":
      return isWord(tokens[1], "INTO") ? tableAt(tokens, 2, action, tokens.length) : { action };
    case "UPDATE":
      return tableAt(tokens, 1, action, tokens.length);
    case "DELETE":
      return isWord(tokens[1], "FROM") ? tableAt(tokens, 2, action, tokens.length) : { action };
    case "SELECT":
      return selectTable(tokens, 1, tokens.length);
    case "EXISTS": {
      // A transaction's condition check: EXISTS(SELECT … FROM t WHERE …).
      const open = tokens[1];
      const close = tokens[tokens.length - 1];
      if (open?.kind !== "other" || open.text !== "(" || !isWord(tokens[2], "SELECT"))
        return { action };
      if (close?.kind !== "other" || close.text !== ")") return { action };
      return selectTable(tokens, 3, tokens.length - 1);
    }
    default:
      return { action };
  }
}

/** The table of a select: after the first FROM outside parentheses. */
function selectTable(tokens: readonly Token[], from: number, end: number): PartiqlTarget {
  const action = "PartiQLSelect";
  let depth = 0;
  for (let i = from; i < end; i++) {
    const t = tokens[i]!;
    if (t.kind === "other" && t.text === "(") depth++;
    else if (t.kind === "other" && t.text === ")") depth--;
    else if (depth === 0 && isWord(t, "FROM")) {
      // Sub-queries and joins are not DynamoDB PartiQL; a second FROM is not parsed.
      for (let j = i + 1; j < end; j++) if (isWord(tokens[j], "FROM")) return { action };
      return tableAt(tokens, i + 1, action, end);
    }
    if (depth < 0) return { action };
  }
  return { action };
}
