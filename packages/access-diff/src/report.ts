import { CUSTOM_REGO_REASON } from "./custom-rego.js";
import type { FailOn, GateCounts, GateReport, PolicySetDiff, VerdictReason } from "./types.js";

/** Every check that can fail the gate, in the order reports list them. @public */
export const ALL_FAIL_ON: ReadonlyArray<FailOn> = ["invalid", "tests", "new-access", "escalation"];

/** The label that approves new access unless another is configured. @public */
export const DEFAULT_APPROVAL_LABEL = "policy-change-approved";

/** Options for {@link buildReport}. @public */
export interface ReportOptions {
  /** True when the change carries the approval label. */
  approved?: boolean;
  approvalLabel?: string;
  /** Checks that fail the gate. Default: all of {@link ALL_FAIL_ON}. */
  failOn?: ReadonlyArray<FailOn>;
  /** Names of the versions compared, for the report (commit SHAs or refs). */
  base?: string;
  head?: string;
  notes?: ReadonlyArray<string>;
  /**
   * Changes outside any policy set that need approval like new access, one sentence each
   * (for example a change to the keycard Rego library, which every set is built with).
   */
  approvalNeeded?: ReadonlyArray<string>;
}

/** Adds up what the sets found. @internal */
export function countReport(sets: ReadonlyArray<PolicySetDiff>): GateCounts {
  const pairs = (changes: PolicySetDiff["newAccess"]) =>
    changes.reduce((n, c) => n + c.actions.length, 0);
  return {
    sets: sets.length,
    newAccess: sets.reduce((n, s) => n + pairs(s.newAccess), 0),
    removedAccess: sets.reduce((n, s) => n + pairs(s.removedAccess), 0),
    escalations: sets.reduce((n, s) => n + s.risks.length, 0),
    invalid: sets.reduce(
      (n, s) =>
        n +
        s.findings.filter(
          (f) => f.severity === "error" && f.check !== "tests" && f.check !== "coverage",
        ).length,
      0,
    ),
    failedTests: sets.reduce(
      (n, s) =>
        n + (s.tests?.failed ?? 0) + (s.findings.some((f) => f.check === "coverage") ? 1 : 0),
      0,
    ),
    customRego: sets.filter((s) => (s.customRego?.length ?? 0) > 0).length,
  };
}

/**
 * Decides the verdict. Invalid policies and failing tests fail regardless of approval; new
 * access and escalation risks fail unless the change is approved; removed access alone passes.
 * Checks left out of `failOn` are reported but never fail.
 *
 * @example
 * ```ts
 * const report = buildReport([diff], { approved: false });
 * report.verdict; // "fail" when diff.newAccess is not empty
 * ```
 * @public
 */
export function buildReport(
  sets: ReadonlyArray<PolicySetDiff>,
  options: ReportOptions = {},
): GateReport {
  const failOn = [...(options.failOn ?? ALL_FAIL_ON)];
  const approved = options.approved ?? false;
  const counts = countReport(sets);
  const reasons: VerdictReason[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (counts.invalid > 0) {
    reasons.push({
      check: "invalid",
      message: `${plural(counts.invalid, "validity error")} in the policy sets`,
      waived: false,
    });
  }
  if (counts.failedTests > 0) {
    reasons.push({
      check: "tests",
      message: `${plural(counts.failedTests, "failing test")} or coverage below the threshold`,
      waived: false,
    });
  }
  if (counts.newAccess > 0) {
    reasons.push({
      check: "new-access",
      message: `${plural(counts.newAccess, "newly allowed action")} (by resource pattern)`,
      waived: approved,
    });
  }
  if (counts.customRego > 0) {
    const named = sets.filter((s) => (s.customRego?.length ?? 0) > 0).map((s) => s.name);
    reasons.push({
      check: "new-access",
      message: `${CUSTOM_REGO_REASON}: ${plural(counts.customRego, "policy set")} changed custom Rego that is not provably deny-only (${named.join(", ")})`,
      waived: approved,
    });
  }
  const unexplored = sets.filter((s) => (s.unexplored?.length ?? 0) > 0).map((s) => s.name);
  if (unexplored.length > 0) {
    reasons.push({
      check: "new-access",
      message: `the diff could not try every condition value of ${plural(unexplored.length, "policy set")} (${unexplored.join(", ")}), so it may miss new access`,
      waived: approved,
    });
  }
  for (const message of options.approvalNeeded ?? []) {
    reasons.push({ check: "new-access", message, waived: approved });
  }
  if (counts.escalations > 0) {
    reasons.push({
      check: "escalation",
      message: `${plural(counts.escalations, "risk")} flagged on the new access`,
      waived: approved,
    });
  }
  const failing = reasons.filter((r) => failOn.includes(r.check) && !r.waived);
  return {
    verdict: failing.length > 0 ? "fail" : "pass",
    reasons,
    approved,
    approvalLabel: options.approvalLabel ?? DEFAULT_APPROVAL_LABEL,
    failOn,
    base: options.base ?? "base",
    head: options.head ?? "head",
    sets: [...sets],
    counts,
    notes: [...(options.notes ?? [])],
  };
}

/** Parses a `fail-on` list such as `invalid,tests,new-access`; unknown names are returned apart. @public */
export function parseFailOn(text: string): { failOn: FailOn[]; unknown: string[] } {
  const failOn: FailOn[] = [];
  const unknown: string[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    if ((ALL_FAIL_ON as ReadonlyArray<string>).includes(part)) failOn.push(part as FailOn);
    else unknown.push(part);
  }
  return { failOn, unknown };
}
