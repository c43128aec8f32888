import { execFile } from "node:child_process";
import { runGate } from "@keycard/access-diff";
import { commonOptions, parseVerbArgs } from "../args.js";
import { type Command, type Context, println } from "../command.js";
import { CliError, ExitCode } from "../errors.js";
import { GATE_FLAGS_HELP, gateFlags, gateSettings } from "../gate-options.js";
import { findLibrary } from "../library.js";
import { withProgress } from "../progress.js";
import { printReport } from "../render-report.js";

const HELP = `Usage: keycard gate [options]

Runs the pull-request gate on the working tree: every policy set under --paths that
changed since --base is validated, tested and diffed against its base version. The
same code, verdict and output as the GitHub Action, printed for a terminal.

Options:
      --base <ref>                commit, branch or tag to compare with (default: main)
      --paths <dirs>              folders, relative to the repository root, whose
                                  subfolders are policy sets; comma-separated or
                                  repeated (default: policies)
${GATE_FLAGS_HELP}
  -h, --help                      show this help

Exit codes: 0 the gate passes, 1 it fails, 2 bad arguments, not a git repository,
unknown ref or OPA missing.

Examples:
  keycard gate
  keycard gate --base origin/main --paths policies,services/policies`;

function gitRoot(cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["rev-parse", "--show-toplevel"],
      { cwd, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout.trim());
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        reject(
          new CliError(
            "InputError",
            missing
              ? "git was not found on PATH; the gate needs it"
              : `not inside a git repository (${stderr.trim() || error.message})`,
            { cause: error, verb: "gate" },
          ),
        );
      },
    );
  });
}

async function run(args: string[], context: Context): Promise<number> {
  const { values, positionals } = parseVerbArgs("gate", args, {
    ...commonOptions,
    ...gateFlags,
    base: { type: "string" },
    paths: { type: "string", multiple: true },
  });
  if (values.help) {
    println(context, HELP);
    return ExitCode.Ok;
  }
  if (positionals.length > 0) {
    throw new CliError("UsageError", `unexpected argument ${positionals[0]}`, { verb: "gate" });
  }
  const paths = (values.paths ?? ["policies"])
    .flatMap((p) => p.split(","))
    .map((p) => p.trim())
    .filter(Boolean);
  const settings = await gateSettings("gate", values, context.io);
  const root = await gitRoot(context.io.cwd);
  const report = await withProgress(context.io, "running the policy gate", (progress) =>
    runGate({
      root,
      baseRef: values.base ?? "main",
      paths,
      fallbackLibrary: findLibrary(),
      approved: settings.approved,
      approvalLabel: settings.approvalLabel,
      failOn: settings.failOn,
      coverageThreshold: settings.coverageThreshold,
      tools: settings.tools,
      onProgress: (message) => progress.update(message),
    }),
  );
  return printReport(context, report, values);
}

/** `keycard gate`. @internal */
export const gateCommand: Command = {
  name: "gate",
  summary: "run the pull-request gate on the working tree against a base ref",
  help: HELP,
  run,
};
