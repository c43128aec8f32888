/**
 * @keycard/access-diff: what a change to a keycard policy set allows that it did not before,
 * what it stops allowing, how risky the new access is, and whether the set is valid.
 * @packageDocumentation
 */

export { ANNOTATIONS_PER_LEVEL, type Annotation, toAnnotations } from "./annotations.js";
export {
  type BuildOptions,
  type BuiltBundle,
  buildPolicyBundle,
  loadPolicySet,
} from "./build-set.js";
export { FORBIDDEN_BUILTINS } from "./capabilities.js";
export { DEFAULT_COVERAGE_THRESHOLD } from "./check.js";
export { type CheckOptions, checkPolicySet, type PolicySetCheck } from "./check-set.js";
export { type CorpusLimits, PROBE_PRINCIPAL, PROBE_REGION } from "./corpus.js";
export { type DiffOptions, diffPolicySets } from "./diff.js";
export { AccessDiffError, type AccessDiffErrorCode, asError } from "./errors.js";
export { logText, markdownText } from "./escape.js";
export { type GateOptions, runGate } from "./gate.js";
export type { ModuleCoverage, SetCoverage, TestCase } from "./opa-results.js";
export {
  jsonDepth,
  MAX_FILE_BYTES,
  MAX_JSON_DEPTH,
  type PolicySetFiles,
  readPolicyPath,
  readPolicySet as readPolicySetFiles,
  type SetFile,
} from "./policy-set.js";
export { DEFAULT_REGAL_CONFIG } from "./regal-config.js";
export { type MarkdownOptions, renderMarkdown } from "./render-markdown.js";
export { renderTerminal, type TerminalOptions } from "./render-terminal.js";
export {
  ALL_FAIL_ON,
  buildReport,
  DEFAULT_APPROVAL_LABEL,
  parseFailOn,
  type ReportOptions,
} from "./report.js";
export { reproducibleBundle } from "./reproducible.js";
export { ESCALATION_METHODS, type EscalationMethod, type RiskSource } from "./risk-catalogue.js";
export { type SarifLog, type SarifResult, type SarifRule, toSarif } from "./sarif.js";
export {
  DEFAULT_MEMORY_BYTES,
  DEFAULT_TIMEOUT_MS,
  findOnPath,
  isExecutable,
  resolveTools,
  type ToolOptions,
  type Tools,
} from "./tools.js";
export type {
  AccessChange,
  CheckName,
  CorpusSource,
  CorpusStats,
  FailOn,
  Finding,
  GateCounts,
  GateReport,
  PolicySetDiff,
  RequestSample,
  Risk,
  RiskSeverity,
  Severity,
  StatementRef,
  TestFailure,
  TestResults,
  VerdictReason,
} from "./types.js";
export { wasmBuiltins } from "./wasm-builtins.js";
