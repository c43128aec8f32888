import { loadPolicy, type Policy, PolicyLoadError } from "@keycard/engine";
import { warningFindings } from "./documents.js";
import type { PolicySetFiles } from "./policy-set.js";
import { readSide } from "./read-side.js";
import { shownToolText } from "./rego-checks.js";
import { buildSetBundle, closeSession, openSession, prepareLibrary } from "./session.js";
import { bundleDocuments, sampleFailure } from "./side-policy.js";
import type { ToolOptions } from "./tools.js";
import type { Finding, StatementRef } from "./types.js";

/** Options for {@link buildPolicyBundle}. @public */
export interface BuildOptions {
  /** A policy-set directory or one IAM JSON document. */
  path: string;
  /** Prefix of file paths in findings, for example `policies/orders`. Default: none. */
  name?: string;
  /** The keycard Rego library directory (the folder with `keycard/authz`). */
  library: string;
  tools?: ToolOptions;
}

/** What {@link buildPolicyBundle} produced. @public */
export interface BuiltBundle {
  /** The set as read. */
  set: PolicySetFiles;
  /** Errors that stopped the build (refused files, invalid IAM, Rego that does not compile). */
  findings: Finding[];
  /** Unknown actions and services: warnings here, errors in the gate. */
  warnings: Finding[];
  /** The reproducible bundle, when there are no findings. */
  bundle?: Uint8Array;
  /** The bundle, loaded by the engine: proof that it works. */
  policy?: Policy;
  /** Statements across the valid documents. */
  statements: number;
  /** Where each statement of the valid documents is written, for messages. */
  refs: StatementRef[];
}

/**
 * Builds a policy set into the bundle the engine loads in production, exactly as the gate
 * builds the head of a pull request: the shared reader, the shared stager, `opa build -t wasm`
 * with the gate's capabilities, reproducible bytes. The bundle must then decide a sample
 * request in WebAssembly. Problems are findings; only a missing tool or library throws.
 *
 * @example
 * ```ts
 * const built = await buildPolicyBundle({ path: "policies/orders", library: "policies/keycard" });
 * if (built.bundle) await writeFile("orders.tar.gz", built.bundle);
 * ```
 * @public
 */
export async function buildPolicyBundle(options: BuildOptions): Promise<BuiltBundle> {
  return build(options, true);
}

/**
 * Loads a policy set into the engine for a one-off evaluation (`keycard explain`): a set with
 * custom Rego is built as {@link buildPolicyBundle} builds it; a set of IAM JSON alone is
 * loaded with the engine's built-in library (the same compiled library), which needs no OPA.
 * @public
 */
export async function loadPolicySet(options: BuildOptions): Promise<BuiltBundle> {
  return build(options, false);
}

async function build(options: BuildOptions, always: boolean): Promise<BuiltBundle> {
  const displayDir = options.name ?? "";
  const { set, documents, findings } = await readSide(options.path, displayDir);
  const out: BuiltBundle = {
    set,
    findings,
    warnings: [],
    statements: documents.statements.length,
    refs: documents.statements.map((s) => s.ref),
  };
  if (out.findings.length > 0) return out;
  if (!always && set.modules.length + set.data.length === 0) {
    try {
      out.policy = await loadPolicy({
        iam: documents.iam,
        boundary: documents.boundary,
        cache: false,
      });
    } catch (error) {
      if (!(error instanceof PolicyLoadError)) throw error;
      out.findings.push({
        check: "iam",
        severity: "error",
        rule: error.code,
        message: error.message,
      });
      return out;
    }
    out.warnings = warningFindings(out.policy.warnings, documents, "warning");
    return out;
  }
  const session = await openSession(options.tools);
  try {
    const library = await prepareLibrary(session, options.library);
    const built = await buildSetBundle(session, library, set, bundleDocuments(documents));
    if ("error" in built) {
      out.findings.push({
        check: "build",
        severity: "error",
        rule: "BuildFailed",
        message: `opa build could not compile ${displayDir || "the set"}:\n${shownToolText(built.error, displayDir)}`,
      });
      return out;
    }
    let policy: Policy;
    try {
      policy = await loadPolicy({ bundle: built.bundle, cache: false });
    } catch (error) {
      if (!(error instanceof PolicyLoadError)) throw error;
      out.findings.push({
        check: "build",
        severity: "error",
        rule: error.code,
        message: error.message,
      });
      return out;
    }
    const failure = set.modules.length > 0 ? sampleFailure(policy) : undefined;
    if (failure) {
      out.findings.push({
        check: "build",
        severity: "error",
        rule: "WasmEvaluationFailed",
        message: `the bundle cannot evaluate a sample request in WebAssembly, so in production every call would be denied (${failure}); custom Rego may only use builtins the WebAssembly runtime implements`,
      });
      return out;
    }
    out.bundle = built.bundle;
    out.policy = policy;
    out.warnings = warningFindings(policy.warnings, documents, "warning");
    return out;
  } finally {
    await closeSession(session);
  }
}
