/** What stopped an access diff or a gate run. @public */
export type AccessDiffErrorCode =
  | "ToolNotFound"
  | "ToolFailed"
  | "ToolTimeout"
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

/** Turns anything thrown into an Error, so messages can always be read. @internal */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
