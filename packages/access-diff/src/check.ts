import type { EvaluationInput } from "@keycard/engine";
import type { SideDocuments } from "./documents.js";
import type { PolicySetFiles } from "./policy-set.js";
import {
  checkCompile,
  checkFormat,
  checkLint,
  guarded,
  type RegoWorkspace,
  runTests,
} from "./rego-checks.js";
import { type ParsedRego, packageFindings, parseRego } from "./rego-parse.js";
import { type DiffSession, type PreparedLibrary, scratchDir } from "./session.js";
import { bundleDocuments, hasCustomRego } from "./side-policy.js";
import { stageSet } from "./stage.js";
import { extractTestInputs } from "./test-inputs.js";
import type { Finding, TestResults } from "./types.js";

/** The gate's default minimum test coverage of a set's Rego, in percent. @public */
export const DEFAULT_COVERAGE_THRESHOLD = 80;

/** What the Rego checks need besides the set. @internal */
export interface RegoCheckOptions {
  displayDir: string;
  coverageThreshold: number;
  regalConfig: string | undefined;
}

/** What the Rego checks of one set found. @internal */
export interface RegoCheckResult {
  findings: Finding[];
  notes: string[];
  tests: TestResults | undefined;
  /** The constant inputs of the set's tests, for the corpus. */
  testInputs: EvaluationInput[];
  /** Each module's package and rule names as OPA parses them; undefined when it did not parse. */
  parsed: Map<string, ParsedRego | undefined>;
}

/**
 * The checks the gate makes on a set's Rego: `opa fmt`, `opa check --strict`, `regal lint`,
 * `opa test` with coverage, and the inputs of its tests. Each runs in the set's staged
 * workspace (library, modules, tests, and data with the compiled documents, as
 * `keycard test` stages them), and a run that cannot finish becomes a finding, never an
 * aborted gate. `keycard test` calls this same stage.
 * @internal
 */
export async function checkRego(
  session: DiffSession,
  set: PolicySetFiles,
  documents: SideDocuments,
  library: PreparedLibrary | undefined,
  options: RegoCheckOptions,
): Promise<RegoCheckResult> {
  const result: RegoCheckResult = {
    findings: [],
    notes: [],
    tests: undefined,
    testInputs: [],
    parsed: new Map(),
  };
  if (!hasCustomRego(set) && set.tests.length === 0) return result;
  const dir = await scratchDir(session, "check");
  await stageSet(dir, {
    library: library?.files ?? [],
    set,
    documents: bundleDocuments(documents),
    tests: true,
    compiled: true,
  });
  const workspace: RegoWorkspace = {
    dir,
    capabilities: session.capabilities,
    displayDir: options.displayDir,
  };
  const { tools } = session;
  const none = (finding: Finding) => [finding];
  const [fmt, compile, lint, tested, inputs, parsed] = await Promise.all([
    guarded("fmt", "opa fmt", () => checkFormat(tools, set, workspace), none),
    guarded("check", "opa check", () => checkCompile(tools, set, workspace), none),
    guarded(
      "regal",
      "regal lint",
      () => checkLint(tools, set, workspace, options.regalConfig),
      (finding): { findings: Finding[]; note?: string } => ({ findings: [finding] }),
    ),
    guarded(
      "tests",
      "opa test",
      () => runTests(tools, set, workspace, options.coverageThreshold),
      (finding) => ({
        results: {
          passed: 0,
          failed: 1,
          skipped: 0,
          coverage: undefined,
          threshold: options.coverageThreshold,
          failures: [{ name: "(tests did not run)", package: "", message: finding.message }],
        },
        findings: [finding],
      }),
    ),
    guarded(
      "tests",
      "opa parse of the tests",
      () => extractTestInputs(tools, set, dir, dir),
      () => [] as EvaluationInput[],
    ),
    guarded(
      "build",
      "opa parse of the Rego",
      async () => {
        const parsed = await parseRego(tools, [...set.modules, ...set.tests], dir);
        return { parsed, findings: packageFindings(set, parsed) };
      },
      (finding) => ({ parsed: new Map<string, ParsedRego | undefined>(), findings: [finding] }),
    ),
  ]);
  const shown = (finding: Finding) =>
    options.displayDir && finding.file !== undefined
      ? { ...finding, file: `${options.displayDir}/${finding.file}` }
      : finding;
  result.findings.push(...parsed.findings.map(shown));
  result.parsed = parsed.parsed;
  result.findings.push(...fmt, ...compile, ...lint.findings, ...tested.findings);
  if (lint.note) result.notes.push(lint.note);
  result.tests = tested.results;
  result.testInputs = inputs;
  return result;
}
