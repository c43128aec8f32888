/**
 * @keycard/cli: the `keycard` command line, also callable in-process through {@link run}.
 * @packageDocumentation
 */

export { CliError, type CliErrorCode, ExitCode, type ExitCodeValue } from "./errors.js";
export type { CliIo, OutputStream } from "./io.js";
export { run } from "./run.js";
