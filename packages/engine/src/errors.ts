/** What went wrong while loading a policy. @public */
export type PolicyLoadErrorCode =
  | "MalformedDocument"
  | "InvalidElement"
  | "UnknownElement"
  | "InvalidAction"
  | "InvalidArn"
  | "UnknownConditionOperator"
  | "InvalidConditionKey"
  | "InvalidConditionValue"
  | "InvalidBundle"
  | "ChangedPrototype"
  | "WasmLoadFailed";

/** Where in the loaded input a problem was found. @public */
export interface PolicyLocation {
  /** Document name (file name, or `iam[0]`, `boundary[0]` for inline documents). */
  document: string;
  /** Zero-based statement index, when the problem is inside a statement. */
  statementIndex?: number;
  /** The element at fault, for example `Condition.StringEqualz`. */
  element?: string;
}

function describe(location: PolicyLocation): string {
  const parts = [location.document];
  if (location.statementIndex !== undefined) parts.push(`statement ${location.statementIndex}`);
  if (location.element) parts.push(location.element);
  return parts.join(", ");
}

/**
 * Thrown by `loadPolicy` when a document or bundle cannot be used. The message names the
 * document, the statement index and the element; `location` carries the same as data.
 * @public
 */
export class PolicyLoadError extends Error {
  override readonly name = "PolicyLoadError" as const;
  readonly code: PolicyLoadErrorCode;
  readonly location: PolicyLocation | undefined;

  constructor(
    code: PolicyLoadErrorCode,
    message: string,
    options: { location?: PolicyLocation; cause?: unknown } = {},
  ) {
    super(options.location ? `${describe(options.location)}: ${message}` : message, {
      cause: options.cause,
    });
    this.code = code;
    this.location = options.location;
  }
}

/** A problem that does not stop loading, such as an action IAM does not know. @public */
export interface PolicyWarning {
  /**
   * `UnknownAction`/`UnknownService`: the IAM reference does not know the name.
   * `UnknowableConditionKey`: the statement depends on a condition key only AWS sees
   * (`keys` names them); it is undecided before the call unless the request carries the key.
   */
  code: "UnknownAction" | "UnknownService" | "UnknowableConditionKey";
  message: string;
  location: PolicyLocation;
  /** For `UnknowableConditionKey`: the keys, as written. */
  keys?: string[];
}

/** Converts whatever the WebAssembly SDK threw (it throws strings) into an Error. @internal */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
