import { logSafe } from "./escape.js";
import {
  describeConditions,
  describeRequest,
  describeStatement,
  location,
  plural,
  shortRef,
  sortFindings,
} from "./format.js";
import type { AccessChange, GateReport } from "./types.js";

/** Options for {@link renderTerminal}. @public */
export interface TerminalOptions {
  /** Use ANSI colours. Default false. */
  color?: boolean;
  /** Show example requests under each group. Default false. */
  verbose?: boolean;
}

type Paint = (text: string) => string;

function painter(color: boolean, code: string): Paint {
  return color ? (text) => `\u001b[${code}m${text}\u001b[0m` : (text) => text;
}

/**
 * Renders a report for a terminal: the verdict, then risks, access changes and findings,
 * one line each.
 *
 * @example
 * ```ts
 * process.stdout.write(renderTerminal(report, { color: process.stdout.isTTY }));
 * ```
 * @public
 */
export function renderTerminal(hostile: GateReport, options: TerminalOptions = {}): string {
  // Names and messages come from the pull request: one line each, whatever they hold.
  const report = logSafe(hostile);
  const color = options.color ?? false;
  const red = painter(color, "31");
  const green = painter(color, "32");
  const yellow = painter(color, "33");
  const bold = painter(color, "1");
  const dim = painter(color, "2");
  const lines: string[] = [];
  const verdict = report.verdict === "pass" ? green("PASS") : red("FAIL");
  const { counts } = report;
  lines.push(
    `${bold("keycard policy gate")} ${verdict}  ${dim(`${shortRef(report.base)} → ${shortRef(report.head)}`)}`,
    `  ${plural(counts.sets, "policy set")}, ${counts.newAccess} new, ${counts.removedAccess} removed, ${plural(counts.escalations, "risk")}, ${counts.invalid} invalid, ${counts.failedTests} failing tests`,
  );
  for (const reason of report.reasons) {
    const counted = report.failOn.includes(reason.check);
    const mark = !counted ? dim("·") : reason.waived ? yellow("~") : red("✗");
    lines.push(
      `  ${mark} ${reason.check}: ${reason.message}${reason.waived ? ` (approved by ${report.approvalLabel})` : ""}`,
    );
  }
  for (const note of report.notes) lines.push(`  ${dim(note)}`);
  const change = (c: AccessChange, sign: string, paint: Paint) => {
    const actions =
      c.actions.length <= 8 || options.verbose
        ? c.actions.join(", ")
        : c.actionPatterns.length > 0
          ? `${c.actions.length} actions matching ${c.actionPatterns.join(", ")}`
          : `${c.actions.slice(0, 6).join(", ")} and ${c.actions.length - 6} more`;
    lines.push(
      `  ${paint(sign)} ${actions} on ${c.resource} ${dim(`(${describeStatement(c.statement)}${c.statement ? ` ${location(c.statement.file, c.statement.line)}${c.direction === "removed" ? " in base" : ""}` : ""}; ${describeConditions(c)}${c.recordedCalls ? `; ${plural(c.recordedCalls, "recorded call")}` : ""})`)}`,
    );
    if (options.verbose) for (const e of c.examples) lines.push(`      ${dim(describeRequest(e))}`);
  };
  for (const set of report.sets) {
    lines.push("", `${bold(set.name)} ${dim(set.status)}`);
    for (const risk of set.risks) {
      const where = risk.statement
        ? ` ${dim(location(risk.statement.file, risk.statement.line))}`
        : "";
      lines.push(
        `  ${red("!")} ${risk.severity} ${risk.title}: ${risk.actions.join(", ")}${where}`,
      );
    }
    for (const c of set.newAccess) change(c, "+", green);
    for (const c of set.removedAccess) change(c, "-", red);
    for (const f of sortFindings(set.findings)) {
      const mark = f.severity === "error" ? red("✗") : yellow("⚠");
      lines.push(
        `  ${mark} ${f.check}${f.rule ? ` ${f.rule}` : ""} ${dim(location(f.file, f.line))} ${f.message}`,
      );
    }
    if (set.tests) {
      const coverage =
        set.tests.coverage === undefined
          ? ""
          : `, coverage ${set.tests.coverage.toFixed(1)}% (needs ${set.tests.threshold}%)`;
      lines.push(
        `  ${dim(`tests: ${set.tests.passed} passed, ${set.tests.failed} failed${coverage}`)}`,
      );
    }
    for (const note of set.notes) lines.push(`  ${dim(note)}`);
  }
  return `${lines.join("\n")}\n`;
}
