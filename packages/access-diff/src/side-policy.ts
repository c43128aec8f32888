import { loadPolicy, type Policy, PolicyLoadError, type PolicyWarning } from "@keycard/engine";
import { PROBE_PRINCIPAL, PROBE_REGION } from "./corpus.js";
import type { SideDocuments } from "./documents.js";
import type { PolicySetFiles } from "./policy-set.js";
import { shownToolText } from "./rego-checks.js";
import {
  buildSetBundle,
  type DiffSession,
  libraryBundle,
  type PreparedLibrary,
} from "./session.js";
import type { BundleDocument } from "./stage.js";
import type { Finding } from "./types.js";

/** A loaded version of a policy set, or why it could not be loaded. @internal */
export interface LoadedSide {
  policy: Policy | undefined;
  findings: Finding[];
  warnings: ReadonlyArray<PolicyWarning>;
  /** The bundle evaluated, for a set with custom Rego: the bytes `keycard build` writes. */
  bundle?: Uint8Array;
}

/** True when the set has custom Rego (modules or data) that must be compiled with the library. @internal */
export function hasCustomRego(set: PolicySetFiles): boolean {
  return set.modules.length + set.data.length > 0;
}

/** The valid documents of a side, as the bundle lists them. @internal */
export function bundleDocuments(documents: SideDocuments): BundleDocument[] {
  return [
    ...documents.iam.map((d) => ({ ...d, boundary: false })),
    ...documents.boundary.map((d) => ({ ...d, boundary: true })),
  ];
}

/**
 * Loads one version of a set into the engine. A set with custom Rego is built exactly as
 * `keycard build` builds it (one stager, one compiler, the same bytes) and that bundle alone is
 * loaded, then must decide a sample request in WebAssembly. An IAM-only set loads the compiled
 * library with its documents (the bundle `keycard build` writes for it holds the same
 * `policy.wasm`), or the engine's built-in library when no library is given.
 * @internal
 */
export async function loadSide(
  session: DiffSession,
  set: PolicySetFiles,
  documents: SideDocuments,
  library: PreparedLibrary | undefined,
  options: { checkActions: boolean; displayDir: string },
): Promise<LoadedSide> {
  const iamOnly = {
    iam: documents.iam,
    boundary: documents.boundary,
    cache: false as const,
    checkActions: options.checkActions,
  };
  try {
    if (!hasCustomRego(set)) {
      const bundle = library ? await libraryBundle(session, library) : undefined;
      const policy = await loadPolicy(bundle ? { ...iamOnly, bundle } : iamOnly);
      return { policy, findings: [], warnings: policy.warnings };
    }
    if (!library) {
      return notLoaded(
        "LibraryNotFound",
        "this set has custom Rego rules, which compile with the keycard Rego library, and no library was given",
        options.displayDir,
      );
    }
    const built = await buildSetBundle(session, library, set, bundleDocuments(documents));
    if ("error" in built) {
      return notLoaded(
        "BuildFailed",
        `opa build failed: ${shownToolText(built.error, options.displayDir)}`,
        options.displayDir,
      );
    }
    const policy = await loadPolicy({
      bundle: built.bundle,
      cache: false,
      checkActions: options.checkActions,
    });
    const failure = sampleFailure(policy);
    if (failure) {
      return notLoaded(
        "WasmEvaluationFailed",
        `the compiled bundle cannot evaluate a sample request in WebAssembly, so in production every call would be denied (${failure}); custom Rego may only use builtins the WebAssembly runtime implements`,
        options.displayDir,
      );
    }
    return { policy, findings: [], warnings: policy.warnings, bundle: built.bundle };
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
 * @internal
 */
export function sampleFailure(policy: Policy): string | undefined {
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
