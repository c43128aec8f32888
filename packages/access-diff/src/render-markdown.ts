import { markdownCode, markdownText } from "./escape.js";
import {
  describeConditions,
  describeRequest,
  describeStatement,
  location,
  plural,
  shortRef,
  sortFindings,
} from "./format.js";
import type { AccessChange, GateReport, PolicySetDiff } from "./types.js";

/** Options for {@link renderMarkdown}. @public */
export interface MarkdownOptions {
  /** Longest output, in characters. Default 60,000 (GitHub comments stop at 65,536). */
  maxLength?: number;
  /** Text placed first, such as a hidden marker that identifies the comment. */
  header?: string;
  /** Link to the full run (job summary, logs), shown when the report had to be shortened. */
  detailsUrl?: string;
}

interface Budget {
  rows: number;
  details: boolean;
  findings: number;
}

/** Text from the pull request, as a table cell or a line: see {@link markdownText}. */
const cell = markdownText;
/** Text from the pull request, as code: see {@link markdownCode}. */
const code = markdownCode;

function actionsCell(change: AccessChange): string {
  if (change.actions.length > 6 && change.actionPatterns.length > 0) {
    const patterns = change.actionPatterns.map(code).join(", ");
    return `${change.actions.length} actions matching ${patterns}: ${change.actions.slice(0, 3).map(code).join(", ")}, …`;
  }
  const shown = change.actions.slice(0, 6).map(code).join(", ");
  return change.actions.length > 6 ? `${shown} and ${change.actions.length - 6} more` : shown;
}

function accessRows(
  sets: ReadonlyArray<PolicySetDiff>,
  pick: (s: PolicySetDiff) => AccessChange[],
  budget: Budget,
): string[] {
  const rows: string[] = [];
  let total = 0;
  for (const set of sets) {
    for (const change of pick(set)) {
      total += 1;
      if (rows.length >= budget.rows) continue;
      // Removed access was granted by the base version, whose lines differ from the head's.
      const version = change.direction === "removed" ? " in base" : "";
      const where = change.statement
        ? `${cell(describeStatement(change.statement))}<br>${code(location(change.statement.file, change.statement.line))}${version}`
        : cell(change.customRule ?? "a custom rule");
      const evidence =
        change.recordedCalls > 0
          ? `${plural(change.recordedCalls, "recorded call")}`
          : change.sources.join(", ");
      rows.push(
        `| ${code(set.name)} | ${actionsCell(change)} | ${code(change.resource)} | ${where} | ${cell(describeConditions(change))} | ${cell(evidence)} |`,
      );
    }
  }
  if (total > rows.length)
    rows.push(`| | _${total - rows.length} more groups not shown_ | | | | |`);
  return rows;
}

function accessDetails(
  sets: ReadonlyArray<PolicySetDiff>,
  pick: (s: PolicySetDiff) => AccessChange[],
  budget: Budget,
): string[] {
  if (!budget.details) return [];
  const lines: string[] = [];
  let shown = 0;
  for (const set of sets) {
    for (const change of pick(set)) {
      if (shown++ >= budget.rows) break;
      lines.push(
        `- **${cell(set.name)}** ${code(change.resource)} — ${change.actions.map(code).join(", ")}`,
      );
      lines.push(`  - other version: ${cell(change.otherSide)}`);
      if (change.accessLevels.length > 0)
        lines.push(`  - access levels: ${change.accessLevels.join(", ")}`);
      for (const example of change.examples)
        lines.push(`  - e.g. ${code(describeRequest(example))}`);
    }
  }
  return lines;
}

/** A set's notes, and the digest of the bundle evaluated for it (what `keycard build` writes). */
function notesCell(set: GateReport["sets"][number]): string {
  const parts = [...set.notes.map(cell)];
  if (set.bundleSha256) parts.push(`Evaluated bundle sha256 ${code(set.bundleSha256)}.`);
  return parts.length ? ` ${parts.join(" ")}` : "";
}

function section(title: string, body: string[], collapsed: boolean): string[] {
  if (body.length === 0) return [];
  if (!collapsed) return [`### ${title}`, "", ...body, ""];
  return [`<details><summary>${title}</summary>`, "", ...body, "", "</details>", ""];
}

/** The heading, counts, compared commits, the reasons for the verdict and the notes. */
function renderVerdict(report: GateReport, options: MarkdownOptions): string[] {
  const out: string[] = [];
  const { counts } = report;
  if (options.header) out.push(options.header);
  const icon = report.verdict === "pass" ? "✅" : "❌";
  out.push(`## ${icon} keycard policy gate: ${report.verdict}`, "");
  out.push(
    [
      `**${plural(counts.sets, "policy set")}**`,
      `**${counts.newAccess}** new access`,
      `**${counts.removedAccess}** removed access`,
      `**${plural(counts.escalations, "risk")}**`,
      `**${counts.invalid}** invalid`,
      `**${counts.failedTests}** failing tests`,
    ].join(" · "),
    "",
    `Compared ${code(shortRef(report.base))} → ${code(shortRef(report.head))}.${report.approved ? ` Approved with the ${code(report.approvalLabel)} label.` : ""}`,
    "",
  );
  const verdictLines = report.reasons.map((reason) => {
    const counted = report.failOn.includes(reason.check);
    const mark = !counted ? "ℹ️" : reason.waived ? "☑️" : "❌";
    const suffix = !counted
      ? " (not in fail-on)"
      : reason.waived
        ? ` (approved by ${code(report.approvalLabel)})`
        : "";
    return `- ${mark} **${reason.check}**: ${cell(reason.message)}${suffix}`;
  });
  if (report.sets.length === 0)
    verdictLines.push("- No policy set under the configured paths changed.");
  else if (report.reasons.length === 0) verdictLines.push("- ✅ Valid, tested, and no new access.");
  out.push(...verdictLines, "");
  for (const note of report.notes) out.push(`> ${cell(note)}`, "");

  return out;
}

/** Escalation and structure risks in the new access, most severe first. */
function renderRisks(report: GateReport, budget: Budget): string[] {
  const out: string[] = [];
  const risks = report.sets.flatMap((set) => set.risks.map((risk) => ({ set, risk })));
  if (risks.length > 0) {
    const rows = risks
      .slice(0, budget.rows)
      .map(
        ({ set, risk }) =>
          `| ${risk.severity} | ${cell(risk.title)} ([source](${risk.source.url})) | ${risk.actions.slice(0, 6).map(code).join(", ")}${risk.actions.length > 6 ? " …" : ""} | ${risk.statement ? code(location(risk.statement.file, risk.statement.line)) : code(set.name)} |`,
      );
    if (risks.length > rows.length)
      rows.push(`| | _${risks.length - rows.length} more risks not shown_ | | |`);
    out.push(
      ...section(
        "⚠️ Risks",
        ["| Severity | Risk | Actions | Where |", "|---|---|---|---|", ...rows],
        false,
      ),
    );
  }

  return out;
}

/** The new and the removed access, grouped, with collapsed examples. */
function renderAccess(report: GateReport, budget: Budget): string[] {
  const out: string[] = [];
  const tableHead = [
    "| Set | Actions | Resource | Granted by | When | Evidence |",
    "|---|---|---|---|---|---|",
  ];
  if (report.counts.newAccess > 0) {
    out.push(
      ...section(
        "🔓 New access",
        [...tableHead, ...accessRows(report.sets, (s) => s.newAccess, budget)],
        false,
      ),
    );
    out.push(
      ...section(
        "Examples of new access",
        accessDetails(report.sets, (s) => s.newAccess, budget),
        true,
      ),
    );
  }
  if (report.counts.removedAccess > 0) {
    const rows = accessRows(report.sets, (s) => s.removedAccess, budget);
    const recorded = report.sets.reduce(
      (n, s) => n + s.removedAccess.reduce((m, c) => m + c.recordedCalls, 0),
      0,
    );
    const lead =
      recorded > 0
        ? [`**${plural(recorded, "recorded call")}** that succeed today would be denied.`, ""]
        : [];
    out.push(
      ...section(
        "🔒 Removed access",
        [...lead, ...tableHead, ...rows],
        report.verdict === "fail" && recorded === 0,
      ),
    );
    out.push(
      ...section(
        "Examples of removed access",
        accessDetails(report.sets, (s) => s.removedAccess, budget),
        true,
      ),
    );
  }

  return out;
}

/** Every failing check, with where it is. */
function renderFindings(report: GateReport, budget: Budget): string[] {
  const out: string[] = [];
  const findings = report.sets.flatMap((set) => sortFindings(set.findings));
  if (findings.length > 0) {
    const rows = findings
      .slice(0, budget.findings)
      .map(
        (f) =>
          `| ${f.severity === "error" ? "❌" : "⚠️"} ${f.check}${f.rule ? ` ${code(f.rule)}` : ""} | ${f.file ? code(location(f.file, f.line)) : ""} | ${cell(f.message)} |`,
      );
    if (findings.length > rows.length)
      rows.push(`| | | _${findings.length - rows.length} more findings not shown_ |`);
    out.push(
      ...section(
        "Failing checks",
        ["| Check | Where | Message |", "|---|---|---|", ...rows],
        false,
      ),
    );
  }

  return out;
}

/** Rego tests and coverage per set, collapsed. */
function renderTests(report: GateReport): string[] {
  const out: string[] = [];
  const tested = report.sets.filter((s) => s.tests);
  if (tested.length > 0) {
    const rows = tested.map((s) => {
      const t = s.tests!;
      const coverage =
        t.coverage === undefined ? "—" : `${t.coverage.toFixed(1)}% (needs ${t.threshold}%)`;
      return `| ${code(s.name)} | ${t.passed} | ${t.failed} | ${coverage} |`;
    });
    out.push(
      ...section(
        "Rego tests",
        ["| Set | Passed | Failed | Coverage |", "|---|---|---|---|", ...rows],
        true,
      ),
    );
  }

  return out;
}

/** Each set's status, corpus and notes (with the bundle the gate evaluated), collapsed. */
function renderCorpus(report: GateReport, budget: Budget): string[] {
  const out: string[] = [];
  const corpus = report.sets.map(
    (s) =>
      `| ${code(s.name)} | ${s.status} | ${s.corpus.generated} | ${s.corpus.tests} | ${s.corpus.recorded} | ${s.corpus.evaluations} |${notesCell(s)}`,
  );
  if (corpus.length > 0) {
    out.push(
      ...section(
        "Policy sets and request corpus",
        [
          "| Set | Status | Generated | From tests | Recorded | Evaluations | Notes",
          "|---|---|---|---|---|---|---|",
          ...corpus.slice(0, budget.rows),
        ],
        true,
      ),
    );
  }

  return out;
}

/** What to do next: fix, or have a reviewer approve. */
function renderApproval(report: GateReport, budget: Budget, options: MarkdownOptions): string[] {
  const out: string[] = [];
  const approve: string[] = [];
  if (report.counts.invalid > 0 || report.counts.failedTests > 0) {
    approve.push("Invalid policies and failing tests must be fixed; no label overrides them.");
  }
  if (report.counts.newAccess > 0 || report.counts.escalations > 0) {
    approve.push(
      report.approved
        ? `New access is approved by the ${code(report.approvalLabel)} label. Remove the label to withdraw approval.`
        : `If the new access is intended, have a reviewer add the ${code(report.approvalLabel)} label to the pull request; the gate runs again and passes once nothing else fails.`,
    );
  }
  if (approve.length > 0) out.push(...section("How to approve", approve, false));
  if (budget.rows < 1000 && options.detailsUrl)
    out.push(`_Shortened to fit; the full report is in the [job summary](${options.detailsUrl})._`);
  return out;
}

function render(report: GateReport, options: MarkdownOptions, budget: Budget): string {
  return [
    ...renderVerdict(report, options),
    ...renderRisks(report, budget),
    ...renderAccess(report, budget),
    ...renderFindings(report, budget),
    ...renderTests(report),
    ...renderCorpus(report, budget),
    ...renderApproval(report, budget, options),
  ].join("\n");
}

/**
 * Renders a report as GitHub-flavoured Markdown for a pull-request comment or a job summary:
 * verdict, counts, risks, the grouped new and removed access, failing checks and how to
 * approve, with details collapsed. Shortened (fewer rows, then no examples) to fit `maxLength`.
 * @public
 */
export function renderMarkdown(report: GateReport, options: MarkdownOptions = {}): string {
  const maxLength = options.maxLength ?? 60_000;
  const budgets: Budget[] = [
    { rows: 100_000, details: true, findings: 100_000 },
    { rows: 200, details: true, findings: 200 },
    { rows: 100, details: false, findings: 100 },
    { rows: 50, details: false, findings: 50 },
    { rows: 20, details: false, findings: 20 },
    { rows: 5, details: false, findings: 5 },
  ];
  let text = "";
  for (const budget of budgets) {
    text = render(report, options, budget);
    if (text.length <= maxLength) return text;
  }
  return `${text.slice(0, maxLength - 80)}\n\n_…report cut to fit the comment limit._`;
}
