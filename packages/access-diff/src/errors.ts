/** What stopped an access diff or a gate run. @public */
export type AccessDiffErrorCode =
  | "ToolNotFound"
  | "ToolFailed"
  | "ToolTimeout"
  | "ToolOutOfMemory"
  | "GitFailed"
  | "LibraryNotFound"
  | "InvalidOptions";

/**
 * Thrown when the diff cannot be computed at all (a missing tool, an unreadable git ref).
 * Problems in the policies themselves are never thrown: they are findings in the result.
 * @public
 */
export class AccessDiffError extends Error {
  override readonly name = "AccessDiffError" as const;
  readonly code: AccessDiffErrorCode;

  constructor(code: AccessDiffErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
  }
}

/**
 * Turns anything thrown into an Error whose message can be shown. Some libraries throw plain
 * objects (the opa-wasm SDK does); their `message` is kept rather than printed as
 * `[object Object]`, and the original is the cause.
 * @public
 */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const message = (thrown as { message?: unknown } | null)?.message;
  if (typeof message === "string") return new Error(message, { cause: thrown });
  let text: string;
  try {
    text = typeof thrown === "string" ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    text = String(thrown);
  }
  return new Error(text, { cause: thrown });
}

/**
 * The finding rule for a run that could not finish: the {@link AccessDiffError} code
 * (`ToolTimeout`, `ToolOutOfMemory`, ...), `TooComplex` for input that exhausted the stack,
 * `CheckFailed` for anything else.
 * @internal
 */
export function failureRule(thrown: unknown): string {
  if (thrown instanceof AccessDiffError) return thrown.code;
  return asError(thrown).name === "RangeError" ? "TooComplex" : "CheckFailed";
}
