import type { RequestDecision } from "@keycard/engine";
import { variablesFor } from "./corpus.js";
import type { SideStatement } from "./documents.js";
import type { ChangedRequest } from "./evaluate.js";
import { actionInfo } from "./iam-reference.js";
import type { AccessChange, CorpusSource } from "./types.js";
import { actionMatches, resourceMatches } from "./wildcard.js";

/** Examples kept per group. @internal */
export const EXAMPLES_PER_GROUP = 3;

function statementKey(document: string, index: number): string {
  return `${document}#${index}`;
}

/** Index of a side's statements by document and position. @internal */
export function indexStatements(
  statements: ReadonlyArray<SideStatement>,
): Map<string, SideStatement> {
  return new Map(statements.map((s) => [statementKey(s.ref.document, s.ref.statementIndex), s]));
}

/** The identity statement that allowed a request, if a statement did. */
function grantingStatement(
  decision: RequestDecision,
  statements: Map<string, SideStatement>,
): SideStatement | undefined {
  for (const matched of decision.matched) {
    if (matched.effect !== "Allow" || matched.boundary) continue;
    const statement = statements.get(statementKey(matched.document, matched.statementIndex));
    if (statement && !statement.boundary) return statement;
  }
  return undefined;
}

/** The pattern of the statement that covers the resource: what a reviewer recognises. */
function resourcePattern(statement: SideStatement | undefined, change: ChangedRequest): string {
  const resource = change.request.resource;
  if (!statement) return resource;
  if (statement.resource) {
    const variables = variablesFor(change.request.principal, change.request.region);
    return statement.resource.find((p) => resourceMatches(p, resource, variables)) ?? resource;
  }
  return `* except ${(statement.notResource ?? []).join(", ")}`;
}

const LEVEL_ORDER = ["Permissions management", "Write", "Tagging", "List", "Read"];

function levelsOf(accessLevel: string | undefined): string[] {
  return (accessLevel ?? "Unknown").split(",").map((l) => l.trim());
}

/**
 * Groups changed requests so a reviewer reads a few lines: one group per direction,
 * granting statement and resource pattern, listing every action that changed under it.
 * @internal
 */
export async function groupChanges(
  changed: ReadonlyArray<ChangedRequest>,
  base: ReadonlyArray<SideStatement>,
  head: ReadonlyArray<SideStatement>,
): Promise<{ newAccess: AccessChange[]; removedAccess: AccessChange[] }> {
  const baseIndex = indexStatements(base);
  const headIndex = indexStatements(head);
  const groups = new Map<
    string,
    AccessChange & {
      actionKeys: Set<string>;
      keys: Set<string>;
      sourceSet: Set<CorpusSource>;
      granting: SideStatement | undefined;
    }
  >();
  for (const change of changed) {
    const direction = change.head.allow ? "new" : "removed";
    const granting = direction === "new" ? change.head : change.base;
    const other = direction === "new" ? change.base : change.head;
    const statement = grantingStatement(granting, direction === "new" ? headIndex : baseIndex);
    const customRule =
      !statement && /custom rule/.test(granting.reason) ? granting.reason : undefined;
    const resource = resourcePattern(statement, change);
    const service = change.request.action.split(":")[0]?.toLowerCase() ?? "";
    // Actions of every service granted by one statement on one resource pattern share a row.
    const key = [
      direction,
      statement ? statementKey(statement.ref.document, statement.ref.statementIndex) : service,
      resource,
      customRule ?? "",
    ].join("\0");
    let group = groups.get(key);
    if (!group) {
      group = {
        direction,
        service,
        actions: [],
        actionPatterns: [],
        granting: statement,
        resource,
        ...(statement ? { statement: statement.ref } : {}),
        ...(customRule ? { customRule } : {}),
        otherSide: other.reason,
        conditionKeys: [],
        unconditional: false,
        accessLevels: [],
        sources: [],
        requestCount: 0,
        recordedCalls: 0,
        examples: [],
        actionKeys: new Set(),
        keys: new Set(),
        sourceSet: new Set(),
      };
      groups.set(key, group);
    }
    const actionKey = change.request.action.toLowerCase();
    if (!group.actionKeys.has(actionKey)) {
      group.actionKeys.add(actionKey);
      group.actions.push((await actionInfo(change.request.action))?.name ?? change.request.action);
    }
    const contextKeys = Object.keys(change.request.context ?? {});
    if (contextKeys.length === 0) group.unconditional = true;
    for (const k of contextKeys) group.keys.add(k);
    group.sourceSet.add(change.source);
    group.requestCount += 1;
    if (change.source === "recorded") group.recordedCalls += 1;
    if (
      group.examples.length < EXAMPLES_PER_GROUP &&
      !group.examples.some((e) => JSON.stringify(e) === JSON.stringify(change.request))
    ) {
      group.examples.push(change.request);
    }
  }
  const newAccess: AccessChange[] = [];
  const removedAccess: AccessChange[] = [];
  for (const group of groups.values()) {
    const { actionKeys: _a, keys, sourceSet, granting, ...change } = group;
    change.actions.sort();
    change.actionPatterns = coveringPatterns(granting, change.actions);
    const services = new Set(change.actions.map((a) => a.split(":")[0]?.toLowerCase() ?? ""));
    if (services.size > 1) change.service = [...services].sort().join(",");
    change.conditionKeys = [...keys].sort();
    change.sources = (["recorded", "tests", "generated"] as const).filter((s) => sourceSet.has(s));
    const levels = new Set<string>();
    for (const action of change.actions)
      for (const l of levelsOf((await actionInfo(action))?.accessLevel)) levels.add(l);
    change.accessLevels = [...levels].sort((a, b) => rank(a) - rank(b));
    (change.direction === "new" ? newAccess : removedAccess).push(change);
  }
  const order = (a: AccessChange, b: AccessChange) =>
    rank(a.accessLevels[0]) - rank(b.accessLevels[0]) ||
    b.recordedCalls - a.recordedCalls ||
    b.actions.length - a.actions.length ||
    a.resource.localeCompare(b.resource);
  return { newAccess: newAccess.sort(order), removedAccess: removedAccess.sort(order) };
}

/** The statement's wildcard patterns that cover all the actions, for a compact display. */
function coveringPatterns(
  statement: SideStatement | undefined,
  actions: ReadonlyArray<string>,
): string[] {
  if (!statement) return [];
  if (statement.notAction) return [`* except ${statement.notAction.join(", ")}`];
  return (statement.action ?? []).filter(
    (p) => /[*?]/.test(p) && actions.every((a) => actionMatches(p, a)),
  );
}

function rank(level: string | undefined): number {
  const i = LEVEL_ORDER.indexOf(level ?? "");
  return i < 0 ? LEVEL_ORDER.length : i;
}
