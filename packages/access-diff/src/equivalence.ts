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
