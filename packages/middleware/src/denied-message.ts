import type { DecisionRequest, KeycardDecision } from "./decision.js";

/** How many denied requests a message lists before it summarizes the rest. */
const LISTED = 10;

/** A minimal IAM statement, as printed in a denial message. */
interface NeededStatement {
  Effect: "Allow";
  Action: string;
  Resource: string | string[];
}

/**
 * An Allow cannot override an explicit Deny or a custom rule's deny, so no statement is
 * suggested for those. Policies that predate `explicitDeny` say so only in their reason.
 */
function allowWouldFix(request: DecisionRequest): boolean {
  if (request.explicitDeny !== undefined) return !request.explicitDeny;
  return !/^(explicitly denied|denied by custom rule)/.test(request.reason);
}

/**
 * The smallest statements that would allow the denied requests: one per action, listing exactly
 * the resources it was denied on (never a cross product of actions and resources).
 * @internal
 */
export function neededStatements(decision: KeycardDecision): NeededStatement[] {
  const byAction = new Map<string, string[]>();
  for (const request of decision.requests) {
    if (request.allow || !allowWouldFix(request)) continue;
    const resources = byAction.get(request.action);
    if (!resources) byAction.set(request.action, [request.resource]);
    else if (!resources.includes(request.resource)) resources.push(request.resource);
  }
  return [...byAction].map(([Action, resources]) => ({
    Effect: "Allow",
    Action,
    Resource: resources.length === 1 ? resources[0]! : resources,
  }));
}

function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * The message of a {@link KeycardDeniedError}: the call, each denied action and resource with
 * the policy's reason, and the statement that would allow it.
 * @internal
 */
export function deniedMessage(decision: KeycardDecision): string {
  const call = `${decision.service} ${decision.operation}`;
  const denied = decision.requests.filter((r) => !r.allow);
  if (denied.length === 0) {
    return `keycard denied ${call}: ${decision.reason ?? "the call could not be authorized"}`;
  }
  const lines = denied
    .slice(0, LISTED)
    .map((r) => `  - ${r.action} on ${clip(r.resource)}: ${clip(r.reason)}`);
  if (denied.length > LISTED) lines.push(`  - … and ${denied.length - LISTED} more`);
  let message = `keycard denied ${call}:\n${lines.join("\n")}`;
  if (decision.reason) message += `\n${decision.reason}`;
  const statements = neededStatements(decision);
  if (statements.length > 0) {
    const json = JSON.stringify(statements.length === 1 ? statements[0] : statements);
    message += `\nA statement that would allow it:\n${clip(json, 4000)}`;
  }
  if (denied.some((r) => !allowWouldFix(r))) {
    message += "\nAn Allow statement cannot override an explicit Deny or a custom rule's deny.";
  }
  return message;
}
