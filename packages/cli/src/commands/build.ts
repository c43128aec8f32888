import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { reproducibleBundle, writeCapabilitiesFile } from "@keycard/access-diff";
import { ENTRYPOINT, loadPolicy, type Policy } from "@keycard/engine";
import { commonOptions, parseVerbArgs } from "../args.js";
import { type Command, type Context, plural, printJson, println, shownPath } from "../command.js";
import { CliError, ExitCode } from "../errors.js";
import { findLibrary } from "../library.js";
import { findOpa, runOpa } from "../opa.js";
import { displayPath, type PolicySet, readPolicySet } from "../policy-set.js";
import { withProgress } from "../progress.js";
import { reportProblems } from "../report-problems.js";
import { stage } from "../stage.js";
import { readSigningRequest, SIGNING_HELP, signBuiltBundle, signingOptions } from "./sign-option.js";
import { type Problem, type ValidDocument, validateSet, warningProblem } from "../validate.js";

const HELP = `Usage: keycard build <policy-set> [options]

Compiles a policy set (IAM JSON documents, permissions boundaries and custom Rego
rules) with the keycard Rego library into an OPA WebAssembly bundle. The bundle
carries everything: loadPolicy({ bundle }) from @keycard/engine needs nothing else.
IAM documents are validated first; each problem names its file, line and statement.

Options:
  -o, --output <file>   where to write the bundle (default: bundle.tar.gz)
      --opa <path>      the OPA CLI (default: $OPA_PATH, then opa on PATH)
      --json            print a JSON summary on standard output
${SIGNING_HELP}
  -h, --help            show this help

Exit codes: 0 built, 2 invalid policy set, bad arguments or OPA missing.

Example:
  keycard build policies/orders -o dist/orders.tar.gz`;

/** What `keycard build` produced, for `--json` and for the other verbs. @internal */
export interface BuildResult {
  bundle: string;
  bytes: number;
  documents: string[];
  boundaries: string[];
  modules: string[];
  statements: number;
  warnings: Problem[];
  /** The bundle, loaded: proof that the engine accepts it. */
  policy: Policy;
}

/**
 * Validates a set and compiles it into a bundle at `output`. Shared with `explain`, which
 * needs a bundle whenever a set has custom Rego.
 * @internal
 */
export async function buildBundle(
  context: Context,
  set: PolicySet,
  output: string,
  options: { opa: string | undefined; verb: string; documents?: ValidDocument[] },
): Promise<BuildResult> {
  let documents = options.documents;
  if (!documents) {
    const validation = validateSet(set);
    if (validation.problems.length > 0) {
      reportProblems(context, validation.problems, "error");
      throw new CliError(
        "InvalidPolicy",
        `${set.display} has ${plural(validation.problems.length, "invalid IAM document")}`,
        { verb: options.verb },
      );
    }
    documents = validation.documents;
  }
  const opa = await findOpa(options.opa, context.io);
  const library = findLibrary();
  const staged = await stage(
    set,
    { library, documents, tests: false, compiled: false },
    options.verb,
  );
  try {
    await mkdir(dirname(output), { recursive: true });
    const root = dirname(staged.setDir);
    // The gate's capabilities: no network, nothing the WebAssembly runtime lacks.
    const capabilities = await writeCapabilitiesFile(opa, root);
    const unpacked = join(root, "bundle.tar.gz");
    // Relative paths from the staging root, so no temporary path is stored in the bundle.
    const args = ["build", "-t", "wasm", "-e", ENTRYPOINT, "--capabilities", capabilities];
    const result = await withProgress(context.io, `compiling ${set.display} with opa build`, () =>
      runOpa(
        opa,
        [...args, "-o", unpacked, relative(root, staged.libraryDir), relative(root, staged.setDir)],
        root,
      ),
    );
    if (result.code === 0) {
      await writeFile(output, reproducibleBundle(await readFile(unpacked)));
    }
    if (result.code !== 0) {
      // OPA names files by the relative paths it was given; make them absolute to rewrite.
      const absolute = `${result.stderr}${result.stdout}`
        .replace(/(^|[\s"'])set\//gm, `$1${staged.setDir}/`)
        .replace(/(^|[\s"'])keycard\//gm, `$1${staged.libraryDir}/`);
      const detail = staged.rewritePaths(absolute).trim();
      throw new CliError(
        "InvalidPolicy",
        `opa build could not compile ${set.display}:\n${detail}`,
        {
          verb: options.verb,
        },
      );
    }
  } finally {
    await staged.cleanup();
  }
  // Loading the bundle back proves it works with the engine and collects its warnings.
  const policy = await loadPolicy({ bundle: output, cache: false });
  return {
    bundle: output,
    bytes: (await stat(output)).size,
    documents: documents.filter((d) => !d.boundary).map((d) => d.name),
    boundaries: documents.filter((d) => d.boundary).map((d) => d.name),
    modules: set.modules.map((m) => m.path),
    statements: policy.statementCount,
    warnings: policy.warnings.map((w) => warningProblem(set, w)),
    policy,
  };
}

async function run(args: string[], context: Context): Promise<number> {
  const { values, positionals } = parseVerbArgs("build", args, {
    ...commonOptions,
    output: { type: "string", short: "o" },
    opa: { type: "string" },
    ...signingOptions,
  });
  if (values.help) {
    println(context, HELP);
    return ExitCode.Ok;
  }
  const [setPath, ...extra] = positionals;
  if (!setPath) throw new CliError("UsageError", "give the policy set to build", { verb: "build" });
  if (extra.length > 0)
    throw new CliError("UsageError", `unexpected argument ${extra[0]}`, { verb: "build" });
  const signing = await readSigningRequest(values, context.io.cwd, "build");
  const set = await readPolicySet(setPath, context.io.cwd, "build");
  const output = resolve(context.io.cwd, values.output ?? "bundle.tar.gz");
  const result = await buildBundle(context, set, output, { opa: values.opa, verb: "build" });
  const signed = signing && (await signBuiltBundle(signing, output, "build"));
  const shownBundle = shownPath(context.io.cwd, output);
  if (values.json) {
    const { policy: _policy, ...summary } = result;
    printJson(context, {
      ...summary,
      bundle: shownBundle,
      set: set.display,
      ...(signed ? { signed } : {}),
    });
    return ExitCode.Ok;
  }
  reportProblems(context, result.warnings, "warning");
  const parts = [
    plural(result.documents.length, "IAM document"),
    ...(result.boundaries.length > 0
      ? [plural(result.boundaries.length, "boundary", "boundaries")]
      : []),
    plural(result.statements, "statement"),
    plural(result.modules.length, "Rego module"),
  ];
  println(
    context,
    `${context.out.green("✓")} built ${context.out.bold(shownBundle)} from ${set.display}: ${parts.join(", ")}`,
  );
  for (const module of result.modules)
    println(context, `  ${context.out.dim("rego")} ${displayPath(set, module)}`);
  if (signed) {
    const revision = signed.revision ? `, revision ${signed.revision}` : "";
    println(context, `  ${context.out.dim("signed")} ${signed.algorithm}, key id ${signed.keyId}${revision}`);
  }
  return ExitCode.Ok;
}

/** `keycard build`. @internal */
export const buildCommand: Command = {
  name: "build",
  summary: "compile a policy set (IAM JSON and custom Rego) into a bundle",
  help: HELP,
  run,
};
