import { loadPolicy, PolicyLoadError } from "@keycard/engine";
import { checkRego, DEFAULT_COVERAGE_THRESHOLD } from "./check.js";
import { type SideDocuments, warningFindings } from "./documents.js";
import type { PolicySetFiles } from "./policy-set.js";
import { readSide } from "./read-side.js";
import { closeSession, openSession, prepareLibrary } from "./session.js";
import { hasCustomRego, loadSide } from "./side-policy.js";
import type { ToolOptions } from "./tools.js";
import type { Finding, TestResults } from "./types.js";

/** Options for {@link checkPolicySet}. @public */
export interface CheckOptions {
  /** A policy-set directory or one IAM JSON document. */
  path: string;
  /** Prefix of file paths in findings, for example `policies/orders`. Default: none. */
  name?: string;
  /** The keycard Rego library directory, for sets with Rego. */
  library: string;
  tools?: ToolOptions;
  /** Minimum test coverage of the set's Rego, in percent. Default 80, as in the gate. */
  coverageThreshold?: number;
  /** Regal configuration (YAML text); the gate's default otherwise. */
  regalConfig?: string;
  /** How to treat actions IAM does not know. Default `error`, as in the gate. */
  unknownActions?: "error" | "warning";
}

/** What {@link checkPolicySet} found. @public */
export interface PolicySetCheck {
  set: PolicySetFiles;
  /** Every problem, with the gate's severities: any `error` fails the gate. */
  findings: Finding[];
  tests: TestResults | undefined;
  notes: string[];
  /** Statements across the valid documents. */
  statements: number;
}

/**
 * Checks one policy set the way the gate checks a pull request's head: the shared reader's
 * refusals, IAM validation with unknown actions as errors, and for sets with Rego `opa fmt`,
 * `opa check --strict`, Regal, `opa test` with the coverage threshold, and a build that must
 * decide a sample request in WebAssembly. A set of IAM JSON alone needs no OPA.
 *
 * @example
 * ```ts
 * const check = await checkPolicySet({ path: "policies/orders", library: "policies/keycard" });
 * const pass = !check.findings.some((f) => f.severity === "error");
 * ```
 * @public
 */
export async function checkPolicySet(options: CheckOptions): Promise<PolicySetCheck> {
  const displayDir = options.name ?? "";
  const { set, documents, findings } = await readSide(options.path, displayDir);
  const result: PolicySetCheck = {
    set,
    findings,
    tests: undefined,
    notes: [],
    statements: documents.statements.length,
  };
  const severity = options.unknownActions ?? "error";
  if (!hasCustomRego(set) && set.tests.length === 0) {
    result.findings.push(...(await iamOnlyFindings(documents, severity)));
    return result;
  }
  const session = await openSession(options.tools);
  try {
    const library = await prepareLibrary(session, options.library);
    const [rego, loaded] = await Promise.all([
      checkRego(session, set, documents, library, {
        displayDir,
        coverageThreshold: options.coverageThreshold ?? DEFAULT_COVERAGE_THRESHOLD,
        regalConfig: options.regalConfig,
      }),
      loadSide(session, set, documents, library, { checkActions: true, displayDir }),
    ]);
    result.findings.push(
      ...rego.findings,
      ...loaded.findings,
      ...warningFindings(loaded.warnings, documents, severity),
    );
    result.notes.push(...rego.notes);
    result.tests = rego.tests;
    return result;
  } finally {
    await closeSession(session);
  }
}

/** Unknown actions of an IAM-only set, from the engine's built-in library (no OPA needed). */
async function iamOnlyFindings(
  documents: SideDocuments,
  severity: "error" | "warning",
): Promise<Finding[]> {
  if (documents.iam.length + documents.boundary.length === 0) return [];
  try {
    const policy = await loadPolicy({
      iam: documents.iam,
      boundary: documents.boundary,
      cache: false,
      checkActions: true,
    });
    return warningFindings(policy.warnings, documents, severity);
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    return [{ check: "iam", severity: "error", rule: error.code, message: error.message }];
  }
}
