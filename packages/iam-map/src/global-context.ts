import type { AuthorizationInput, ContextValue } from "./types.js";

/**
 * Condition keys AWS sets on every request of a call: time, transport, region and who is calling,
 * plus keycard's own credential keys when the caller knows them.
 * @internal
 */
export function globalContext(
  args: AuthorizationInput,
  region: string | undefined,
): Record<string, ContextValue> {
  const now = args.now instanceof Date && !Number.isNaN(args.now.getTime()) ? args.now : new Date();
  const context: Record<string, ContextValue> = {
    // AWS writes the time without milliseconds.
    "aws:CurrentTime": `${now.toISOString().slice(0, 19)}Z`,
    "aws:EpochTime": Math.floor(now.getTime() / 1000),
    "aws:SecureTransport": args.secureTransport !== false,
  };
  if (region) context["aws:RequestedRegion"] = region;
  const p = args.principal;
  if (p && typeof p === "object") {
    if (typeof p.arn === "string") context["aws:PrincipalArn"] = p.arn;
    const account = typeof p.accountId === "string" ? p.accountId : accountOf(p.arn);
    if (account) context["aws:PrincipalAccount"] = account;
    const type = typeof p.type === "string" ? p.type : typeOf(p.arn);
    if (type) context["aws:PrincipalType"] = type;
    if (typeof p.username === "string") context["aws:username"] = p.username;
    if (typeof p.userId === "string") context["aws:userid"] = p.userId;
    if (p.tags && typeof p.tags === "object") {
      for (const [k, v] of Object.entries(p.tags)) {
        if (typeof v === "string") context[`aws:PrincipalTag/${k}`] = v;
      }
    }
    if (typeof p.credentialSource === "string")
      context["keycard:CredentialSource"] = p.credentialSource;
    if (typeof p.mfa === "boolean") context["keycard:MultiFactorAuthPresent"] = p.mfa;
  }
  return context;
}

function accountOf(arn: unknown): string | undefined {
  if (typeof arn !== "string") return undefined;
  const account = arn.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** `aws:PrincipalType` as AWS derives it from the principal's ARN. */
function typeOf(arn: unknown): string | undefined {
  if (typeof arn !== "string") return undefined;
  if (/^arn:[^:]+:iam::\d+:root$/.test(arn)) return "Account";
  if (/^arn:[^:]+:iam::\d+:user\//.test(arn)) return "User";
  if (/^arn:[^:]+:sts::\d+:assumed-role\//.test(arn)) return "AssumedRole";
  if (/^arn:[^:]+:sts::\d+:federated-user\//.test(arn)) return "FederatedUser";
  return undefined;
}
