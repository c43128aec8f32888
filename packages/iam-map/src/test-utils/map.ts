import { authorizationFor } from "../authorization.js";
import { RECORD_PROTOTYPE } from "../object-prototype.js";
import type { AuthorizationInput, AuthorizationResult } from "../types.js";

/** A fixed clock, region and account so results compare exactly. */
export const FIXED = {
  region: "us-east-1",
  accountId: "123456789012",
  now: new Date("2024-05-01T12:00:00.000Z"),
} as const;

/** Maps one call with the fixed region, account and clock. */
export function map(
  service: string,
  operation: string,
  input?: unknown,
  extra?: Partial<AuthorizationInput>,
): Promise<AuthorizationResult> {
  return authorizationFor({ ...FIXED, service, operation, input, ...extra });
}

/** `[action, resource]` pairs, for compact expectations. */
export function pairs(requests: AuthorizationResult["requests"]): Array<[string, string]> {
  return requests.map((r) => [r.action, r.resource]);
}

/** The service-specific part of a request's context (without `aws:` global keys). */
export function serviceContext(
  request: { context?: Readonly<Record<string, unknown>> } | undefined,
) {
  return Object.fromEntries(
    Object.entries(request?.context ?? {}).filter(([k]) => !k.startsWith("aws:")),
  );
}

/** An input record as the middleware's copies are: inherits nothing, data members only. */
export function record(members: Record<string, unknown>): Record<string, unknown> {
  const out = Object.create(RECORD_PROTOTYPE) as Record<string, unknown>;
  for (const [key, value] of Object.entries(members))
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}
