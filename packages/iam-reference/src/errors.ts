/** Codes carried by {@link IamReferenceError}. @public */
export type IamReferenceErrorCode =
  | "UNKNOWN_SERVICE"
  | "UNKNOWN_ACTION"
  | "UNKNOWN_RESOURCE_TYPE"
  | "DATA_UNAVAILABLE";

/**
 * The only error this package throws: a lookup named a service, action or resource type the
 * reference does not hold, or a service's tables could not be loaded.
 * @public
 */
export class IamReferenceError extends Error {
  override readonly name = "IamReferenceError";
  readonly code: IamReferenceErrorCode;

  constructor(code: IamReferenceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
