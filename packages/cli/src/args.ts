import { type ParseArgsConfig, parseArgs } from "node:util";
import { CliError } from "./errors.js";

/** The options table of a verb, in `parseArgs` form. @internal */
export type OptionsTable = NonNullable<ParseArgsConfig["options"]>;

/** What {@link parseVerbArgs} returns for an options table. @internal */
export type ParsedVerbArgs<O extends OptionsTable> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/** Options every verb accepts. @internal */
export const commonOptions = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

/**
 * `parseArgs` in strict mode, with its errors turned into usage errors that name the
 * verb, so the user is pointed at that verb's `--help`.
 * @internal
 */
export function parseVerbArgs<const O extends OptionsTable>(
  verb: string,
  args: string[],
  options: O,
): ParsedVerbArgs<O> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    // Node's messages end with advice about `--` that does not apply to keycard.
    const cleaned = message.replace(/\. To specify a positional argument.*$/s, "");
    throw new CliError("UsageError", cleaned, { cause: thrown, verb });
  }
}

/** A required option, or a usage error naming it. @internal */
export function required(verb: string, value: string | undefined, flag: string): string {
  if (value === undefined || value === "") {
    throw new CliError("UsageError", `${flag} is required`, { verb });
  }
  return value;
}

/** One of a fixed set of values, or a usage error listing them. @internal */
export function oneOf<T extends string>(
  verb: string,
  value: string | undefined,
  flag: string,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(
    "UsageError",
    `${flag} must be one of ${allowed.join(", ")} (got "${value}")`,
    {
      verb,
    },
  );
}
