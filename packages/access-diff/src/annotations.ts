import { describeStatement, plural } from "./format.js";
import type { GateReport } from "./types.js";

/** One annotation on a file and line. @public */
export interface Annotation {
  level: "error" | "warning" | "notice";
  title: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** GitHub shows at most this many annotations of each level per step. @public */
export const ANNOTATIONS_PER_LEVEL = 10;

/**
 * Annotations for invalid statements, failing tests, risky new grants and new access, most
 * severe first, at most {@link ANNOTATIONS_PER_LEVEL} of each level (more are not shown).
 * @public
 */
export function toAnnotations(report: GateReport, perLevel = ANNOTATIONS_PER_LEVEL): Annotation[] {
  const all: Array<Annotation & { rank: number }> = [];
  for (const set of report.sets) {
    for (const finding of set.findings) {
      all.push({
        level: finding.severity,
        rank: finding.severity === "error" ? 1 : 5,
        title: `${finding.check}${finding.rule ? `: ${finding.rule}` : ""}`,
        message: finding.message,
        ...(finding.file ? { file: finding.file } : {}),
        ...(finding.line ? { line: finding.line } : {}),
        ...(finding.column ? { column: finding.column } : {}),
      });
    }
    for (const risk of set.risks) {
      const blocking = !report.approved && report.failOn.includes("escalation");
      const serious = risk.severity !== "medium";
      all.push({
        level: blocking && serious ? "error" : "warning",
        // A known escalation path outranks everything: it is what a reviewer must not miss.
        rank: risk.severity === "critical" ? 0 : risk.severity === "high" ? 2 : 3,
        title: `${risk.severity} risk: ${risk.title}`,
        message: `${risk.description} Newly allowed: ${risk.actions.slice(0, 10).join(", ")}${risk.actions.length > 10 ? `, and ${risk.actions.length - 10} more` : ""}. See ${risk.source.url}`,
        ...(risk.statement ? { file: risk.statement.file } : {}),
        ...(risk.statement?.line ? { line: risk.statement.line } : {}),
      });
    }
    for (const change of set.newAccess) {
      all.push({
        level: "notice",
        rank: 9,
        title: `New access: ${plural(change.actions.length, "action")}`,
        message: `${describeStatement(change.statement)} newly allows ${change.actions.slice(0, 8).join(", ")}${change.actions.length > 8 ? ", …" : ""} on ${change.resource}`,
        ...(change.statement ? { file: change.statement.file } : {}),
        ...(change.statement?.line ? { line: change.statement.line } : {}),
      });
    }
  }
  all.sort((a, b) => a.rank - b.rank);
  const used = { error: 0, warning: 0, notice: 0 };
  const out: Annotation[] = [];
  for (const { rank: _rank, ...annotation } of all) {
    if (used[annotation.level] >= perLevel) continue;
    used[annotation.level] += 1;
    out.push(annotation);
  }
  return out;
}
