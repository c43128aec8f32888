/** Codes carried by {@link IamMapError}. @public */
export type IamMapErrorCode = "DATA_UNAVAILABLE" | "INVALID_RECORD";

/**
 * The only error this package throws. {@link authorizationFor} never throws for odd input; this is
 * raised when IAM reference data cannot be loaded or `generatePolicy` gets a malformed record.
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
