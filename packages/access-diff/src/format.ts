import type { AccessChange, Finding, RequestSample, StatementRef } from "./types.js";

/** `orders.json statement 2 (Put)`. @internal */
export function describeStatement(ref: StatementRef | undefined): string {
  if (!ref) return "a custom rule";
  return `${ref.document} statement ${ref.statementIndex}${ref.sid ? ` (${ref.sid})` : ""}`;
}

/** `policies/orders/orders.json:12`. @internal */
export function location(file: string | undefined, line: number | undefined): string {
  if (!file) return "";
  return line ? `${file}:${line}` : file;
}

/** When a change applies: always, or only with certain condition keys. @internal */
export function describeConditions(change: AccessChange): string {
  if (change.unconditional) return "always";
  return `only with ${change.conditionKeys.join(", ")}`;
}

/** A request on one line: `s3:GetObject on arn:… with {"aws:SourceIp":"10.0.0.0"}`. @internal */
export function describeRequest(request: RequestSample): string {
  const context =
    request.context && Object.keys(request.context).length > 0
      ? ` with ${JSON.stringify(request.context)}`
      : "";
  return `${request.action} on ${request.resource}${context}`;
}

/** Counts with a plural. @internal */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** The first findings to show, errors first. @internal */
export function sortFindings(findings: ReadonlyArray<Finding>): Finding[] {
  const order = { error: 0, warning: 1, notice: 2 };
  return [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
}

/** Short commit names for display. @internal */
export function shortRef(ref: string): string {
  return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 7) : ref;
}
