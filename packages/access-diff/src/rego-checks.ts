import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AccessDiffError, asError, failureRule } from "./errors.js";
import { parseCoverage, parseTestCases, type TestCase } from "./opa-results.js";
import type { PolicySetFiles } from "./policy-set.js";
import { DEFAULT_REGAL_CONFIG } from "./regal-config.js";
import { STAGED_LIBRARY, STAGED_OUTLINE, STAGED_SET } from "./stage.js";
import { type RunResult, runTool, type Tools } from "./tools.js";
import type { CheckName, Finding, TestFailure, TestResults } from "./types.js";

/** Where a set's Rego was staged for checking, and how to name its files in findings. @internal */
export interface RegoWorkspace {
  /** The staged workspace (see `stageSet`): `lib/` and `set/`, tests included. */
  dir: string;
  /** Restricted capabilities file. */
  capabilities: string;
  /** Repository path of the set, prefixed to file names in findings. */
  displayDir: string;
}

interface OpaLocation {
  file?: string;
  row?: number;
  col?: number;
}

function parseJson<T>(...texts: string[]): T | undefined {
  for (const text of texts) {
    const trimmed = text.trim();
    if (!trimmed) continue;
    try {
      return JSON.parse(trimmed) as T;
    } catch {
      // The tools print JSON on stdout or stderr depending on the outcome; try the other.
    }
  }
  return undefined;
}

/**
 * Maps a file name printed by a tool back to the repository path, or undefined for library
 * files (findings there are the library's, which is trusted and not under review).
 * @internal
 */
export function shownFile(workspace: RegoWorkspace, file: string | undefined): string | undefined {
  if (!file) return undefined;
  const normalized = file.replace(/\\/g, "/");
  const absolute = `${join(workspace.dir, STAGED_SET).replace(/\\/g, "/")}/`;
  let inner: string | undefined;
  if (normalized.startsWith(absolute)) inner = normalized.slice(absolute.length);
  else if (normalized.startsWith(`${STAGED_SET}/`)) inner = normalized.slice(STAGED_SET.length + 1);
  if (inner === undefined) return undefined;
  return workspace.displayDir ? `${workspace.displayDir}/${inner}` : inner;
}

/**
 * Rewrites staged paths inside a tool's message to the paths the user knows: the set's files
 * under `displayDir`, the library's as `<keycard library>/`.
 * @internal
 */
export function shownToolText(text: string, displayDir: string, workspaceDir?: string): string {
  const prefix = displayDir ? `${displayDir}/` : "";
  const absolute = workspaceDir
    ? text
        .split(`${join(workspaceDir, STAGED_SET)}/`)
        .join(`${STAGED_SET}/`)
        .split(`${join(workspaceDir, STAGED_LIBRARY)}/`)
        .join(`${STAGED_LIBRARY}/`)
    : text;
  return absolute
    .replace(/(^|[\s"'(])set\//gm, `$1${prefix}`)
    .replace(/(^|[\s"'(])lib\//gm, "$1<keycard library>/");
}

function shownText(workspace: RegoWorkspace, text: string): string {
  return shownToolText(text, workspace.displayDir, workspace.dir);
}

function tail(text: string, max = 600): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

function regoFiles(set: PolicySetFiles): string[] {
  return [...set.modules, ...set.tests].map((f) => `${STAGED_SET}/${f.path}`);
}

function run(tools: Tools, file: string, args: string[], workspace: RegoWorkspace) {
  return runTool(file, args, {
    cwd: workspace.dir,
    timeoutMs: tools.timeoutMs,
    memoryBytes: tools.memoryBytes,
    home: workspace.dir,
  });
}

/**
 * Runs one check and turns a run that could not finish (a timeout, a memory limit, a crash)
 * into a finding for that check, so one hostile file never aborts the gate. Only a missing
 * tool stops everything: that is the environment's fault, not the pull request's.
 * @internal
 */
export async function guarded<T>(
  check: CheckName,
  what: string,
  work: () => Promise<T>,
  fallback: (finding: Finding) => T,
): Promise<T> {
  try {
    return await work();
  } catch (thrown) {
    if (thrown instanceof AccessDiffError && thrown.code === "ToolNotFound") throw thrown;
    const error = asError(thrown);
    const rule = failureRule(thrown);
    return fallback({
      check,
      severity: "error",
      rule,
      message: `${what} could not finish: ${error.message}`,
    });
  }
}

/** `opa fmt --list`: every Rego file the formatter would change. @internal */
export async function checkFormat(
  tools: Tools,
  set: PolicySetFiles,
  workspace: RegoWorkspace,
): Promise<Finding[]> {
  const files = regoFiles(set);
  if (files.length === 0) return [];
  const result = await run(tools, tools.opa, ["fmt", "--list", ...files], workspace);
  const findings: Finding[] = [];
  for (const line of result.stdout.split("\n")) {
    const file = shownFile(workspace, line.trim());
    if (!line.trim() || !file) continue;
    findings.push({
      check: "fmt",
      severity: "error",
      rule: "NotFormatted",
      file,
      line: 1,
      message: "not formatted: run `opa fmt -w` on this file",
    });
  }
  if (result.code !== 0 && findings.length === 0) {
    findings.push({
      check: "fmt",
      severity: "error",
      rule: "NotFormatted",
      message: `opa fmt failed: ${shownText(workspace, tail(result.stderr))}`,
    });
  }
  return findings;
}

/** `opa check --strict` with the restricted capabilities. @internal */
export async function checkCompile(
  tools: Tools,
  set: PolicySetFiles,
  workspace: RegoWorkspace,
): Promise<Finding[]> {
  if (set.modules.length + set.tests.length === 0) return [];
  const result = await run(
    tools,
    tools.opa,
    [
      "check",
      "--strict",
      "--format",
      "json",
      "--capabilities",
      workspace.capabilities,
      STAGED_LIBRARY,
      STAGED_SET,
    ],
    workspace,
  );
  if (result.code === 0) return [];
  const parsed = parseJson<{
    errors?: Array<{ message: string; code?: string; location?: OpaLocation }>;
  }>(result.stdout, result.stderr);
  if (!parsed?.errors) {
    return [
      {
        check: "check",
        severity: "error",
        rule: "CheckFailed",
        message: `opa check failed: ${shownText(workspace, tail(result.stderr || result.stdout))}`,
      },
    ];
  }
  return parsed.errors.map((error) => {
    const file = shownFile(workspace, error.location?.file);
    return {
      check: "check" as const,
      severity: "error" as const,
      message: shownText(workspace, error.message),
      ...(error.code ? { rule: error.code } : {}),
      ...(file ? { file } : {}),
      ...(file && error.location?.row ? { line: error.location.row } : {}),
      ...(file && error.location?.col ? { column: error.location.col } : {}),
    };
  });
}

/** True when a Regal configuration would make Regal fetch or read something it names. */
function reachesOut(config: string): boolean {
  return /^\s*capabilities\s*:/m.test(config);
}

/**
 * `regal lint` on the staged set, with an outline of the library beside it (see
 * `libraryOutline`) so imports of `data.keycard.authz` resolve as they do when the bundle is
 * built; findings outside the set are dropped. The configuration file is written alone, so
 * custom Regal rules a pull request might add (Rego that Regal would run) are never loaded.
 * @internal
 */
export async function checkLint(
  tools: Tools,
  set: PolicySetFiles,
  workspace: RegoWorkspace,
  config: string | undefined,
): Promise<{ findings: Finding[]; note?: string }> {
  if (set.modules.length + set.tests.length === 0) return { findings: [] };
  if (!tools.regal)
    return { findings: [], note: "Regal was not found, so Rego files were not linted" };
  const configPath = join(workspace.dir, "regal-config.yaml");
  const refused = config !== undefined && reachesOut(config);
  await writeFile(configPath, refused ? DEFAULT_REGAL_CONFIG : (config ?? DEFAULT_REGAL_CONFIG));
  const result: RunResult = await run(
    tools,
    tools.regal,
    ["lint", "--format", "json", "--config-file", configPath, STAGED_OUTLINE, STAGED_SET],
    workspace,
  );
  const parsed = parseJson<{
    violations?: Array<{
      title: string;
      description: string;
      category?: string;
      level?: string;
      location?: OpaLocation;
    }>;
  }>(result.stdout, result.stderr);
  if (!parsed) {
    return {
      findings: [
        {
          check: "regal",
          severity: "error",
          rule: "LintFailed",
          message: `regal lint failed: ${shownText(workspace, tail(result.stderr || result.stdout))}`,
        },
      ],
    };
  }
  return {
    ...(refused
      ? {
          note: "The Regal configuration sets capabilities, which Regal would fetch or read, so the default configuration was used",
        }
      : {}),
    findings: (parsed.violations ?? []).flatMap((v) => {
      const file = shownFile(workspace, v.location?.file);
      if (!file) return [];
      return [
        {
          check: "regal" as const,
          severity: v.level === "error" ? ("error" as const) : ("warning" as const),
          rule: v.category ? `${v.category}/${v.title}` : v.title,
          message: v.description,
          file,
          ...(v.location?.row ? { line: v.location.row } : {}),
          ...(v.location?.col ? { column: v.location.col } : {}),
        },
      ];
    }),
  };
}

function emptyResults(threshold: number): TestResults {
  return {
    passed: 0,
    failed: 0,
    skipped: 0,
    coverage: undefined,
    threshold,
    failures: [],
    cases: [],
    modules: [],
  };
}

/** Counts a test run into the results and adds a finding per failing test. */
function recordCases(
  cases: TestCase[],
  workspace: RegoWorkspace,
  results: TestResults,
  findings: Finding[],
): void {
  for (const test of cases) {
    const file = shownFile(workspace, test.file);
    const message = test.message ? shownText(workspace, test.message) : undefined;
    results.cases?.push({ ...test, file, ...(message ? { message } : {}) });
    if (test.outcome === "skip") results.skipped += 1;
    else if (test.outcome === "pass") results.passed += 1;
    else {
      results.failed += 1;
      const dot = test.name.lastIndexOf(".");
      const failure: TestFailure = {
        name: test.name.slice(dot + 1),
        package: dot > 0 ? test.name.slice(0, dot) : "",
        ...(file ? { file } : {}),
        ...(file && test.line ? { line: test.line } : {}),
        ...(message ? { message } : {}),
      };
      results.failures.push(failure);
      findings.push({
        check: "tests",
        severity: "error",
        rule: "TestFailed",
        message: `${test.name} ${test.outcome === "error" ? `errored: ${message ?? ""}` : "failed"}`,
        ...(file ? { file } : {}),
        ...(failure.line ? { line: failure.line } : {}),
      });
    }
  }
}

/**
 * `opa test`, then `opa test --coverage` for the share of the set's own lines covered, with
 * the restricted capabilities and an evaluation timeout. Coverage under `threshold` is an
 * error, and a set with Rego modules but no line any test reaches counts as 0 %.
 * @internal
 */
export async function runTests(
  tools: Tools,
  set: PolicySetFiles,
  workspace: RegoWorkspace,
  threshold: number,
): Promise<{ results: TestResults | undefined; findings: Finding[] }> {
  if (set.modules.length + set.tests.length === 0) return { results: undefined, findings: [] };
  const common = [
    "--capabilities",
    workspace.capabilities,
    "--timeout",
    `${Math.max(1, Math.round(tools.timeoutMs / 1000))}s`,
  ];
  const results = emptyResults(threshold);
  const findings: Finding[] = [];
  const tested = await run(
    tools,
    tools.opa,
    ["test", "--format", "json", ...common, STAGED_LIBRARY, STAGED_SET],
    workspace,
  );
  const cases = parseTestCases(tested.stdout);
  if (!cases) {
    // Nothing to report per test: the modules do not compile (opa check says where) or there are no tests.
    const message = shownText(workspace, tail(tested.stderr || tested.stdout));
    if (tested.code !== 0 && !/no tests? found/i.test(message)) {
      results.failed = 1;
      results.failures.push({ name: "(tests did not run)", package: "", message });
      findings.push({
        check: "tests",
        severity: "error",
        rule: "TestsDidNotRun",
        message: `opa test did not run: ${message}`,
      });
    }
  } else recordCases(cases, workspace, results, findings);
  if (set.modules.length === 0) return { results, findings };
  const measured = await run(
    tools,
    tools.opa,
    ["test", "--coverage", "--format", "json", ...common, STAGED_LIBRARY, STAGED_SET],
    workspace,
  );
  const coverage = parseCoverage(measured.stdout, `${STAGED_SET}/`);
  results.coverage = coverage?.percent ?? 0;
  results.modules = (coverage?.modules ?? []).map((m) => ({
    ...m,
    file: shownFile(workspace, m.file) ?? m.file,
  }));
  if (results.coverage < threshold) {
    const first = set.modules[0];
    findings.push({
      check: "coverage",
      severity: "error",
      rule: "CoverageBelowThreshold",
      message: `test coverage ${results.coverage.toFixed(1)}% is below the required ${threshold}%`,
      ...(first
        ? {
            file: workspace.displayDir ? `${workspace.displayDir}/${first.path}` : first.path,
            line: 1,
          }
        : {}),
    });
  }
  return { results, findings };
}
