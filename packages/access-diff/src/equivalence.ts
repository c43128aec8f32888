import type { AuthorizationRequest } from "@keycard/engine";
import { statementCoversAction } from "./corpus.js";
import type { SideStatement } from "./documents.js";
import { resourceMatches } from "./wildcard.js";

/**
 * Classes of generated requests that both versions must decide alike: same action, same
 * context, and a resource that every Resource and NotResource pattern of every statement
 * covering the action (in either version) matches or misses in the same way. An IAM decision
 * depends only on which statements apply, so one evaluation per class is enough; for an
 * action with eighteen resource types all granted by `*`, that is one evaluation, not eighteen.
 *
 * Only valid for IAM-only sets (custom rules see the resource itself) and for patterns without
 * policy variables (whose values the engine resolves); other requests get no class.
 * @internal
 */
export function resourceClasses(
  statements: ReadonlyArray<SideStatement>,
): (request: AuthorizationRequest) => string | undefined {
  const patternsByAction = new Map<string, string[] | undefined>();
  const patternsFor = (action: string): string[] | undefined => {
    const key = action.toLowerCase();
    if (patternsByAction.has(key)) return patternsByAction.get(key);
    const patterns: string[] = [];
    let usable = true;
    for (const statement of statements) {
      if (!statementCoversAction(statement, action)) continue;
      for (const p of statement.resource ?? statement.notResource ?? []) {
        if (p.includes("${")) usable = false;
        patterns.push(p);
      }
    }
    const result = usable ? patterns : undefined;
    patternsByAction.set(key, result);
    return result;
  };
  return (request) => {
    const patterns = patternsFor(request.action);
    if (!patterns) return undefined;
    let bits = "";
    for (const p of patterns) bits += resourceMatches(p, request.resource) ? "1" : "0";
    return `${request.action.toLowerCase()}\0${request.context ? JSON.stringify(request.context) : ""}\0${bits}`;
  };
}

/**
 * A test that proves, without the engine, that a version denies a request because none of its
 * statements can apply: then the engine's answer is known, reason included ("implicitly
 * denied: no statement allows …"). For an action only the other version names, that halves
 * the evaluations. Conservative: a pattern with a policy variable always counts as applying,
 * and a version with a permissions boundary is always evaluated (its reasons differ).
 * @internal
 */
export function provenDenial(
  statements: ReadonlyArray<SideStatement>,
): ((request: AuthorizationRequest) => boolean) | undefined {
  if (statements.some((s) => s.boundary)) return undefined;
  const applies = mayApplyWithoutVariables(statements);
  return (request) => !applies(request);
}

/**
 * Requests no changed statement can apply to: both versions match the same statements for
 * them, so their decisions are equal and need not be evaluated. Only for IAM-only sets whose
 * Rego did not change; patterns with policy variables always count as applying.
 * @internal
 */
export function provenUnaffected(
  changed: ReadonlyArray<SideStatement>,
): (request: AuthorizationRequest) => boolean {
  const applies = mayApplyWithoutVariables(changed);
  return (request) => !applies(request);
}

/** True when some statement may apply to the request, conditions and variables aside. */
function mayApplyWithoutVariables(
  statements: ReadonlyArray<SideStatement>,
): (request: AuthorizationRequest) => boolean {
  const byAction = new Map<string, SideStatement[]>();
  return (request) => {
    const key = request.action.toLowerCase();
    let covering = byAction.get(key);
    if (!covering) {
      covering = statements.filter((s) => statementCoversAction(s, request.action));
      byAction.set(key, covering);
    }
    return covering.some((s) => {
      if (s.resource)
        return s.resource.some((p) => p.includes("${") || resourceMatches(p, request.resource));
      return !(s.notResource ?? []).some(
        (p) => !p.includes("${") && resourceMatches(p, request.resource),
      );
    });
  };
}

/** The engine's reason for a request no statement applies to. @internal */
export function implicitDenyReason(request: AuthorizationRequest): string {
  return `implicitly denied: no statement allows ${request.action} on ${request.resource}`;
}

/** Identical requests (within one caller's input) are one class. @internal */
export function sameRequest(request: AuthorizationRequest): string {
  return JSON.stringify([request.action, request.resource, request.context ?? null]);
}
