import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { buildPolicyBundle, type Finding } from "@keycard/access-diff";
import type { Policy } from "@keycard/engine";
import { commonOptions, parseVerbArgs } from "../args.js";
import { type Command, type Context, plural, printJson, println, shownPath } from "../command.js";
import { CliError, ExitCode } from "../errors.js";
import { reportFindings } from "../findings.js";
import { findLibrary } from "../library.js";
import { withProgress } from "../progress.js";
import { type SetPath, setPath } from "../set-path.js";
import { requireOpa, type ToolFlags, toolOptions, withTools } from "../tools.js";
import {
  readSigningRequest,
  SIGNING_HELP,
  signBuiltBundle,
  signingOptions,
} from "./sign-option.js";

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
  /** The reproducible bundle: the bytes the gate evaluates for the same set. */
  bytes: Uint8Array;
  /** SHA-256 of {@link bytes}, as the gate's report names the bundle it judged. */
  sha256: string;
  documents: string[];
  boundaries: string[];
  modules: string[];
  statements: number;
  warnings: Finding[];
  /** The bundle, loaded: proof that the engine accepts it. */
  policy: Policy;
}

/** One line saying why a set did not build, after its findings are printed. */
function failureSummary(set: SetPath, findings: ReadonlyArray<Finding>): string {
  const shown = set.display;
  const build = findings.find((f) => f.rule === "BuildFailed");
  if (build) return build.message;
  const refused = findings.filter((f) => f.check === "build");
  if (refused.length > 0) {
    return `${shown} holds ${plural(refused.length, "file")} keycard refuses (the pull-request gate refuses them too)`;
  }
  const invalid = new Set(findings.filter((f) => f.check === "iam").map((f) => f.file));
  return `${shown} has ${plural(invalid.size, "invalid IAM document")}`;
}

/**
 * Builds a set with access-diff's builder, the one the gate uses for the head of a pull
 * request: same reader, stager and compiler, same bytes. Findings are printed and stop the
 * build. Shared with `explain`, which needs a bundle whenever a set has custom Rego.
 * @internal
 */
export async function buildBundle(
  context: Context,
  set: SetPath,
  options: { tools: ToolFlags; verb: string },
): Promise<BuildResult> {
  const built = await withTools(options.tools, context.io, () =>
    withProgress(context.io, `compiling ${set.display} with opa build`, () =>
      buildPolicyBundle({
        path: set.absolute,
        name: set.name,
        library: findLibrary(),
        tools: toolOptions(options.tools, context.io),
      }),
    ),
  );
  if (!built.bundle || !built.policy) {
    // A compiler failure is its own summary; everything else is listed, then summed up.
    reportFindings(
      context,
      built.findings.filter((f) => f.rule !== "BuildFailed"),
    );
    throw new CliError("InvalidPolicy", failureSummary(set, built.findings), {
      verb: options.verb,
    });
  }
  return {
    bytes: built.bundle,
    sha256: createHash("sha256").update(built.bundle).digest("hex"),
    documents: built.set.documents.map((d) => d.path),
    boundaries: built.set.boundaries.map((d) => d.path),
    modules: built.set.modules.map((m) => m.path),
    statements: built.statements,
    warnings: built.warnings,
    policy: built.policy,
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
  const [setArgument, ...extra] = positionals;
  if (!setArgument)
    throw new CliError("UsageError", "give the policy set to build", { verb: "build" });
  if (extra.length > 0)
    throw new CliError("UsageError", `unexpected argument ${extra[0]}`, { verb: "build" });
  const signing = await readSigningRequest(values, context.io.cwd, "build");
  const set = await setPath(setArgument, context.io.cwd, "build");
  const output = resolve(context.io.cwd, values.output ?? "bundle.tar.gz");
  await requireOpa(values, context.io);
  const built = await buildBundle(context, set, { tools: values, verb: "build" });
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, built.bytes);
  const { bytes, policy: _policy, ...result } = built;
  const signed = signing && (await signBuiltBundle(signing, output, "build"));
  const shownBundle = shownPath(context.io.cwd, output);
  if (values.json) {
    printJson(context, {
      ...result,
      bytes: bytes.length,
      bundle: shownBundle,
      set: set.display,
      ...(signed ? { signed } : {}),
    });
    return ExitCode.Ok;
  }
  reportFindings(context, result.warnings);
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
    println(context, `  ${context.out.dim("rego")} ${set.name ? `${set.name}/` : ""}${module}`);
  if (signed) {
    const revision = signed.revision ? `, revision ${signed.revision}` : "";
    println(
      context,
      `  ${context.out.dim("signed")} ${signed.algorithm}, key id ${signed.keyId}${revision}`,
    );
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
