import type { RequestDecision } from "./types.js";

/**
 * A request's decision kept for reuse under a key from `reuse-key.ts`. The library's decision
 * repeats the request's own text in two places only: `resource`, and the implicit-deny reasons
 * (`policies/keycard/iam`, `reason`), which start with one of {@link IMPLICIT_DENY_HEADS}
 * followed by `<action> on <resource>`. Those are rebuilt for the request that reuses it.
 * @internal
 */
export interface ReusableDecision {
  decision: RequestDecision;
  resource: string;
  /** The reason up to the resource, and after it, when the reason names the resource. */
  head?: string;
  tail?: string;
}

/** The openings of the reasons that name the request's action and resource. @internal */
export const IMPLICIT_DENY_HEADS = [
  "implicitly denied: no statement allows ",
  "denied by the permissions boundary: no boundary statement allows ",
] as const;

/**
 * Prepares a fresh decision for reuse, or returns undefined when its reason names the request
 * in a form not recognised: then nothing is reused rather than a reason that could be wrong.
 * @internal
 */
export function reusable(
  decision: RequestDecision,
  action: string,
  resource: string,
): ReusableDecision | undefined {
  if (decision.action !== action || decision.resource !== resource) return undefined;
  for (const opening of IMPLICIT_DENY_HEADS) {
    if (!decision.reason.startsWith(opening)) continue;
    const head = `${opening}${action} on `;
    if (!decision.reason.startsWith(head + resource)) return undefined;
    return { decision, resource, head, tail: decision.reason.slice(head.length + resource.length) };
  }
  return { decision, resource };
}

/** The decision for another request with the same key, whose resource is `resource`. @internal */
export function reuse(entry: ReusableDecision, resource: string): RequestDecision {
  if (resource === entry.resource) return entry.decision;
  const copy: RequestDecision = { ...entry.decision, resource };
  if (entry.head !== undefined) copy.reason = `${entry.head}${resource}${entry.tail ?? ""}`;
  return Object.freeze(copy);
}

/** Decisions may be shared through the cache, so none can be changed after the fact. @internal */
export function freezeRequestDecision(request: RequestDecision): RequestDecision {
  for (const matched of request.matched) Object.freeze(matched);
  Object.freeze(request.matched);
  if (request.customDenies) Object.freeze(request.customDenies);
  if (request.unknown) Object.freeze(request.unknown);
  if (request.conditionFailures) {
    for (const failure of request.conditionFailures) {
      // Everything a failure holds: decisions reach application code, which may change what
      // it is handed, and this one is handed out again.
      Object.freeze(failure.values);
      Object.freeze(failure.statement);
      if (Array.isArray(failure.seen)) Object.freeze(failure.seen);
      Object.freeze(failure);
    }
    Object.freeze(request.conditionFailures);
  }
  if (request.customAllows) Object.freeze(request.customAllows);
  return Object.freeze(request);
}
