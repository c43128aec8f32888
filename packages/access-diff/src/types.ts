import type { ContextValue, PrincipalInfo } from "@keycard/engine";
import type { ModuleCoverage, TestCase } from "./opa-results.js";

/** How serious a finding is; `error` makes the policy set invalid. @public */
export type Severity = "error" | "warning" | "notice";

/** Which check produced a finding. @public */
export type CheckName = "fmt" | "check" | "regal" | "iam" | "build" | "tests" | "coverage";

/** A problem found in a policy set, located at a file and line when possible. @public */
export interface Finding {
  check: CheckName;
  severity: Severity;
  message: string;
  /** Path relative to the repository (or to the directory the set was given as). */
  file?: string;
  line?: number;
  column?: number;
  /** Rule or error code, for example `InvalidArn` or `idiomatic/no-defined-entrypoint`. */
  rule?: string;
  /** For an IAM finding: the statement's position in its document. */
  statementIndex?: number;
  /** For an IAM finding: the statement's Sid. */
  sid?: string;
  /** For an IAM finding: the element at fault, for example `Condition.StringEqualz`. */
  element?: string;
}

/** A failing Rego test. @public */
export interface TestFailure {
  name: string;
  package: string;
  file?: string;
  line?: number;
  message?: string;
}

/** Outcome of `opa test` for a policy set. @public */
export interface TestResults {
  passed: number;
  failed: number;
  skipped: number;
  /** Percentage of the set's non-test Rego lines covered; undefined when the set has no Rego. */
  coverage: number | undefined;
  threshold: number;
  failures: TestFailure[];
  /** Every test, with its outcome and the repository path of its file. */
  cases?: TestCase[];
  /** Coverage of each of the set's modules, with the lines no test reached. */
  modules?: ModuleCoverage[];
}

/** Where a request of the corpus came from. @public */
export type CorpusSource = "generated" | "tests" | "recorded";

/** One authorization request, as evaluated. @public */
export interface RequestSample {
  action: string;
  resource: string;
  context?: Record<string, ContextValue>;
  principal?: PrincipalInfo;
  region?: string;
}

/** A statement of an IAM document in a policy set. @public */
export interface StatementRef {
  /** Document name: its path inside the policy set. */
  document: string;
  /** Path of the document relative to the repository. */
  file: string;
  statementIndex: number;
  sid?: string;
  /** Line of the statement in its file, when known. */
  line?: number;
}

/**
 * A group of access that changed: the same direction, granting statement and resource
 * pattern, with every action that changed under it.
 * @public
 */
export interface AccessChange {
  direction: "new" | "removed";
  service: string;
  /** Actions, sorted, in their canonical casing. */
  actions: string[];
  /**
   * Wildcard Action patterns of the granting statement that cover every action of the group
   * (for example `s3:Get*`), or `* except …` for NotAction: how a reviewer reads a long list.
   */
  actionPatterns: string[];
  /** The resource pattern the granting statement names (or the concrete resource). */
  resource: string;
  /** Statement that grants the access: in head for new access, in base for removed access. */
  statement?: StatementRef;
  /** Custom Rego reasons when a custom rule made the difference. */
  customRule?: string;
  /** Why the other side denies (removed access) or allowed (never, for new access). */
  otherSide: string;
  /** Condition keys that were present in the requests whose decision changed. */
  conditionKeys: string[];
  /** True when at least one changed request carried no condition context at all. */
  unconditional: boolean;
  /** IAM access levels of the actions, for example `Write` or `Permissions management`. */
  accessLevels: string[];
  sources: CorpusSource[];
  /** Number of requests whose decision changed in this group. */
  requestCount: number;
  /** How many of them are recorded real calls. */
  recordedCalls: number;
  examples: RequestSample[];
}

/** How much a risk matters; `critical` is a known privilege-escalation path. @public */
export type RiskSeverity = "critical" | "high" | "medium";

/** Something risky that new access makes possible. @public */
export interface Risk {
  /** Catalogue id (`iam-create-policy-version`, …) or a structural check (`allow-not-action`, …). */
  id: string;
  kind: "escalation" | "structure";
  severity: RiskSeverity;
  title: string;
  description: string;
  /** Newly allowed actions that make up the risk. */
  actions: string[];
  statement?: StatementRef;
  /** Where the technique is documented. */
  source: { title: string; url: string };
}

/** Sizes of the request corpus for one policy set. @public */
export interface CorpusStats {
  generated: number;
  tests: number;
  recorded: number;
  /** Requests evaluated by the engine, both sides counted. */
  evaluations: number;
  /**
   * Requests (of any source) whose decisions were proven equal without evaluation because no
   * statement that changed can apply to them.
   */
  pruned: number;
  /** Time spent generating (and pruning) the corpus, in milliseconds. */
  generationMs: number;
  /** Time spent evaluating the corpus on both versions, in milliseconds. */
  evaluationMs: number;
}

/** The access diff and checks of one policy set. @public */
export interface PolicySetDiff {
  /** Path of the set relative to the repository, for example `policies/orders`. */
  name: string;
  status: "added" | "modified" | "deleted";
  findings: Finding[];
  tests: TestResults | undefined;
  newAccess: AccessChange[];
  removedAccess: AccessChange[];
  risks: Risk[];
  corpus: CorpusStats;
  /**
   * Changes to custom Rego or its data that are not provably deny-only, one sentence each.
   * Custom Rego can grant access of unknown extent, so these need approval like new access.
   */
  customRego?: string[];
  /**
   * Parts of the change the diff could not explore in full (for example condition values
   * beyond `contextsPerAction`), one sentence each. What was not tried may grant access, so
   * these need approval like new access.
   */
  unexplored?: string[];
  /**
   * SHA-256 of the head's bundle, for a set with custom Rego: the gate evaluated these exact
   * bytes, which `keycard build` of the same commit also produces.
   */
  bundleSha256?: string;
  /** Things a reviewer should know, such as a base version that did not compile. */
  notes: string[];
}

/** A check that can fail the gate. @public */
export type FailOn = "invalid" | "tests" | "new-access" | "escalation";

/** Why the gate failed (or would have, without the approval label). @public */
export interface VerdictReason {
  check: FailOn;
  message: string;
  /** True when the approval label lifted this reason. */
  waived: boolean;
}

/** Totals across policy sets. @public */
export interface GateCounts {
  sets: number;
  /** Newly allowed (action, resource pattern) pairs. */
  newAccess: number;
  /** No longer allowed (action, resource pattern) pairs. */
  removedAccess: number;
  /** Risks flagged on new access. */
  escalations: number;
  /** Findings of severity `error`. */
  invalid: number;
  failedTests: number;
  /** Policy sets whose custom Rego changed in a way that is not provably deny-only. */
  customRego: number;
}

/** Everything a gate run decided, ready for the renderers. @public */
export interface GateReport {
  verdict: "pass" | "fail";
  reasons: VerdictReason[];
  approved: boolean;
  approvalLabel: string;
  failOn: FailOn[];
  base: string;
  head: string;
  sets: PolicySetDiff[];
  counts: GateCounts;
  notes: string[];
}
