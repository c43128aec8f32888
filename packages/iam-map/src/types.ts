/** A value in an authorization request's condition context, as AWS puts it there. @public */
export type ContextValue = string | number | boolean | ReadonlyArray<string | number | boolean>;

/** Condition context keys (case-insensitive, as in IAM) mapped to their values. @public */
export type RequestContext = Readonly<Record<string, ContextValue>>;

/**
 * A stretch of a resource ARN that cannot be known before the call (an IAM user's path, the
 * key behind a KMS alias). Structurally identical to `UnknownResourcePart` in `@keycard/engine`.
 * @public
 */
export interface UnknownResourcePart {
  /** What is unknown, in words: for example `IAM user path`. */
  unknown: string;
  /** When known: exactly how many characters the part has (a secret ARN's suffix has 6). */
  length?: number;
}

/**
 * One authorization AWS performs for a call: an action on a resource with its context.
 * Structurally identical to `AuthorizationRequest` in `@keycard/engine`.
 * @public
 */
export interface AuthorizationRequest {
  /** IAM action in IAM casing, for example `s3:GetObject`. */
  action: string;
  /**
   * Resource ARN the action targets, or `*`. When part of it is unknown this is the display form
   * (unknown parts shown as `*`) and {@link AuthorizationRequest.resourceParts} says which parts.
   */
  resource: string;
  /** Known text and unknown parts, in order, when part of the resource is unknown. */
  resourceParts?: ReadonlyArray<string | UnknownResourcePart>;
  /** Condition keys for this request, for example `{ "s3:prefix": "reports/" }`. */
  context?: RequestContext;
  /** Condition keys AWS will have for this request whose values could not be computed. */
  unknownContext?: ReadonlyArray<string>;
}

/** Who is calling: the values behind the `aws:Principal*` keys. @public */
export interface CallerPrincipal {
  /** `aws:PrincipalArn`, for example `arn:aws:iam::123456789012:role/orders`. */
  arn?: string;
  /** `aws:PrincipalAccount`. */
  accountId?: string;
  /** `aws:userid`. */
  userId?: string;
  /** `aws:username` (IAM users only). */
  username?: string;
  /** `aws:PrincipalType`: `User`, `AssumedRole`, `FederatedUser`, `Account`. */
  type?: string;
  /** `aws:PrincipalTag/<key>` values. */
  tags?: Readonly<Record<string, string>>;
  /** Where the credentials came from (for example `env`, `sso`, `instance-metadata`): `keycard:CredentialSource`. */
  credentialSource?: string;
  /** Whether the session was authenticated with MFA: `keycard:MultiFactorAuthPresent`. */
  mfa?: boolean;
}

/** Input to {@link authorizationFor}. @public */
export interface AuthorizationInput {
  /**
   * The service: the SDK client name (`S3Client`, middleware `context.clientName`), the SDK service
   * id (`S3`, `Secrets Manager`), the SigV4 signing name (`s3`, `monitoring`) or the IAM prefix.
   */
  service: string;
  /** The operation: `PutObject` or `PutObjectCommand` (middleware `context.commandName`). */
  operation: string;
  /** The command input as the application passed it; never modified. */
  input?: unknown;
  /**
   * The names of every member the operation's input defines, from the SDK's operation schema
   * (the middleware passes them). A condition key named after a member (`s3:max-keys` ←
   * `MaxKeys`) that the call leaves out is then absent where the operation defines the member;
   * without this list it is unknown. Pass the same array for every call of an operation.
   */
  inputMembers?: readonly string[];
  /** Region the call goes to; `*` in ARNs and no `aws:RequestedRegion` when unknown. */
  region?: string;
  /** Account that owns the resources; `*` in ARNs when unknown (the caller's account is a good default). */
  accountId?: string;
  /** ARN partition; derived from the region (`cn-*` → `aws-cn`, …) and `aws` otherwise. */
  partition?: string;
  /** Who is calling. */
  principal?: CallerPrincipal;
  /** `aws:SecureTransport`; true unless the client talks plain HTTP. */
  secureTransport?: boolean;
  /** Clock for `aws:CurrentTime` / `aws:EpochTime`; the current time when omitted. */
  now?: Date;
}

/** What AWS authorizes for one call. @public */
export interface AuthorizationResult {
  /** False when the service or operation cannot be mapped; `reason` then says why. */
  known: boolean;
  /** IAM service prefix, for example `s3` (empty when the service is unknown). */
  service: string;
  /** Every authorization AWS performs for the request as sent. */
  requests: AuthorizationRequest[];
  /** Authorizations AWS may also perform depending on server-side state the client cannot see. */
  alsoMayNeed: AuthorizationRequest[];
  /** Why the call could not be mapped, or a note on an unusual mapping (for example, no IAM check). */
  reason?: string;
}
