import { asError } from "@keycard/access-diff";
import { PolicyLoadError } from "@keycard/engine";
import { IamMapError } from "@keycard/iam-map";
import { type Command, type Context, eprintln, println } from "./command.js";
import { buildCommand } from "./commands/build.js";
import { diffCommand } from "./commands/diff.js";
import { explainCommand } from "./commands/explain.js";
import { gateCommand } from "./commands/gate.js";
import { learnCommand } from "./commands/learn.js";
import { testCommand } from "./commands/test.js";
import { CliError, ExitCode } from "./errors.js";
import { type CliIo, colorEnabled, createStyle, processIo } from "./io.js";
import { cliVersion } from "./version.js";

/** Every verb, in the order `keycard --help` lists them. @internal */
export const commands: ReadonlyArray<Command> = [
  buildCommand,
  testCommand,
  explainCommand,
  learnCommand,
  diffCommand,
  gateCommand,
];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: keycard <command> [options]

Keeps AWS applications on least privilege: build and test policy sets, explain what
a call needs, learn a policy from recorded traffic and gate policy changes.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Options:
  -h, --help     show this help, or a command's help: keycard <command> --help
  -v, --version  print the version

Exit codes: 0 pass, 1 policy verdict fail, 2 usage or input error.`;
}

function report(context: Context, thrown: unknown): number {
  const error = asError(thrown);
  const label = context.err.red("error:");
  if (error instanceof CliError) {
    eprintln(context, `${label} ${error.message}`);
    if (error.code === "UsageError") {
      eprintln(context, `Run \`keycard ${error.verb ? `${error.verb} ` : ""}--help\` for usage.`);
    }
    return ExitCode.UsageOrInput;
  }
  // Errors of the libraries underneath describe bad input (an unreadable bundle, a git ref
  // that does not exist) and carry messages meant for the user.
  if (
    error instanceof PolicyLoadError ||
    error instanceof IamMapError ||
    error.name === "AccessDiffError"
  ) {
    eprintln(context, `${label} ${error.message}`);
    return ExitCode.UsageOrInput;
  }
  // Anything else is a keycard bug; the stack helps whoever reports it.
  eprintln(context, `${label} unexpected failure: ${error.stack ?? error.message}`);
  return ExitCode.UsageOrInput;
}

/**
 * Runs the keycard CLI with `argv` (the arguments after `keycard`) and resolves to the
 * exit code. Output goes to `io`, so tests and other tools can run it in-process; it
 * never calls `process.exit`.
 *
 * @example
 * ```ts
 * const code = await run(["build", "policies/orders", "-o", "orders.tar.gz"]);
 * process.exitCode = code;
 * ```
 * @public
 */
export async function run(argv: ReadonlyArray<string>, io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = { ...processIo(), ...io };
  const context: Context = {
    io: full,
    out: createStyle(colorEnabled(full.stdout, full.env)),
    err: createStyle(colorEnabled(full.stderr, full.env)),
  };
  const [verb, ...rest] = argv;
  try {
    if (verb === undefined || verb === "-h" || verb === "--help" || verb === "help") {
      const topic = verb === "help" ? commands.find((c) => c.name === rest[0]) : undefined;
      println(context, topic ? topic.help : mainHelp());
      return verb === undefined ? ExitCode.UsageOrInput : ExitCode.Ok;
    }
    if (verb === "-v" || verb === "--version") {
      println(context, cliVersion());
      return ExitCode.Ok;
    }
    const command = commands.find((c) => c.name === verb);
    if (!command) {
      throw new CliError("UsageError", `unknown command "${verb}"`);
    }
    return await command.run([...rest], context);
  } catch (thrown) {
    return report(context, thrown);
  }
}
