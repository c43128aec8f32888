import type { ConditionFailure } from "@keycard/engine";
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
function overridable(request: DecisionRequest): boolean {
  if (request.explicitDeny !== undefined) return !request.explicitDeny;
  return !/^(explicitly denied|denied by custom rule)/.test(request.reason);
}

/**
 * Whether a plain Allow of the action on the resource is the fix. Not when a statement already
 * matched but failed a condition (a plain Allow would drop the condition and widen access), nor
 * when part of the request was unknown (the resource shown then has `*` for the unknown parts,
 * and allowing it would allow every value).
 */
function allowWouldFix(request: DecisionRequest): boolean {
  if ((request.conditionFailures?.length ?? 0) > 0) return false;
  if ((request.unknown?.length ?? 0) > 0) return false;
  return overridable(request);
}

function quoted(values: ReadonlyArray<unknown>): string {
  return values.map((v) => JSON.stringify(v)).join(" or ");
}

/** `orders.json statement 2 (ReadFromVpc) matched but its condition … had "vpc-222"`. */
function explainFailure(failure: ConditionFailure): string {
  const { statement } = failure;
  const name = `${statement.boundary ? "boundary " : ""}${statement.document} statement ${statement.statementIndex}${statement.sid ? ` (${statement.sid})` : ""}`;
  const had = failure.unknown
    ? "its value is unknown before the call"
    : failure.seen === undefined
      ? "the request did not carry it"
      : `the request had ${Array.isArray(failure.seen) ? `[${quoted(failure.seen)}]` : JSON.stringify(failure.seen)}`;
  return `${clip(name, 200)} matched but its condition ${clip(failure.key, 200)} (${failure.operator}) expected ${clip(quoted(failure.values), 300)} and ${clip(had, 300)}`;
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
  const lines: string[] = [];
  for (const r of denied.slice(0, LISTED)) {
    lines.push(`  - ${r.action} on ${clip(r.resource)}: ${clip(r.reason)}`);
    for (const failure of (r.conditionFailures ?? []).slice(0, LISTED))
      lines.push(`    ${explainFailure(failure)}`);
    const unknown = r.unknown ?? [];
    if (unknown.length > 0) lines.push(`    unknown before the call: ${clip(unknown.join(", "))}`);
  }
  if (denied.length > LISTED) lines.push(`  - … and ${denied.length - LISTED} more`);
  let message = `keycard denied ${call}:\n${lines.join("\n")}`;
  if (decision.reason) message += `\n${decision.reason}`;
  const statements = neededStatements(decision);
  if (statements.length > 0) {
    const json = JSON.stringify(statements.length === 1 ? statements[0] : statements);
    message += `\nA statement that would allow it:\n${clip(json, 4000)}`;
  }
  if (denied.some((r) => !overridable(r))) {
    message += "\nAn Allow statement cannot override an explicit Deny or a custom rule's deny.";
  }
  if (denied.some((r) => overridable(r) && (r.conditionFailures?.length ?? 0) > 0)) {
    message +=
      "\nTo allow it, make the request satisfy the condition; dropping or widening the condition would allow more than the policy means to.";
  }
  if (denied.some((r) => overridable(r) && (r.unknown?.length ?? 0) > 0)) {
    message +=
      "\nkeycard refuses what it cannot know before the call; an Allow must cover every value the unknown part may take.";
  }
  return message;
}
