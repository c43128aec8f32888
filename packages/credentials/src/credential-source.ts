import type { AwsCredentialIdentity } from "@smithy/types";
import type { CredentialSource, RoleFirstCredentials } from "./types.js";

/**
 * Every {@link CredentialSource}, role sources first, in the order the chain tries them.
 * @public
 */
export const CREDENTIAL_SOURCES: readonly CredentialSource[] = Object.freeze([
  "web-identity",
  "container",
  "instance-metadata",
  "profile-role",
  "sso",
  "process",
  "static-upgraded",
  "static",
]);

function isCredentialSource(value: unknown): value is CredentialSource {
  return typeof value === "string" && (CREDENTIAL_SOURCES as readonly string[]).includes(value);
}

/**
 * Reads where a resolved identity came from, for request context such as
 * `keycard:CredentialSource` and `keycard:MultiFactorAuthPresent`. Returns `undefined` for
 * identities that did not come from {@link fromRoleFirstChain}.
 * @example
 * ```ts
 * const identity = await credentials();
 * credentialSourceOf(identity); // { source: "instance-metadata", mfa: false, longTerm: false }
 * ```
 * @public
 */
export function credentialSourceOf(
  identity: unknown,
): { source: CredentialSource; mfa: boolean; longTerm: boolean } | undefined {
  if (typeof identity !== "object" || identity === null) return undefined;
  const { source, mfa, longTerm } = identity as {
    source?: unknown;
    mfa?: unknown;
    longTerm?: unknown;
  };
  if (!isCredentialSource(source)) return undefined;
  return { source, mfa: mfa === true, longTerm: longTerm === true };
}

/**
 * Whether credentials are long-term access keys rather than a session: an IAM user's or the root
 * user's key (`AKIA…`), or any key without a session token.
 * @internal
 */
export function isLongTerm(identity: AwsCredentialIdentity): boolean {
  return identity.accessKeyId.startsWith("AKIA") || !identity.sessionToken;
}

/**
 * Copies an SDK identity and records its source on the copy; the SDK's own fields (`$source`,
 * `expiration`, `accountId`) are kept as they are. `longTerm` is worked out from the keys.
 * @internal
 */
export function withSource(
  identity: AwsCredentialIdentity,
  source: CredentialSource,
  mfa: boolean,
  accountId?: string,
): RoleFirstCredentials {
  const result: RoleFirstCredentials = {
    ...identity,
    source,
    mfa,
    longTerm: isLongTerm(identity),
  };
  const account = identity.accountId ?? accountId;
  return account === undefined ? result : { ...result, accountId: account };
}
