import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PolicySetFiles } from "./policy-set.js";
import { runTool, type Tools } from "./tools.js";
import type { Finding, TestFailure, TestResults } from "./types.js";

/** Where a set's Rego was copied for checking, and how to name its files in findings. @internal */
export interface RegoWorkspace {
  /** Directory holding the set's Rego modules, tests and data (nothing else). */
  setDir: string;
  /** Directory holding the library's non-test modules. */
  libraryDir: string;
  /** Restricted capabilities file. */
  capabilities: string;
  /** Repository path of the set, prefixed to file names in findings. */
  displayDir: string;
  /** Writable scratch directory (also HOME for the tools). */
  scratch: string;
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

/** Maps a file name printed by a tool back to the repository path, or undefined for library files. */
function displayPath(workspace: RegoWorkspace, file: string | undefined): string | undefined {
  if (!file) return undefined;
  const normalized = file.replace(/\\/g, "/");
  const setPrefix = `${workspace.setDir.replace(/\\/g, "/")}/`;
  let inner: string | undefined;
  if (normalized.startsWith(setPrefix)) inner = normalized.slice(setPrefix.length);
  else if (normalized.startsWith("set/")) inner = normalized.slice(4);
  else if (!normalized.startsWith("/") && !normalized.startsWith("lib/")) inner = normalized;
  if (inner === undefined) return undefined;
  return workspace.displayDir ? `${workspace.displayDir}/${inner}` : inner;
}

function tail(text: string, max = 600): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

function regoFiles(set: PolicySetFiles): string[] {
  return [...set.modules, ...set.tests].map((f) => `set/${f.path}`);
}

/** `opa fmt --list`: every Rego file the formatter would change. @internal */
export async function checkFormat(
  tools: Tools,
  set: PolicySetFiles,
  workspace: RegoWorkspace,
): Promise<Finding[]> {
  const files = regoFiles(set);
  if (files.length === 0) return [];
  const result = await runTool(tools.opa, ["fmt", "--list", ...files], {
    cwd: join(workspace.setDir, ".."),
    timeoutMs: tools.timeoutMs,
    home: workspace.scratch,
  });
  const findings: Finding[] = [];
  for (const line of result.stdout.split("\n")) {
    const file = displayPath(workspace, line.trim());
    if (!line.trim() || !file) continue;
    findings.push({
      check: "fmt",
      severity: "error",
      rule: "opa-fmt",
      file,
      line: 1,
      message: "not formatted: run `opa fmt -w` on this file",
    });
  }
  if (result.code !== 0 && findings.length === 0) {
    findings.push({
      check: "fmt",
      severity: "error",
      rule: "opa-fmt",
      message: `opa fmt failed: ${tail(result.stderr)}`,
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
  const result = await runTool(
    tools.opa,
    [
      "check",
      "--strict",
      "--format",
      "json",
      "--capabilities",
      workspace.capabilities,
      "lib",
      "set",
    ],
    { cwd: join(workspace.setDir, ".."), timeoutMs: tools.timeoutMs, home: workspace.scratch },
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
        message: `opa check failed: ${tail(result.stderr || result.stdout)}`,
      },
    ];
  }
  return parsed.errors.map((error) => {
    const file = displayPath(workspace, error.location?.file);
    return {
      check: "check" as const,
      severity: "error" as const,
      message: error.message,
      ...(error.code ? { rule: error.code } : {}),
      ...(file ? { file } : {}),
      ...(file && error.location?.row ? { line: error.location.row } : {}),
      ...(file && error.location?.col ? { column: error.location.col } : {}),
    };
  });
}

/** The Regal configuration used when the repository has none: the one keycard's own policies use. @internal */
export const DEFAULT_REGAL_CONFIG = `rules:
  idiomatic:
    no-defined-entrypoint:
      level: ignore
    directory-package-mismatch:
      level: ignore
  imports:
    unresolved-reference:
      level: error
      except-paths:
        - data.keycard.policy
        - data.keycard.policy.*
        - data.keycard.custom
        - data.keycard.custom.*
  style:
    opa-fmt:
      level: ignore
`;

/**
 * `regal lint` on the copied set. The configuration file is copied alone, so custom Regal
 * rules a pull request might add (Rego that Regal would run) are never loaded.
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
  const configPath = join(workspace.scratch, "regal-config.yaml");
  // A configuration may name capabilities by URL or file, which Regal would fetch or read:
  // such a configuration is never used.
  const refused = config !== undefined && /^\s*capabilities\s*:/m.test(config);
  await writeFile(configPath, refused ? DEFAULT_REGAL_CONFIG : (config ?? DEFAULT_REGAL_CONFIG));
  const result = await runTool(
    tools.regal,
    ["lint", "--format", "json", "--config-file", configPath, "set"],
    {
      cwd: join(workspace.setDir, ".."),
      timeoutMs: tools.timeoutMs,
      home: workspace.scratch,
    },
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
          message: `regal lint failed: ${tail(result.stderr || result.stdout)}`,
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
    findings: (parsed.violations ?? []).map((v) => {
      const file = displayPath(workspace, v.location?.file);
      return {
        check: "regal" as const,
        severity: v.level === "error" ? ("error" as const) : ("warning" as const),
        rule: v.category ? `${v.category}/${v.title}` : v.title,
        message: v.description,
        ...(file ? { file } : {}),
        ...(file && v.location?.row ? { line: v.location.row } : {}),
        ...(file && v.location?.col ? { column: v.location.col } : {}),
      };
    }),
  };
}

interface OpaTestResult {
  location?: OpaLocation;
  package?: string;
  name?: string;
  fail?: boolean;
  error?: { message?: string; code?: string };
  skip?: boolean;
}

interface CoverageReport {
  files?: Record<string, { covered_lines?: number; not_covered_lines?: number }>;
}

/** `opa test`, then `opa test --coverage` for the share of the set's own lines covered. @internal */
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
  const options = {
    cwd: join(workspace.setDir, ".."),
    timeoutMs: tools.timeoutMs,
    home: workspace.scratch,
  };
  const run = await runTool(
    tools.opa,
    ["test", "--format", "json", ...common, "lib", "set"],
    options,
  );
  const parsed = parseJson<OpaTestResult[]>(run.stdout);
  const results: TestResults = {
    passed: 0,
    failed: 0,
    skipped: 0,
    coverage: undefined,
    threshold,
    failures: [],
  };
  const findings: Finding[] = [];
  if (!Array.isArray(parsed)) {
    // Nothing to report per test: the modules do not compile (opa check says where) or there are no tests.
    const message = tail(run.stderr || run.stdout);
    if (run.code !== 0 && !/no tests? found/i.test(message)) {
      results.failed = 1;
      results.failures.push({ name: "(tests did not run)", package: "", message });
      findings.push({
        check: "tests",
        severity: "error",
        message: `opa test did not run: ${message}`,
      });
    }
  } else {
    for (const test of parsed) {
      if (test.skip) results.skipped += 1;
      else if (test.fail || test.error) {
        results.failed += 1;
        const file = displayPath(workspace, test.location?.file);
        const failure: TestFailure = {
          name: test.name ?? "(unnamed)",
          package: (test.package ?? "").replace(/^data\./, ""),
          ...(file ? { file } : {}),
          ...(file && test.location?.row ? { line: test.location.row } : {}),
          ...(test.error?.message ? { message: test.error.message } : {}),
        };
        results.failures.push(failure);
        findings.push({
          check: "tests",
          severity: "error",
          rule: "test-failed",
          message: `${failure.package}.${failure.name} ${test.error ? `errored: ${test.error.message ?? ""}` : "failed"}`,
          ...(file ? { file } : {}),
          ...(failure.line ? { line: failure.line } : {}),
        });
      } else results.passed += 1;
    }
  }
  if (set.modules.length > 0) {
    const covered = await runTool(
      tools.opa,
      ["test", "--coverage", "--format", "json", ...common, "lib", "set"],
      options,
    );
    const report = parseJson<CoverageReport>(covered.stdout);
    let hit = 0;
    let missed = 0;
    for (const [file, stats] of Object.entries(report?.files ?? {})) {
      const normalized = file.replace(/\\/g, "/");
      const inSet = normalized.startsWith("set/");
      if (!inSet || normalized.endsWith("_test.rego")) continue;
      hit += stats.covered_lines ?? 0;
      missed += stats.not_covered_lines ?? 0;
    }
    results.coverage = hit + missed === 0 ? 0 : (hit / (hit + missed)) * 100;
    if (results.coverage < threshold) {
      findings.push({
        check: "coverage",
        severity: "error",
        rule: "coverage",
        message: `test coverage ${results.coverage.toFixed(1)}% is below the required ${threshold}%`,
        ...(set.modules[0]
          ? {
              file: workspace.displayDir
                ? `${workspace.displayDir}/${set.modules[0].path}`
                : set.modules[0].path,
              line: 1,
            }
          : {}),
      });
    }
  }
  return { results, findings };
}
