import { loadPolicy } from "@keycard/engine";
import { commonOptions, parseVerbArgs } from "../args.js";
import { type Command, type Context, plural, printJson, println } from "../command.js";
import { CliError, ExitCode } from "../errors.js";
import { findLibrary } from "../library.js";
import { findOpa, runOpa } from "../opa.js";
import { type PolicySet, readPolicySet } from "../policy-set.js";
import { withProgress } from "../progress.js";
import {
  parseCoverage,
  parseTestResults,
  type RegoTest,
  type SetCoverage,
} from "../rego-results.js";
import { stage } from "../stage.js";
import {
  formatProblem,
  type Problem,
  type ValidDocument,
  validateSet,
  warningProblem,
} from "../validate.js";

const HELP = `Usage: keycard test <policy-set> [options]

Validates the set's IAM JSON through the engine's loader and runs its Rego tests
(*_test.rego) with opa test and coverage. Tests run with the keycard library and
the set's documents loaded, so they can query data.keycard.authz.decision too.

Options:
      --min-coverage <pct>   fail when the set's Rego modules are covered less (0-100)
  -v, --verbose              list every test, not only the failures
      --opa <path>           the OPA CLI (default: $OPA_PATH, then opa on PATH)
      --json                 print the results as JSON
  -h, --help                 show this help

Exit codes: 0 all valid and passing, 1 invalid IAM, failing or uncompilable Rego,
or coverage under --min-coverage; 2 bad arguments or OPA missing.

Example:
  keycard test policies/orders --min-coverage 90`;

interface RegoRun {
  tests: RegoTest[];
  /** Compile errors when OPA could not load the modules. */
  errors: string | undefined;
  coverage: SetCoverage | undefined;
}

async function runRegoTests(
  context: Context,
  set: PolicySet,
  documents: ValidDocument[],
  opaFlag: string | undefined,
): Promise<RegoRun> {
  const opa = await findOpa(opaFlag, context.io);
  const staged = await stage(
    set,
    { library: findLibrary(), documents, tests: true, compiled: true },
    "test",
  );
  try {
    return await withProgress(
      context.io,
      `testing ${set.display} with opa test`,
      async (progress) => {
        const roots = [staged.libraryDir, staged.setDir];
        const results = await runOpa(opa, ["test", "--format", "json", ...roots], context.io.cwd);
        const tests = parseTestResults(results.stdout, staged.rewritePaths);
        if (!tests) {
          const detail = staged.rewritePaths(`${results.stderr}${results.stdout}`).trim();
          return {
            tests: [],
            errors: detail || `opa test exited with ${results.code}`,
            coverage: undefined,
          };
        }
        // The library's own tests are never staged, so every result belongs to the set.
        let coverage: SetCoverage | undefined;
        if (
          set.modules.length > 0 &&
          tests.every((t) => t.outcome === "pass" || t.outcome === "skip")
        ) {
          progress.update(`measuring coverage of ${set.display}`);
          const report = await runOpa(
            opa,
            ["test", "--coverage", "--format", "json", ...roots],
            context.io.cwd,
          );
          coverage = parseCoverage(report.stdout, staged.setDir, staged.rewritePaths);
        }
        return { tests, errors: undefined, coverage };
      },
    );
  } finally {
    await staged.cleanup();
  }
}

function parseMinCoverage(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/%$/, ""));
  if (!Number.isFinite(n) || n < 0 || n > 100) {
    throw new CliError(
      "UsageError",
      `--min-coverage must be a percentage from 0 to 100 (got "${value}")`,
      {
        verb: "test",
      },
    );
  }
  return n;
}

async function run(args: string[], context: Context): Promise<number> {
  const { values, positionals } = parseVerbArgs("test", args, {
    ...commonOptions,
    "min-coverage": { type: "string" },
    verbose: { type: "boolean", short: "v" },
    opa: { type: "string" },
  });
  if (values.help) {
    println(context, HELP);
    return ExitCode.Ok;
  }
  const minCoverage = parseMinCoverage(values["min-coverage"]);
  const [setPath, ...extra] = positionals;
  if (!setPath) throw new CliError("UsageError", "give the policy set to test", { verb: "test" });
  if (extra.length > 0)
    throw new CliError("UsageError", `unexpected argument ${extra[0]}`, { verb: "test" });
  const set = await readPolicySet(setPath, context.io.cwd, "test");

  const validation = validateSet(set);
  let warnings: Problem[] = [];
  if (validation.documents.length > 0) {
    const iam = validation.documents.filter((d) => !d.boundary);
    const boundary = validation.documents.filter((d) => d.boundary);
    const policy = await loadPolicy({
      iam,
      ...(boundary.length > 0 ? { boundary } : {}),
      cache: false,
    });
    warnings = policy.warnings.map((w) => warningProblem(set, w));
  }
  const hasRego = set.modules.length + set.tests.length > 0;
  const rego: RegoRun = hasRego
    ? await runRegoTests(context, set, validation.documents, values.opa)
    : { tests: [], errors: undefined, coverage: undefined };

  const failedTests = rego.tests.filter((t) => t.outcome === "fail" || t.outcome === "error");
  const coverageLow =
    minCoverage !== undefined && rego.coverage !== undefined && rego.coverage.percent < minCoverage;
  const pass =
    validation.problems.length === 0 && failedTests.length === 0 && !rego.errors && !coverageLow;
  const exit = pass ? ExitCode.Ok : ExitCode.PolicyFail;

  if (values.json) {
    printJson(context, {
      set: set.display,
      pass,
      iam: {
        documents: validation.documents.map((d) => d.name),
        statements: validation.statementCount,
        problems: validation.problems,
        warnings,
      },
      rego: {
        passed: rego.tests.filter((t) => t.outcome === "pass").length,
        failed: failedTests.length,
        skipped: rego.tests.filter((t) => t.outcome === "skip").length,
        errors: rego.errors,
        tests: rego.tests,
      },
      coverage: rego.coverage,
      minCoverage,
    });
    return exit;
  }

  const { out } = context;
  const ok = out.green("✓");
  const bad = out.red("✗");
  const docs = validation.documents.length + validation.problems.length;
  const iamLine = `${plural(docs, "IAM document")}, ${plural(validation.statementCount, "statement")}`;
  if (validation.problems.length === 0) println(context, `${ok} IAM    ${iamLine}, all valid`);
  else
    println(
      context,
      `${bad} IAM    ${iamLine}, ${plural(validation.problems.length, "invalid document")}`,
    );
  for (const problem of validation.problems)
    println(context, `    ${bad} ${formatProblem(problem)}`);
  for (const warning of warnings)
    println(context, `    ${out.yellow("!")} ${formatProblem(warning)}`);

  if (!hasRego) {
    println(context, `${out.dim("-")} Rego   no Rego modules or tests`);
  } else if (rego.errors) {
    println(context, `${bad} Rego   the modules do not compile:`);
    for (const line of rego.errors.split("\n")) println(context, `    ${line}`);
  } else {
    const passed = rego.tests.filter((t) => t.outcome === "pass").length;
    const skipped = rego.tests.length - passed - failedTests.length;
    const counts = [
      `${passed} passed`,
      `${failedTests.length} failed`,
      ...(skipped ? [`${skipped} skipped`] : []),
    ];
    const mark = failedTests.length === 0 ? ok : bad;
    println(context, `${mark} Rego   ${plural(rego.tests.length, "test")}: ${counts.join(", ")}`);
    for (const test of rego.tests) {
      if (test.outcome === "pass" && !values.verbose) continue;
      const where = test.file ? `  ${out.dim(`${test.file}:${test.line ?? 1}`)}` : "";
      const label = test.outcome === "pass" ? ok : test.outcome === "skip" ? out.dim("-") : bad;
      println(
        context,
        `    ${label} ${test.name}${test.outcome === "error" ? " (error)" : ""}${where}`,
      );
      if (test.message) println(context, `        ${test.message}`);
    }
    if (rego.tests.length === 0)
      println(
        context,
        `    ${out.yellow("!")} no *_test.rego tests: the custom rules are untested`,
      );
  }
  if (rego.coverage) {
    const percent = rego.coverage.percent.toFixed(1);
    const floor = minCoverage !== undefined ? ` (minimum ${minCoverage}%)` : "";
    println(context, `${coverageLow ? bad : ok} Cover  ${percent}% of the set's Rego${floor}`);
    for (const module of rego.coverage.modules) {
      const missing =
        module.notCovered.length > 0 ? `, lines ${module.notCovered.join(", ")} not covered` : "";
      println(context, `    ${module.file} ${module.coverage.toFixed(1)}%${missing}`);
    }
  }
  println(context);
  println(context, pass ? out.green(out.bold("PASS")) : out.red(out.bold("FAIL")));
  return exit;
}

/** `keycard test`. @internal */
export const testCommand: Command = {
  name: "test",
  summary: "validate IAM JSON and run the Rego tests with coverage",
  help: HELP,
  run,
};
