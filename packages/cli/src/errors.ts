/**
 * Exit codes, documented in the README: scripts and CI branch on them.
 * @public
 */
export const ExitCode = {
  /** The command succeeded and the policy passed. */
  Ok: 0,
  /** The command ran, and its verdict is a failure: a denied request, a failing test, a gate that fails. */
  PolicyFail: 1,
  /** The command could not run: bad arguments, unreadable or invalid input, a missing tool. */
  UsageOrInput: 2,
} as const;

/** An exit code from {@link ExitCode}. @public */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Why the CLI stopped. @public */
export type CliErrorCode =
  | "UsageError"
  | "InputError"
  | "InvalidPolicy"
  | "OpaNotFound"
  | "LibraryNotFound";

/**
 * The error every command throws when it cannot do its job. `run` prints the message and
 * exits with 2; a usage error also points at `--help`.
 * @public
 */
export class CliError extends Error {
  override readonly name = "CliError" as const;
  readonly code: CliErrorCode;
  /** The verb whose help a usage error points at. */
  readonly verb: string | undefined;

  constructor(
    code: CliErrorCode,
    message: string,
    options: { cause?: unknown; verb?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.verb = options.verb;
  }
}
