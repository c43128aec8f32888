/**
 * Who is calling, in the terms IAM policies use (`aws:PrincipalArn`, `aws:PrincipalAccount`,
 * `aws:userid`, `aws:username`, `aws:PrincipalType`) plus the credential labels of keycard's
 * role-first provider.
 * @internal
 */
export interface Caller {
  arn?: string;
  accountId?: string;
  userId?: string;
  username?: string;
  type?: string;
  source?: string;
  mfa?: boolean;
  /**
   * Set when `sts:GetCallerIdentity` failed and only the account is known: why. The caller's
   * ARN and the keys derived from it are then unknown to the policy.
   */
  unresolved?: string;
}

/** The credential sources keycard's role-first provider labels credentials with. */
const SOURCES = new Set([
  "web-identity",
  "container",
  "instance-metadata",
  "profile-role",
  "sso",
  "process",
  "static-upgraded",
  "static",
]);

/**
 * Reads what the resolved identity says about the caller. Credentials from keycard's role-first
 * provider carry plain `source` and `mfa` properties; the SDK adds `accountId` when it knows it.
 * Read duck-typed so this package does not depend on the credentials package.
 * @internal
 */
export function callerFromIdentity(
  identity: Readonly<Record<string, unknown>> | undefined,
): Caller {
  const caller: Caller = {};
  if (!identity) return caller;
  // Own members only: the identity is an ordinary object, and a member other code added to
  // `Object.prototype` must not stand in for an account, a source or MFA it does not have.
  const accountId = Object.hasOwn(identity, "accountId") ? identity["accountId"] : undefined;
  const source = Object.hasOwn(identity, "source") ? identity["source"] : undefined;
  const mfa = Object.hasOwn(identity, "mfa") ? identity["mfa"] : undefined;
  if (typeof accountId === "string" && /^\d{12}$/.test(accountId)) caller.accountId = accountId;
  if (typeof source === "string" && SOURCES.has(source)) {
    caller.source = source;
    caller.mfa = mfa === true;
  }
  return caller;
}

/**
 * The principal a policy sees for a caller ARN. A role session (`sts::…:assumed-role/R/s`) is
 * evaluated as its role (`iam::…:role/R`), as AWS sets `aws:PrincipalArn` to the role's ARN.
 * @internal
 */
export function callerFromArn(arn: string, userId?: string): Caller {
  const parts = arn.split(":");
  const partition = parts[1] ?? "aws";
  const account = parts[4] ?? "";
  const resource = parts.slice(5).join(":");
  const caller: Caller = { arn };
  if (/^\d{12}$/.test(account)) caller.accountId = account;
  if (userId) caller.userId = userId;
  if (resource === "root") {
    caller.type = "Account";
  } else if (resource.startsWith("user/")) {
    caller.type = "User";
    caller.username = resource.slice(resource.lastIndexOf("/") + 1);
  } else if (resource.startsWith("assumed-role/")) {
    caller.type = "AssumedRole";
    const role = resource.split("/")[1];
    if (role) caller.arn = `arn:${partition}:iam::${account}:role/${role}`;
  } else if (resource.startsWith("federated-user/")) {
    caller.type = "FederatedUser";
  }
  return caller;
}
