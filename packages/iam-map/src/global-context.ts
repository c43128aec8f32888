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
  const ms =
    args.now instanceof Date && !Number.isNaN(args.now.getTime()) ? args.now.getTime() : Date.now();
  const seconds = Math.floor(ms / 1000);
  const context: Record<string, ContextValue> = {
    // AWS writes the time without milliseconds.
    "aws:CurrentTime": currentTime(seconds),
    "aws:EpochTime": seconds,
    "aws:SecureTransport": args.secureTransport !== false,
  };
  if (region) context["aws:RequestedRegion"] = region;
  const p = args.principal;
  if (p && typeof p === "object") {
    const derived = typeof p.arn === "string" ? fromArn(p.arn) : undefined;
    if (typeof p.arn === "string") context["aws:PrincipalArn"] = p.arn;
    const account = typeof p.accountId === "string" ? p.accountId : derived?.account;
    if (account) context["aws:PrincipalAccount"] = account;
    const type = typeof p.type === "string" ? p.type : derived?.type;
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

/** The last second formatted, since calls come many to the second. */
let lastSecond = Number.NaN;
let lastTime = "";

/** `aws:CurrentTime` for a second since the epoch: ISO 8601 without milliseconds. */
function currentTime(seconds: number): string {
  if (seconds !== lastSecond) {
    lastTime = `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
    lastSecond = seconds;
  }
  return lastTime;
}

/** What a principal ARN says, parsed once per ARN (a process has few callers). */
const principals = new Map<string, { account: string | undefined; type: string | undefined }>();

function fromArn(arn: string): { account: string | undefined; type: string | undefined } {
  let derived = principals.get(arn);
  if (!derived) {
    derived = { account: accountOf(arn), type: typeOf(arn) };
    // Bounded: past the limit the map starts over rather than growing.
    if (principals.size >= 1000) principals.clear();
    principals.set(arn, derived);
  }
  return derived;
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
