/** Codes carried by {@link IamMapError}. @public */
export type IamMapErrorCode = "DATA_UNAVAILABLE" | "INVALID_RECORD" | "PROTOTYPE_CHANGED";

/**
 * The only error this package throws. {@link authorizationFor} never throws for odd input; this is
 * raised when IAM reference data cannot be loaded, or `generatePolicy` gets a malformed record or
 * finds members added to `Object.prototype` (`PROTOTYPE_CHANGED`).
 * @public
 */
export class IamMapError extends Error {
  override readonly name = "IamMapError";
  readonly code: IamMapErrorCode;

  constructor(code: IamMapErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
