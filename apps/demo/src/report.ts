import type { KeycardDecision } from "@keycard/middleware";

const width = (rows: string[][], column: number) =>
  Math.max(...rows.map((row) => (row[column] ?? "").length));

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A compact table of decisions: one line per IAM request a call needed. */
export function decisionTable(decisions: ReadonlyArray<KeycardDecision>): string {
  const rows: string[][] = [["mode", "call", "action", "resource", "verdict"]];
  for (const decision of decisions) {
    for (const request of decision.requests) {
      rows.push([
        decision.mode,
        `${decision.service}:${decision.operation}`,
        request.action,
        shorten(request.resource, 64),
        request.allow ? "allow" : decision.mode === "enforce" ? "DENY (not sent)" : "deny (sent)",
      ]);
    }
  }
  const widths = rows[0]?.map((_, column) => width(rows, column)) ?? [];
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(rows[0] ?? []),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.slice(1).map(line),
  ].join("\n");
}
