/**
 * Escaping for text that comes from a pull request (file and set names, Sids, condition keys,
 * rule messages) wherever it is rendered: Markdown comments and job summaries, terminal
 * output and the job log. Each function returns one line.
 */

/** Line breaks, C0/C1 controls, line and paragraph separators, and bidirectional overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Characters with a meaning in GitHub-flavoured Markdown inside a line or a table cell. */
const MARKDOWN = /[\\`*_[\]|~]/g;

/**
 * Text for a Markdown line or table cell that renders as itself: controls become spaces,
 * `&`, `<` and `>` become entities (so `<!--` cannot hide the rest of a comment), Markdown
 * punctuation is escaped, and `@` is followed by a zero-width space so no one is mentioned.
 * @public
 */
export function markdownText(text: string): string {
  return text
    .replace(CONTROL, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(MARKDOWN, (c) => `\\${c}`)
    .replace(/@/g, "@\u200b");
}

/**
 * A Markdown code span holding `text` verbatim: the fence is one backtick longer than the
 * longest run of backticks inside, so the text cannot close it early. Controls become spaces
 * and `|` is escaped so a table row stays one row. Nothing inside a code span is HTML or a
 * mention.
 * @internal
 */
export function markdownCode(text: string): string {
  const clean = text.replace(CONTROL, " ").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = clean.startsWith("`") || clean.endsWith("`") ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/**
 * Text for one line of a terminal or a CI job log: line breaks and other control characters
 * are written as escapes (`\n`, `\u001b`), so no line can start with a workflow command such
 * as `::set-output::` or move the cursor.
 * @public
 */
export function logText(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** A copy of a JSON-like value with {@link logText} applied to every string in it. @internal */
export function logSafe<T>(value: T): T {
  if (typeof value === "string") return logText(value) as T;
  if (Array.isArray(value)) return value.map(logSafe) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, logSafe(v)]),
    ) as T;
  }
  return value;
}
