import { createHash } from "node:crypto";
import { basename, resolve } from "node:path";
import type { EvaluationInput, Policy } from "@keycard/engine";
import { checkRego, DEFAULT_COVERAGE_THRESHOLD } from "./check.js";
import {
  type CorpusLimits,
  changedStatements,
  generateCorpus,
  PROBE_PRINCIPAL,
  PROBE_REGION,
} from "./corpus.js";
import { customRegoChanges } from "./custom-rego.js";
import {
  readSideDocuments,
  type SideDocuments,
  type SideStatement,
  warningFindings,
} from "./documents.js";
import { provenDenial, provenUnaffected, resourceClasses, sameRequest } from "./equivalence.js";
import { type CorpusPart, diffDecisions } from "./evaluate.js";
import { groupChanges } from "./group.js";
import {
  emptySet,
  isEmptySet,
  type PolicySetFiles,
  readPolicySet,
  regoFingerprint,
} from "./policy-set.js";
import { readRecorded } from "./recorded.js";
import { findRisks } from "./risks.js";
import {
  closeSession,
  type DiffSession,
  openSession,
  type PreparedLibrary,
  prepareLibrary,
} from "./session.js";
import { emptySetDiff } from "./set-diff.js";
import { hasCustomRego, loadSide } from "./side-policy.js";
import type { ToolOptions } from "./tools.js";
import type { Finding, PolicySetDiff } from "./types.js";

/** Options for {@link diffPolicySets}. @public */
export interface DiffOptions {
  /** Directory of the base version of the set; omit for a set the change adds. */
  base?: string;
  /** Directory of the head version of the set; omit for a set the change deletes. */
  head?: string;
  /** Name of the set in results and the prefix of file paths, for example `policies/orders`. */
  name?: string;
  /**
   * Prefix of the base version's file paths when it lives elsewhere than `name` (comparing two
   * folders rather than two commits of one); defaults to `name`.
   */
  baseName?: string;
  /**
   * The keycard Rego library (the folder with `keycard/authz`), needed to compile sets with
   * custom Rego. One directory for both versions, or one per version. IAM-only sets use the
   * engine's built-in library when this is omitted.
   */
  library?: string | { base?: string; head?: string };
  /** Where the OPA and Regal CLIs are. */
  tools?: ToolOptions;
  /** Minimum test coverage of the set's Rego, in percent. Default 80. */
  coverageThreshold?: number;
  /** Run the validity checks and tests on the head version. Default true. */
  checks?: boolean;
  /** Regal configuration (YAML text); a default that fits keycard policy sets otherwise. */
  regalConfig?: string;
  /** How to treat actions IAM does not know. Default `error`. */
  unknownActions?: "error" | "warning";
  /** Skip generated requests no changed statement can apply to (their decisions are equal). Default true. */
  prune?: boolean;
  /** Bounds on the generated corpus. */
  limits?: CorpusLimits;
  /** Requests per engine call. Default 64. */
  batchSize?: number;
}

function libraryFor(option: DiffOptions["library"], side: "base" | "head"): string | undefined {
  if (option === undefined) return undefined;
  return typeof option === "string" ? option : option[side];
}

/**
 * Computes the access diff of one policy set between two directories, with validity checks
 * and tests on the head version. Problems in the policies are findings in the result; only a
 * missing tool or unreadable input throws an {@link AccessDiffError}.
 *
 * @example
 * ```ts
 * const diff = await diffPolicySets({ base: "old/orders", head: "policies/orders", library: "policies/keycard" });
 * for (const change of diff.newAccess) console.log(change.actions.join(", "), "on", change.resource);
 * ```
 * @public
 */
export async function diffPolicySets(options: DiffOptions): Promise<PolicySetDiff> {
  const session = await openSession(options.tools);
  try {
    return await diffInSession(session, options);
  } finally {
    await closeSession(session);
  }
}

/** Both versions of a set, read, with the libraries they compile with. */
interface Sides {
  name: string;
  displayDir: string;
  status: PolicySetDiff["status"];
  baseSet: PolicySetFiles;
  headSet: PolicySetFiles;
  baseLibrary: PreparedLibrary | undefined;
  headLibrary: PreparedLibrary | undefined;
  baseDocs: SideDocuments;
  headDocs: SideDocuments;
}

/** Stage 1: read both versions with the shared reader and validate their IAM documents. */
async function readSides(session: DiffSession, options: DiffOptions): Promise<Sides> {
  const name = options.name ?? basename(resolve(options.head ?? options.base ?? "."));
  const displayDir = options.name ?? "";
  const baseSet = options.base ? await readPolicySet(options.base) : emptySet("");
  const headSet = options.head ? await readPolicySet(options.head) : emptySet("");
  const status = isEmptySet(baseSet) ? "added" : isEmptySet(headSet) ? "deleted" : "modified";
  const baseLibraryDir = libraryFor(options.library, "base");
  const headLibraryDir = libraryFor(options.library, "head");
  return {
    name,
    displayDir,
    status,
    baseSet,
    headSet,
    baseLibrary: baseLibraryDir ? await prepareLibrary(session, baseLibraryDir) : undefined,
    headLibrary: headLibraryDir ? await prepareLibrary(session, headLibraryDir) : undefined,
    baseDocs: readSideDocuments(baseSet, options.baseName ?? displayDir),
    headDocs: readSideDocuments(headSet, displayDir),
  };
}

/** Stage 2: the head's checks and both versions' loading, side by side. */
async function checkAndLoad(session: DiffSession, sides: Sides, options: DiffOptions) {
  const { status, displayDir } = sides;
  const checks = options.checks !== false && status !== "deleted";
  // Awaiting them together also means a failure in one never goes unhandled while the other
  // is still running.
  const [rego, baseLoaded, headLoaded] = await Promise.all([
    checks
      ? checkRego(session, sides.headSet, sides.headDocs, sides.headLibrary, {
          displayDir,
          coverageThreshold: options.coverageThreshold ?? DEFAULT_COVERAGE_THRESHOLD,
          regalConfig: options.regalConfig,
        })
      : undefined,
    status === "added"
      ? undefined
      : loadSide(session, sides.baseSet, sides.baseDocs, sides.baseLibrary, {
          checkActions: false,
          displayDir,
        }),
    status === "deleted"
      ? undefined
      : loadSide(session, sides.headSet, sides.headDocs, sides.headLibrary, {
          checkActions: true,
          displayDir,
        }),
  ]);
  return { rego, baseLoaded, headLoaded };
}

/** {@link diffPolicySets} inside an open session, so a run compiles each library once. @internal */
export async function diffInSession(
  session: DiffSession,
  options: DiffOptions,
): Promise<PolicySetDiff> {
  const sides = await readSides(session, options);
  const { displayDir, status, baseSet, headSet, headDocs, baseDocs } = sides;
  const { rego, baseLoaded, headLoaded } = await checkAndLoad(session, sides, options);

  // Stage 3: everything found about the head, in one list.
  const prefix = (path: string | undefined) =>
    displayDir && path !== undefined ? `${displayDir}/${path}` : path;
  const findings: Finding[] = [
    ...headSet.problems.map((f) => ({ ...f, file: prefix(f.file) })),
    ...headDocs.findings,
    ...(rego?.findings ?? []),
  ];
  const notes: string[] = [...(rego?.notes ?? [])];
  if (headLoaded) {
    findings.push(...headLoaded.findings);
    findings.push(
      ...warningFindings(headLoaded.warnings, headDocs, options.unknownActions ?? "error"),
    );
  }
  const recorded = readRecorded(
    headSet.recorded.length > 0 ? headSet.recorded : baseSet.recorded,
    displayDir,
  );
  findings.push(...recorded.findings);

  const result: PolicySetDiff = {
    ...emptySetDiff(sides.name, status),
    findings,
    tests: rego?.tests,
    notes,
  };
  if (headLoaded?.bundle) result.bundleSha256 = sha256(headLoaded.bundle);
  const customRego =
    status === "deleted" ? [] : customRegoChanges(baseSet, headSet, rego?.parsed ?? new Map());
  if (customRego.length > 0) result.customRego = customRego;

  const headBroken =
    headSet.problems.length > 0 ||
    headDocs.findings.some((f) => f.severity === "error") ||
    (headLoaded !== undefined && !headLoaded.policy);
  if (headBroken) {
    notes.push(
      "The access diff needs a head version that loads: fix the errors above and it will be computed.",
    );
    return result;
  }
  if (baseDocs.findings.length > 0 || (baseLoaded && !baseLoaded.policy)) {
    notes.push(
      "The base version has invalid documents or rules; they were left out, so access they granted shows as new.",
    );
  }
  await computeAccess(result, sides, {
    base: baseLoaded?.policy,
    head: headLoaded?.policy,
    recorded: recorded.inputs,
    tests: rego?.testInputs ?? [],
    options,
  });
  return result;
}

/** Stage 4: the corpus, both versions' decisions on it, and the grouped changes and risks. */
async function computeAccess(
  result: PolicySetDiff,
  sides: Sides,
  input: {
    base: Policy | undefined;
    head: Policy | undefined;
    recorded: EvaluationInput[];
    tests: EvaluationInput[];
    options: DiffOptions;
  },
): Promise<void> {
  const { baseSet, headSet, baseDocs, headDocs, status } = sides;
  const { options } = input;
  const sameRego =
    regoFingerprint(baseSet) === regoFingerprint(headSet) &&
    sides.baseLibrary?.fingerprint === sides.headLibrary?.fingerprint;
  const anyCustomRego = hasCustomRego(baseSet) || hasCustomRego(headSet);
  if (!sameRego)
    result.notes.push(
      "Custom Rego or the Rego library changed, so every generated request was evaluated.",
    );
  const prune = options.prune !== false && sameRego;
  const generationStarted = performance.now();
  const generated = await generateCorpus(baseDocs.statements, headDocs.statements, {
    prune,
    everyAction: anyCustomRego,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  if (generated.truncated.length > 0) {
    const shown = generated.truncated.slice(0, 5).join(", ");
    const more =
      generated.truncated.length > 5 ? ` and ${generated.truncated.length - 5} more` : "";
    result.unexplored = [
      `condition values of changed statements did not all fit in the corpus limit for ${shown}${more}`,
    ];
  }
  const changedOnly = [
    ...changedStatements(baseDocs.statements, headDocs.statements),
    ...changedStatements(headDocs.statements, baseDocs.statements),
  ];
  const unaffected = prune && !anyCustomRego ? { unaffected: provenUnaffected(changedOnly) } : {};
  const parts: CorpusPart[] = [
    // Real traffic repeats itself: identical requests by one caller are evaluated once, and
    // calls no changed statement can touch are not evaluated at all.
    {
      source: "recorded",
      inputs: mergeByCaller(input.recorded),
      classOf: sameRequest,
      ...unaffected,
    },
    { source: "tests", inputs: mergeByCaller(input.tests), classOf: sameRequest, ...unaffected },
    {
      source: "generated",
      inputs: [{ principal: PROBE_PRINCIPAL, region: PROBE_REGION, requests: generated.requests }],
      ...(anyCustomRego ? {} : provenByStatements(baseDocs.statements, headDocs.statements)),
    },
  ];
  const started = performance.now();
  const {
    changed,
    evaluations,
    unaffected: skipped,
  } = diffDecisions(input.base, input.head, parts, {
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    baseMissing:
      status === "added" ? "the set does not exist in base" : "the base version did not load",
    headMissing: status === "deleted" ? "the set is deleted" : "the head version did not load",
  });
  result.corpus = {
    generated: generated.total,
    tests: countRequests(input.tests),
    recorded: countRequests(input.recorded),
    evaluations,
    pruned: generated.pruned + skipped,
    generationMs: started - generationStarted,
    evaluationMs: performance.now() - started,
  };
  const grouped = await groupChanges(changed, baseDocs.statements, headDocs.statements);
  result.newAccess = grouped.newAccess;
  result.removedAccess = grouped.removedAccess;
  result.risks = await findRisks(grouped.newAccess, {
    policy: input.head,
    statements: headDocs.statements,
  });
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * For IAM-only sets, what the statements alone settle: classes of requests both versions
 * decide alike, and requests a version is proven to deny.
 */
function provenByStatements(
  base: ReadonlyArray<SideStatement>,
  head: ReadonlyArray<SideStatement>,
): Partial<CorpusPart> {
  const baseDenies = provenDenial(base);
  const headDenies = provenDenial(head);
  return {
    classOf: resourceClasses([...base, ...head]),
    ...(baseDenies ? { baseDenies } : {}),
    ...(headDenies ? { headDenies } : {}),
  };
}

/**
 * Joins inputs made by the same caller in the same region into one, so a decision log of
 * thousands of one-request lines costs a few engine calls, not thousands. Duplicate requests
 * are kept: each is a real call.
 */
function mergeByCaller(inputs: ReadonlyArray<EvaluationInput>): EvaluationInput[] {
  const merged = new Map<
    string,
    EvaluationInput & { requests: EvaluationInput["requests"][number][] }
  >();
  for (const input of inputs) {
    const key = JSON.stringify([input.principal ?? null, input.region ?? null]);
    const existing = merged.get(key);
    if (existing) existing.requests.push(...input.requests);
    else merged.set(key, { ...input, requests: [...input.requests] });
  }
  return [...merged.values()];
}

function countRequests(inputs: ReadonlyArray<EvaluationInput>): number {
  return inputs.reduce((n, input) => n + input.requests.length, 0);
}
