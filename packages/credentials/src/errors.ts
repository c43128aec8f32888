import { CredentialsProviderError } from "@smithy/core/config";

/**
 * Machine-readable reason of a {@link KeycardCredentialsError}.
 * @public
 */
export type KeycardCredentialsErrorCode =
  | "STATIC_CREDENTIALS_REFUSED"
  | "ROOT_CREDENTIALS_REFUSED"
  | "ROLE_SOURCE_FAILED"
  | "ROLE_SOURCE_INCOMPLETE"
  | "IDENTITY_CHECK_FAILED"
  | "NO_CREDENTIALS";

interface ErrorOptions {
  cause?: unknown;
  tryNextLink: boolean;
}

/**
 * Base of every error the role-first chain throws. It is a `CredentialsProviderError`, so SDK
 * chains (`createCredentialChain`, `chain`) read `tryNextLink` to decide whether to go on.
 * Messages never contain secret keys, session tokens or web-identity tokens.
 * @public
 */
export abstract class KeycardCredentialsError extends CredentialsProviderError {
  abstract readonly code: KeycardCredentialsErrorCode;
  override readonly cause: unknown;

  protected constructor(message: string, options: ErrorOptions) {
    super(message, { tryNextLink: options.tryNextLink });
    // The smithy base pins its own prototype in its constructor, which would hide the subclass.
    Object.setPrototypeOf(this, new.target.prototype);
    this.cause = options.cause;
  }
}

/**
 * Static keys were found, no role source exists, and `staticKeys` is `"deny"`.
 * The message names the variables or the file that supplied the keys and how to use a role instead.
 * @public
 */
export class StaticCredentialsRefusedError extends KeycardCredentialsError {
  override readonly name = "StaticCredentialsRefusedError";
  readonly code = "STATIC_CREDENTIALS_REFUSED";

  /** @internal */
  constructor(message: string) {
    super(message, { tryNextLink: false });
  }
}

/**
 * The static keys belong to the account root user (`sts:GetCallerIdentity` returned an ARN ending
 * in `:root`) and `refuseRootKeys` is on.
 * @public
 */
export class RootCredentialsRefusedError extends KeycardCredentialsError {
  override readonly name = "RootCredentialsRefusedError";
  readonly code = "ROOT_CREDENTIALS_REFUSED";

  /** @internal */
  constructor(message: string) {
    super(message, { tryNextLink: false });
  }
}

/**
 * A role source is configured (its variables or profile keys are set) but did not yield
 * credentials. The chain stops here rather than falling back to static keys, which would hide the
 * misconfiguration behind the very keys the workload was meant to stop using.
 * @public
 */
export class RoleSourceFailedError extends KeycardCredentialsError {
  override readonly name = "RoleSourceFailedError";
  readonly code = "ROLE_SOURCE_FAILED";

  /** @internal */
  constructor(message: string, cause: unknown) {
    super(message, { tryNextLink: false, cause });
  }
}

/**
 * A role source is half configured: a web-identity token file without a role ARN, a role ARN
 * without a token file (in the environment or in a profile), or a profile's `role_arn` with nothing
 * to assume it with. The message names the missing setting. The chain stops rather than go on to
 * static keys, which is what the half-written configuration was meant to replace.
 * @public
 */
export class RoleSourceIncompleteError extends KeycardCredentialsError {
  override readonly name = "RoleSourceIncompleteError";
  readonly code = "ROLE_SOURCE_INCOMPLETE";
  /** The setting that is missing, e.g. `AWS_ROLE_ARN` or `role_arn`. */
  readonly missing: string;

  /** @internal */
  constructor(message: string, missing: string) {
    super(message, { tryNextLink: false });
    this.missing = missing;
  }
}

/**
 * `refuseRootKeys` is on and `sts:GetCallerIdentity` could not tell whose static keys these are
 * (STS unreachable, or the keys invalid). The chain fails closed rather than risk using root keys.
 * @public
 */
export class CredentialsCheckFailedError extends KeycardCredentialsError {
  override readonly name = "CredentialsCheckFailedError";
  readonly code = "IDENTITY_CHECK_FAILED";

  /** @internal */
  constructor(message: string, cause: unknown) {
    super(message, { tryNextLink: false, cause });
  }
}

/**
 * Neither a role source nor static keys were found. `tryNextLink` is true, so a surrounding SDK
 * chain may go on to another provider.
 * @public
 */
export class NoCredentialsError extends KeycardCredentialsError {
  override readonly name = "NoCredentialsError";
  readonly code = "NO_CREDENTIALS";

  /** @internal */
  constructor(message: string) {
    super(message, { tryNextLink: true });
  }
}
