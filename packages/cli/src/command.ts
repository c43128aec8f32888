import { isAbsolute, relative, sep } from "node:path";
import type { CliIo, Style } from "./io.js";

/** What a verb gets to work with. @internal */
export interface Context {
  io: CliIo;
  /** Decorations for standard output. */
  out: Style;
  /** Decorations for standard error. */
  err: Style;
}

/** One verb of the CLI: `keycard <name> …`. @internal */
export interface Command {
  name: string;
  /** One line for `keycard --help`. */
  summary: string;
  /** The full `keycard <name> --help` text. */
  help: string;
  /** Runs the verb and returns its exit code; throws `CliError` when it cannot run. */
  run(args: string[], context: Context): Promise<number>;
}

/** Writes a line to standard output. @internal */
export function println(context: Context, text = ""): void {
  context.io.stdout.write(`${text}\n`);
}

/** Writes a line to standard error. @internal */
export function eprintln(context: Context, text = ""): void {
  context.io.stderr.write(`${text}\n`);
}

/** Pretty JSON for `--json`, one document per run. @internal */
export function printJson(context: Context, value: unknown): void {
  context.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `1 document`, `2 documents`. @internal */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/**
 * A path for messages: relative to the working directory when it is below it, else
 * absolute, so `../../tmp/x` never appears.
 * @internal
 */
export function shownPath(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  return rel === ""
    ? "."
    : rel.startsWith("..") || isAbsolute(rel)
      ? absolute
      : rel.split(sep).join("/");
}
