/**
 * Why a fleet operation failed.
 * - `InvalidOptions`: the options cannot work (missing key, unknown algorithm, bad URL).
 * - `InvalidBundle`: not a readable bundle: not gzip, not tar, too large, a path that escapes.
 * - `SignatureInvalid`: the signature is missing, malformed, by another key or does not verify.
 * - `DigestMismatch`: a file differs from the signed digest, is not signed, or is missing.
 * - `ScopeMismatch` / `KeyIdMismatch`: the token was made for another scope or key.
 * - `TokenTime`: the token is not yet valid or has expired, beyond the allowed clock skew.
 * - `ManifestInvalid`: `.manifest` is malformed or the data lies outside its `roots`.
 * - `CompileFailed`: the engine refused the verified bundle.
 * - `FetchFailed`: the bundle server could not be reached or answered with an error.
 * - `NoBundle`: no bundle could be had at start-up, from the server or from disk.
 * - `PersistDirUnsafe`: `persistDir` can be written by other users or does not belong to this
 *   process's user, or the persisted bundle is not a regular file of an acceptable size.
 * - `UploadFailed`: the decision-log service could not be reached or refused a batch.
 * - `LogDropped`: the decision-log buffer was full and decisions were dropped.
 * - `Closed`: the watcher or sink was closed.
 * @public
 */
export type FleetErrorCode =
  | "InvalidOptions"
  | "InvalidBundle"
  | "SignatureInvalid"
  | "DigestMismatch"
  | "ScopeMismatch"
  | "KeyIdMismatch"
  | "TokenTime"
  | "ManifestInvalid"
  | "CompileFailed"
  | "FetchFailed"
  | "NoBundle"
  | "PersistDirUnsafe"
  | "UploadFailed"
  | "LogDropped"
  | "Closed";

/** The one error type `@keycard/fleet` throws or reports. @public */
export class FleetError extends Error {
  override readonly name = "FleetError";
  /** What kind of failure this is; stable across releases. */
  readonly code: FleetErrorCode;

  constructor(code: FleetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Anything thrown, as an Error. @internal */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
