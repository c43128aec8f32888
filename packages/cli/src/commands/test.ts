import {
  checkPolicySet,
  DEFAULT_COVERAGE_THRESHOLD,
  type Finding,
  type PolicySetCheck,
} from "@keycard/access-diff";
import { commonOptions, parseVerbArgs } from "../args.js";
import { type Command, type Context, plural, printJson, println } from "../command.js";
import { CliError, ExitCode } from "../errors.js";
import { formatFinding } from "../findings.js";
import { regalConfigFor } from "../gate-options.js";
import { findLibrary } from "../library.js";
import { withProgress } from "../progress.js";
import { type SetPath, setPath } from "../set-path.js";
import { toolOptions, withTools } from "../tools.js";

const HELP = `Usage: keycard test <policy-set> [options]

Checks a policy set with the pull-request gate's rules, as the gate checks the head
of a pull request: the files it refuses, IAM JSON through the engine's loader with
unknown actions as errors, and for Rego opa fmt, opa check --strict, Regal, opa test
with coverage, and a WebAssembly build that must decide a sample request. Tests run
with the keycard library and the set's documents loaded, so they can query
data.keycard.authz.decision too. Not checked here: the access diff and its risks,
which need a base version (keycard diff, keycard gate).

Options:
      --min-coverage <pct>   fail when the set's Rego is covered less (0-100; default:
                             ${DEFAULT_COVERAGE_THRESHOLD}, as in the gate)
      --regal-config <file>  Regal settings (default: the nearest .regal/config.yaml
                             above the set, else the gate's default)
  -v, --verbose              list every test, not only the failures
      --opa <path>           the OPA CLI (default: $OPA_PATH, then opa on PATH)
      --regal <path>         the Regal CLI (default: $REGAL_PATH, then regal on PATH;
                             without it linting is skipped, and the output says so)
      --json                 print the results as JSON
  -h, --help                 show this help

Exit codes: 0 everything the gate checks passes; 1 a check fails (invalid IAM, an
unknown action, unformatted or uncompilable Rego, a Regal error, a failing test,
coverage under the minimum); 2 bad arguments or OPA missing.

Example:
  keycard test policies/orders --min-coverage 90`;

function parseMinCoverage(value: string | undefined): number {
  if (value === undefined) return DEFAULT_COVERAGE_THRESHOLD;
  const n = Number(value.replace(/%$/, ""));
  if (!Number.isFinite(n) || n < 0 || n > 100) {
    throw new CliError(
      "UsageError",
      `--min-coverage must be a percentage from 0 to 100 (got "${value}")`,
      { verb: "test" },
    );
  }
  return n;
}

const isError = (f: Finding) => f.severity === "error";

/** The findings of one kind, so each section prints its own. */
function partition(check: PolicySetCheck) {
  return {
    iam: check.findings.filter((f) => f.check === "iam"),
    build: check.findings.filter((f) => f.check === "build"),
    rego: check.findings.filter(
      (f) => f.check === "fmt" || f.check === "check" || f.check === "regal",
    ),
  };
}

/** Stage: the set's files as the gate reads them, and its IAM documents. */
function printIam(context: Context, check: PolicySetCheck): void {
  const { out } = context;
  const { iam } = partition(check);
  const docs = check.set.documents.length + check.set.boundaries.length;
  const invalid = new Set(iam.filter(isError).map((f) => f.file)).size;
  const line = `${plural(docs, "IAM document")}, ${plural(check.statements, "statement")}`;
  if (invalid === 0 && !iam.some(isError))
    println(context, `${out.green("✓")} IAM    ${line}, all valid`);
  else println(context, `${out.red("✗")} IAM    ${line}, ${plural(invalid, "invalid document")}`);
  for (const finding of iam) {
    const mark = isError(finding) ? out.red("✗") : out.yellow("!");
    println(context, `    ${mark} ${formatFinding(finding)}`);
  }
}

/** Stage: formatting, compilation and lint of the set's Rego. */
function printLint(context: Context, check: PolicySetCheck): void {
  const { out } = context;
  const { rego } = partition(check);
  if (check.set.modules.length + check.set.tests.length === 0) return;
  const errors = rego.filter(isError).length;
  const mark = errors === 0 ? out.green("✓") : out.red("✗");
  const summary = errors === 0 ? "formatted, compiles, lint clean" : plural(errors, "problem");
  println(context, `${mark} Lint   opa fmt, opa check --strict, Regal: ${summary}`);
  for (const finding of rego) {
    const label = isError(finding) ? out.red("✗") : out.yellow("!");
    println(context, `    ${label} ${formatFinding(finding)}`);
  }
  for (const note of check.notes) println(context, `    ${out.yellow("!")} ${note}`);
}

/** Stage: the tests, each failure with its file and line. */
function printTests(context: Context, check: PolicySetCheck, verbose: boolean): void {
  const { out } = context;
  const tests = check.tests;
  if (check.set.modules.length + check.set.tests.length === 0) {
    println(context, `${out.dim("-")} Rego   no Rego modules or tests`);
    return;
  }
  const didNotRun = check.findings.find((f) => f.check === "tests" && f.rule !== "TestFailed");
  if (didNotRun) {
    println(context, `${out.red("✗")} Rego   the modules do not compile:`);
    for (const line of didNotRun.message.split("\n")) println(context, `    ${line}`);
    return;
  }
  const cases = tests?.cases ?? [];
  const failed = tests?.failed ?? 0;
  const counts = [
    `${tests?.passed ?? 0} passed`,
    `${failed} failed`,
    ...(tests?.skipped ? [`${tests.skipped} skipped`] : []),
  ];
  const mark = failed === 0 ? out.green("✓") : out.red("✗");
  println(context, `${mark} Rego   ${plural(cases.length, "test")}: ${counts.join(", ")}`);
  for (const test of cases) {
    if (test.outcome === "pass" && !verbose) continue;
    const where = test.file ? `  ${out.dim(`${test.file}:${test.line ?? 1}`)}` : "";
    const label =
      test.outcome === "pass"
        ? out.green("✓")
        : test.outcome === "skip"
          ? out.dim("-")
          : out.red("✗");
    println(
      context,
      `    ${label} ${test.name}${test.outcome === "error" ? " (error)" : ""}${where}`,
    );
    if (test.message) println(context, `        ${test.message}`);
  }
  if (cases.length === 0)
    println(context, `    ${out.yellow("!")} no *_test.rego tests: the custom rules are untested`);
}

/** Stage: coverage against the threshold, module by module. */
function printCoverage(context: Context, check: PolicySetCheck): void {
  const { out } = context;
  const tests = check.tests;
  if (tests?.coverage === undefined) return;
  const low = check.findings.some((f) => f.check === "coverage");
  println(
    context,
    `${low ? out.red("✗") : out.green("✓")} Cover  ${tests.coverage.toFixed(1)}% of the set's Rego (minimum ${tests.threshold}%)`,
  );
  for (const module of tests.modules ?? []) {
    const missing =
      module.notCovered.length > 0 ? `, lines ${module.notCovered.join(", ")} not covered` : "";
    println(context, `    ${module.file} ${module.coverage.toFixed(1)}%${missing}`);
  }
}

/**
 * Stage: files the reader refuses, and anything that stopped the WebAssembly build or its
 * sample evaluation.
 */
function printBuild(context: Context, check: PolicySetCheck): void {
  for (const finding of partition(check).build)
    println(context, `${context.out.red("✗")} Build  ${formatFinding(finding)}`);
}

async function runCheck(
  context: Context,
  set: SetPath,
  values: TestValues,
): Promise<PolicySetCheck> {
  const regalConfig = await regalConfigFor(
    set.absolute,
    values["regal-config"],
    context.io.cwd,
    "test",
  );
  return withTools(values, context.io, () =>
    withProgress(context.io, `checking ${set.display} with the gate's rules`, () =>
      checkPolicySet({
        path: set.absolute,
        name: set.name,
        library: findLibrary(),
        tools: toolOptions(values, context.io),
        coverageThreshold: parseMinCoverage(values["min-coverage"]),
        ...(regalConfig !== undefined ? { regalConfig } : {}),
      }),
    ),
  );
}

interface TestValues {
  "min-coverage"?: string | undefined;
  "regal-config"?: string | undefined;
  opa?: string | undefined;
  regal?: string | undefined;
}

async function run(args: string[], context: Context): Promise<number> {
  const { values, positionals } = parseVerbArgs("test", args, {
    ...commonOptions,
    "min-coverage": { type: "string" },
    "regal-config": { type: "string" },
    verbose: { type: "boolean", short: "v" },
    opa: { type: "string" },
    regal: { type: "string" },
  });
  if (values.help) {
    println(context, HELP);
    return ExitCode.Ok;
  }
  parseMinCoverage(values["min-coverage"]);
  const [setArgument, ...extra] = positionals;
  if (!setArgument)
    throw new CliError("UsageError", "give the policy set to test", { verb: "test" });
  if (extra.length > 0)
    throw new CliError("UsageError", `unexpected argument ${extra[0]}`, { verb: "test" });
  const set = await setPath(setArgument, context.io.cwd, "test");
  const check = await runCheck(context, set, values);
  const pass = !check.findings.some(isError);
  const exit = pass ? ExitCode.Ok : ExitCode.PolicyFail;
  if (values.json) {
    const { iam } = partition(check);
    printJson(context, {
      set: set.display,
      pass,
      iam: {
        documents: [...check.set.documents, ...check.set.boundaries].map((d) => d.path),
        statements: check.statements,
        problems: iam.filter(isError),
        warnings: iam.filter((f) => !isError(f)),
      },
      rego: {
        passed: check.tests?.passed ?? 0,
        failed: check.tests?.failed ?? 0,
        skipped: check.tests?.skipped ?? 0,
        tests: check.tests?.cases ?? [],
      },
      coverage: check.tests?.coverage,
      minCoverage: check.tests?.threshold,
      findings: check.findings,
      notes: check.notes,
    });
    return exit;
  }
  printIam(context, check);
  printLint(context, check);
  printTests(context, check, values.verbose ?? false);
  printCoverage(context, check);
  printBuild(context, check);
  println(context);
  println(
    context,
    pass ? context.out.green(context.out.bold("PASS")) : context.out.red(context.out.bold("FAIL")),
  );
  return exit;
}

/** `keycard test`. @internal */
export const testCommand: Command = {
  name: "test",
  summary: "check a policy set with the gate's rules: IAM, Rego lint, tests and coverage",
  help: HELP,
  run,
};
