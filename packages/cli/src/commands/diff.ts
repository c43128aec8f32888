import { stat } from "node:fs/promises";
import { relative, resolve, sep } from "node:path";
import { buildReport, diffPolicySets } from "@keycard/access-diff";
import { commonOptions, parseVerbArgs } from "../args.js";
import { type Command, type Context, println } from "../command.js";
import { CliError, ExitCode } from "../errors.js";
import { GATE_FLAGS_HELP, gateFlags, gateSettings, regalConfigFor } from "../gate-options.js";
import { findLibrary } from "../library.js";
import { withProgress } from "../progress.js";
import { printReport } from "../render-report.js";

const HELP = `Usage: keycard diff <base-set> <head-set> [options]

Compares two versions of a policy set, as the pull-request gate does: the access the
head version allows that the base did not (and the reverse), escalation risks in the
new access, and the validity checks and tests of the head version. The output and the
verdict are the GitHub Action's, printed for a terminal.

Options:
      --regal-config <file>       Regal settings (default: the nearest .regal/config.yaml
                                  above the head set, as the gate finds it in the repository)
${GATE_FLAGS_HELP}
  -h, --help                      show this help

Exit codes: 0 the gate passes, 1 it fails, 2 bad arguments, unreadable sets or OPA missing.

Example:
  git worktree add /tmp/main main
  keycard diff /tmp/main/policies/orders policies/orders`;

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function run(args: string[], context: Context): Promise<number> {
  const { values, positionals } = parseVerbArgs("diff", args, {
    ...commonOptions,
    ...gateFlags,
    "regal-config": { type: "string" },
  });
  if (values.help) {
    println(context, HELP);
    return ExitCode.Ok;
  }
  const [basePath, headPath, ...extra] = positionals;
  if (!basePath || !headPath) {
    throw new CliError("UsageError", "give the base and the head policy set", { verb: "diff" });
  }
  if (extra.length > 0)
    throw new CliError("UsageError", `unexpected argument ${extra[0]}`, { verb: "diff" });
  const base = resolve(context.io.cwd, basePath);
  const head = resolve(context.io.cwd, headPath);
  // One side may be missing (a set added or deleted), not both.
  const [hasBase, hasHead] = [await isDirectory(base), await isDirectory(head)];
  if (!hasBase && !hasHead) {
    throw new CliError("InputError", `neither ${basePath} nor ${headPath} is a directory`, {
      verb: "diff",
    });
  }
  const settings = await gateSettings("diff", values, context.io);
  const regalConfig = await regalConfigFor(
    hasHead ? head : base,
    values["regal-config"],
    context.io.cwd,
    "diff",
  );
  const name = displayPath(context.io.cwd, head);
  const baseName = displayPath(context.io.cwd, base);
  const diff = await withProgress(context.io, `diffing ${basePath} → ${headPath}`, () =>
    diffPolicySets({
      ...(hasBase ? { base } : {}),
      ...(hasHead ? { head } : {}),
      name,
      ...(hasBase ? { baseName } : {}),
      library: findLibrary(),
      tools: settings.tools,
      coverageThreshold: settings.coverageThreshold,
      ...(regalConfig !== undefined ? { regalConfig } : {}),
    }),
  );
  const report = buildReport([diff], {
    approved: settings.approved,
    approvalLabel: settings.approvalLabel,
    failOn: settings.failOn,
    base: basePath,
    head: headPath,
  });
  return printReport(context, report, values);
}

/** Paths inside the working directory are shown relative to it, others in full. */
function displayPath(cwd: string, path: string): string {
  const within = relative(cwd, path);
  if (within.startsWith("..") || within.startsWith(sep)) return path.split(sep).join("/");
  return (within || ".").split(sep).join("/");
}

/** `keycard diff`. @internal */
export const diffCommand: Command = {
  name: "diff",
  summary: "show the access a policy-set change adds and removes, and its risks",
  help: HELP,
  run,
};
