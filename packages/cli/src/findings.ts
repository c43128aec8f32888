import type { Finding } from "@keycard/access-diff";
import { type Context, eprintln } from "./command.js";

/**
 * The engine's message without the location prefix it adds (`orders.json, statement 1,
 * Resource: `), which {@link formatFinding} prints in its own words.
 */
function bareMessage(finding: Finding): string {
  if (finding.statementIndex === undefined && !finding.element) return finding.message;
  const parts = (finding.file ?? "").split("/");
  for (let i = 0; i < parts.length; i++) {
    const location = [parts.slice(i).join("/")];
    if (finding.statementIndex !== undefined) location.push(`statement ${finding.statementIndex}`);
    if (finding.element) location.push(finding.element);
    const prefix = `${location.join(", ")}: `;
    if (finding.message.startsWith(prefix)) return finding.message.slice(prefix.length);
  }
  return finding.message;
}

/** `file:line: statement 2 (Sid), Action: message`, one line per finding. @internal */
export function formatFinding(finding: Finding): string {
  const file = finding.file ?? "";
  const where = finding.line !== undefined ? `${file}:${finding.line}` : file;
  const column =
    finding.column !== undefined && finding.statementIndex === undefined
      ? `:${finding.column}`
      : "";
  const parts: string[] = [];
  if (finding.statementIndex !== undefined) {
    parts.push(`statement ${finding.statementIndex}${finding.sid ? ` (${finding.sid})` : ""}`);
  }
  if (finding.element) parts.push(finding.element);
  const location = parts.length > 0 ? ` ${parts.join(", ")}:` : "";
  const head = where ? `${where}${column}:${location} ` : location ? `${location.trim()} ` : "";
  return `${head}${bareMessage(finding)}`;
}

/** Prints findings to standard error as `error:` or `warning:` lines. @internal */
export function reportFindings(context: Context, findings: ReadonlyArray<Finding>): void {
  for (const finding of findings) {
    const label =
      finding.severity === "error" ? context.err.red("error:") : context.err.yellow("warning:");
    eprintln(context, `${label} ${formatFinding(finding)}`);
  }
}
