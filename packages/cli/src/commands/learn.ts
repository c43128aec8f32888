import { access, mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { generatePolicy, IamMapError } from "@keycard/iam-map";
import { commonOptions, oneOf, parseVerbArgs } from "../args.js";
import {
  type Command,
  type Context,
  eprintln,
  plural,
  printJson,
  println,
  shownPath,
} from "../command.js";
import { readDecisionLogs } from "../decision-log.js";
import { CliError, ExitCode } from "../errors.js";
import { withProgress } from "../progress.js";

const HELP = `Usage: keycard learn <decision-log.jsonl>... [options]

Writes the least-privilege IAM policy that allows exactly the calls recorded in
decision logs (JSON lines written by the keycard middleware in audit or learn mode).
Every action is listed by name, never with a wildcard.

Options:
  -o, --output <file>        write the policy here instead of standard output
      --generalize <mode>    none (default): every resource as recorded;
                             resource-names: resources sharing a parent path collapse
                             to parent/common-prefix/* (S3 keys, SSM parameter paths)
      --include-denied       also learn from calls that were denied: refused in enforce
                             mode (sent: false) or would-deny in audit mode; left out
                             by default, and counted
      --json                 print the policy with counts of lines and requests
  -h, --help                 show this help

Exit codes: 0 policy written, 2 bad arguments, unreadable log or nothing to learn from.

Examples:
  keycard learn policies/orders/recorded/*.jsonl -o policies/orders/learned.json
  keycard learn audit.jsonl --generalize resource-names`;

const GENERALIZE = ["none", "resource-names"] as const;

async function run(args: string[], context: Context): Promise<number> {
  const { values, positionals } = parseVerbArgs("learn", args, {
    ...commonOptions,
    output: { type: "string", short: "o" },
    generalize: { type: "string" },
    "include-denied": { type: "boolean" },
  });
  if (values.help) {
    println(context, HELP);
    return ExitCode.Ok;
  }
  const generalize = oneOf("learn", values.generalize, "--generalize", GENERALIZE, "none");
  if (positionals.length === 0) {
    throw new CliError("UsageError", "give at least one decision log (.jsonl)", { verb: "learn" });
  }
  const files = positionals.map((p) => ({ path: resolve(context.io.cwd, p), shown: p }));
  for (const file of files) {
    try {
      await access(file.path);
    } catch (cause) {
      throw new CliError("InputError", `decision log ${file.shown} does not exist`, {
        cause,
        verb: "learn",
      });
    }
  }
  const read = await withProgress(context.io, "reading decision logs", (progress) =>
    readDecisionLogs(files, (lines) => progress.update(`reading decision logs: ${lines} lines`), {
      includeDenied: values["include-denied"] === true,
    }),
  );
  if (read.denied > 0) {
    eprintln(
      context,
      `${context.err.yellow("warning:")} left out ${plural(read.denied, "request")} that ${read.denied === 1 ? "was" : "were"} denied (refused in enforce mode or would-deny in audit mode); --include-denied learns from them too`,
    );
  }
  for (const skipped of read.skipped.slice(0, 20)) {
    eprintln(
      context,
      `${context.err.yellow("warning:")} ${skipped.file}:${skipped.line}: skipped, ${skipped.reason}`,
    );
  }
  if (read.skipped.length > 20) {
    eprintln(
      context,
      `${context.err.yellow("warning:")} ${read.skipped.length - 20} more lines skipped`,
    );
  }
  if (read.requests.length === 0) {
    throw new CliError(
      "InputError",
      `no keycard decisions found in ${plural(files.length, "file")} (${plural(read.lines, "line")} read)`,
      { verb: "learn" },
    );
  }
  let policy: Awaited<ReturnType<typeof generatePolicy>>;
  try {
    policy = await generatePolicy(read.requests, { generalize });
  } catch (error) {
    if (error instanceof IamMapError) {
      throw new CliError("InputError", `cannot learn from these logs: ${error.message}`, {
        cause: error,
        verb: "learn",
      });
    }
    throw error;
  }
  const summary = {
    lines: read.lines,
    requests: read.requests.length,
    skipped: read.skipped.length,
    denied: read.denied,
    statements: policy.Statement.length,
    actions: new Set(policy.Statement.flatMap((s) => s.Action)).size,
  };
  const text = `${JSON.stringify(policy, null, 2)}\n`;
  if (values.output) {
    const target = resolve(context.io.cwd, values.output);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text);
  }
  if (values.json) {
    printJson(context, { policy, ...summary, ...(values.output ? { output: values.output } : {}) });
    return ExitCode.Ok;
  }
  if (!values.output) context.io.stdout.write(text);
  const where = values.output
    ? ` to ${shownPath(context.io.cwd, resolve(context.io.cwd, values.output))}`
    : "";
  eprintln(
    context,
    `${context.err.green("✓")} learned ${plural(summary.actions, "action")} in ${plural(summary.statements, "statement")} from ${plural(summary.requests, "recorded request")}${where}`,
  );
  return ExitCode.Ok;
}

/** `keycard learn`. @internal */
export const learnCommand: Command = {
  name: "learn",
  summary: "write a least-privilege IAM policy from recorded traffic",
  help: HELP,
  run,
};
