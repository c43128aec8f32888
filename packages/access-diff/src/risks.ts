import type { Policy } from "@keycard/engine";
import {
  derivedResources,
  PROBE_PRINCIPAL,
  PROBE_REGION,
  requestsForAction,
  variablesFor,
} from "./corpus.js";
import type { SideStatement } from "./documents.js";
import { indexStatements } from "./group.js";
import { actionInfo } from "./iam-reference.js";
import { ESCALATION_METHODS, STRUCTURE_SOURCES } from "./risk-catalogue.js";
import type { AccessChange, Risk, RiskSeverity, StatementRef } from "./types.js";

const SEVERITY_ORDER: Record<RiskSeverity, number> = { critical: 0, high: 1, medium: 2 };

/** Sorts risks most severe first. @internal */
export function bySeverity(a: Risk, b: Risk): number {
  return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.id.localeCompare(b.id);
}

/**
 * Answers "does the head version allow this action anywhere?" by evaluating the action's
 * requests (the set's resources, probes, condition contexts) on the head policy.
 */
function allowsSomewhere(policy: Policy | undefined, statements: ReadonlyArray<SideStatement>) {
  const cache = new Map<string, Promise<boolean>>();
  const variables = variablesFor(PROBE_PRINCIPAL, PROBE_REGION);
  const derived = derivedResources(statements, variables);
  return (action: string): Promise<boolean> => {
    const key = action.toLowerCase();
    let pending = cache.get(key);
    if (!pending) {
      pending = (async () => {
        const info = await actionInfo(action);
        if (!info || !policy) return false;
        const requests = requestsForAction(info, statements, [...derived, "*"], variables);
        for (let start = 0; start < requests.length; start += 64) {
          const decision = policy.evaluate({
            principal: PROBE_PRINCIPAL,
            region: PROBE_REGION,
            requests: requests.slice(start, start + 64),
          });
          if (decision.requests.some((r) => r.allow)) return true;
        }
        return false;
      })();
      cache.set(key, pending);
    }
    return pending;
  };
}

function isWildcardAll(pattern: string): boolean {
  return pattern === "*" || pattern === "*:*";
}

/**
 * Risks of the new access: known privilege-escalation methods it completes (at least one of
 * the method's actions must be new), and risky shapes of the statements that grant it.
 * @internal
 */
export async function findRisks(
  newAccess: ReadonlyArray<AccessChange>,
  head: { policy: Policy | undefined; statements: ReadonlyArray<SideStatement> },
): Promise<Risk[]> {
  const risks: Risk[] = [];
  const newActions = new Map<string, { name: string; statement?: StatementRef }>();
  for (const change of newAccess) {
    for (const action of change.actions) {
      const key = action.toLowerCase();
      if (!newActions.has(key))
        newActions.set(key, {
          name: action,
          ...(change.statement ? { statement: change.statement } : {}),
        });
    }
  }
  const allows = allowsSomewhere(head.policy, head.statements);
  for (const method of ESCALATION_METHODS) {
    const involved = method.requires.flat().filter((a) => newActions.has(a.toLowerCase()));
    if (involved.length === 0) continue;
    let complete = true;
    for (const group of method.requires) {
      let satisfied = group.some((a) => newActions.has(a.toLowerCase()));
      for (const a of group) {
        if (satisfied) break;
        satisfied = await allows(a);
      }
      if (!satisfied) {
        complete = false;
        break;
      }
    }
    if (!complete) continue;
    const first = newActions.get(involved[0]?.toLowerCase() ?? "");
    risks.push({
      id: method.id,
      kind: "escalation",
      severity: method.severity,
      title: method.title,
      description: method.description,
      actions: involved.map((a) => newActions.get(a.toLowerCase())?.name ?? a),
      ...(first?.statement ? { statement: first.statement } : {}),
      source: method.source,
    });
  }

  const index = indexStatements(head.statements);
  const structural = new Map<string, Risk>();
  const add = (risk: Omit<Risk, "kind" | "actions">, actions: ReadonlyArray<string>) => {
    const key = `${risk.id}\0${risk.statement?.document}\0${risk.statement?.statementIndex}`;
    const existing = structural.get(key);
    if (existing) {
      for (const a of actions) if (!existing.actions.includes(a)) existing.actions.push(a);
    } else structural.set(key, { ...risk, kind: "structure", actions: [...actions] });
  };
  for (const change of newAccess) {
    if (!change.statement) continue;
    const statement = index.get(`${change.statement.document}#${change.statement.statementIndex}`);
    if (statement?.effect !== "Allow") continue;
    const ref = statement.ref;
    if (statement.notAction) {
      add(
        {
          id: "allow-not-action",
          severity: "high",
          title: "Allow with NotAction",
          description: "Allows every action except those listed, including actions AWS adds later.",
          statement: ref,
          source: STRUCTURE_SOURCES.notAction,
        },
        change.actions,
      );
    }
    if (statement.notResource) {
      add(
        {
          id: "allow-not-resource",
          severity: "high",
          title: "Allow with NotResource",
          description:
            "Allows every resource except those listed, including resources created later.",
          statement: ref,
          source: STRUCTURE_SOURCES.notResource,
        },
        change.actions,
      );
    }
    const actions = statement.action ?? [];
    if (actions.some(isWildcardAll)) {
      add(
        {
          id: "all-actions-wildcard",
          severity: "critical",
          title: "Every action of every service",
          description: "Action `*` grants administrator-level access on the resources it names.",
          statement: ref,
          source: STRUCTURE_SOURCES.leastPrivilege,
        },
        change.actions,
      );
    } else if (actions.some((a) => /^[^:*?]+:\*$/.test(a))) {
      add(
        {
          id: "service-wildcard",
          severity: "high",
          title: "Every action of a service",
          description:
            "`service:*` grants every current and future action of the service, permissions management included.",
          statement: ref,
          source: STRUCTURE_SOURCES.leastPrivilege,
        },
        change.actions,
      );
    }
    if (statement.resource?.includes("*") && change.resource === "*") {
      const permissions: string[] = [];
      const writes: string[] = [];
      for (const action of change.actions) {
        const info = await actionInfo(action);
        // Actions without resource-level permissions can only be granted on "*".
        if (!info || info.resourceTypes.length === 0) continue;
        if (info.accessLevel.includes("Permissions management")) permissions.push(info.name);
        else if (info.accessLevel.includes("Write")) writes.push(info.name);
      }
      if (permissions.length > 0) {
        add(
          {
            id: "permissions-management-on-any-resource",
            severity: "high",
            title: "Permissions management on every resource",
            description:
              "Permissions-management actions on `*` can change who may do what across the account.",
            statement: ref,
            source: STRUCTURE_SOURCES.accessLevels,
          },
          permissions,
        );
      }
      if (writes.length > 0) {
        add(
          {
            id: "write-on-any-resource",
            severity: "medium",
            title: "Write access on every resource",
            description:
              "Write actions that support resource-level permissions are granted on `*` instead of named resources.",
            statement: ref,
            source: STRUCTURE_SOURCES.accessLevels,
          },
          writes,
        );
      }
    }
  }
  for (const risk of structural.values()) {
    risk.actions.sort();
    risks.push(risk);
  }
  return risks.sort(bySeverity);
}
