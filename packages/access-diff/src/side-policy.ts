import { loadPolicy, type Policy, PolicyLoadError, type PolicyWarning } from "@keycard/engine";
import { PROBE_PRINCIPAL, PROBE_REGION } from "./corpus.js";
import type { SideDocuments } from "./documents.js";
import type { PolicySetFiles } from "./policy-set.js";
import { buildBundle, type DiffSession, libraryBundle, type PreparedLibrary } from "./session.js";
import type { Finding } from "./types.js";

/** A loaded version of a policy set, or why it could not be loaded. @internal */
export interface LoadedSide {
  policy: Policy | undefined;
  findings: Finding[];
  warnings: ReadonlyArray<PolicyWarning>;
}

/** True when the set has custom Rego (modules or data) that must be compiled with the library. @internal */
export function hasCustomRego(set: PolicySetFiles): boolean {
  return set.modules.length + set.data.length > 0;
}

/**
 * Loads one version of a set into the engine. Sets with custom Rego are compiled with
 * `opa build` (library plus set, tests ignored); IAM-only sets reuse the compiled library,
 * or the engine's built-in one when no library is given.
 * @internal
 */
export async function loadSide(
  session: DiffSession,
  set: PolicySetFiles,
  documents: SideDocuments,
  library: PreparedLibrary | undefined,
  workspace: string | undefined,
  options: { checkActions: boolean; displayDir: string },
): Promise<LoadedSide> {
  const base = {
    iam: documents.iam,
    boundary: documents.boundary,
    cache: false as const,
    checkActions: options.checkActions,
  };
  let bundle: Uint8Array | undefined;
  if (hasCustomRego(set)) {
    if (!library || !workspace) {
      return notLoaded(
        "LibraryNotFound",
        "this set has custom Rego rules, which compile with the keycard Rego library, and no library was given",
        options.displayDir,
      );
    }
    const built = await buildBundle(session, workspace, true);
    if ("error" in built) {
      return notLoaded("opa-build", `opa build failed: ${built.error}`, options.displayDir);
    }
    bundle = built.bundle;
  } else if (library) {
    bundle = await libraryBundle(session, library);
  }
  try {
    const policy = await loadPolicy(bundle ? { ...base, bundle } : base);
    const failure = bundle && hasCustomRego(set) ? sampleFailure(policy) : undefined;
    if (failure) {
      return notLoaded(
        "WasmEvaluationFailed",
        `the compiled bundle cannot evaluate a sample request in WebAssembly, so in production every call would be denied (${failure}); custom Rego may only use builtins the WebAssembly runtime implements`,
        options.displayDir,
      );
    }
    return { policy, findings: [], warnings: policy.warnings };
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    return notLoaded(error.code, error.message, options.displayDir);
  }
}

/** A set that could not be loaded, with the one finding that says why. */
function notLoaded(rule: string, message: string, file: string): LoadedSide {
  return {
    policy: undefined,
    warnings: [],
    findings: [{ check: "build", severity: "error", rule, file, message }],
  };
}

/**
 * Evaluates one sample request the way production does (in WebAssembly) and returns why it
 * could not be decided, if it could not: a builtin that `opa build` accepts but the runtime
 * lacks (such as `time.now_ns`) compiles and tests fine, then fails every call.
 */
function sampleFailure(policy: Policy): string | undefined {
  const decision = policy.evaluate({
    principal: PROBE_PRINCIPAL,
    region: PROBE_REGION,
    requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::keycard-probe/sample" }],
  });
  const reason = decision.requests[0]?.reason ?? "no decision";
  return reason.startsWith("cannot evaluate") || decision.requests.length === 0
    ? reason
    : undefined;
}
