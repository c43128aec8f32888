import type {
  AuthorizationRequest,
  EvaluationInput,
  Policy,
  RequestDecision,
} from "@keycard/engine";
import { implicitDenyReason } from "./equivalence.js";
import type { CorpusSource, RequestSample } from "./types.js";

/** Inputs of one origin, evaluated as they are. @internal */
export interface CorpusPart {
  source: CorpusSource;
  inputs: ReadonlyArray<EvaluationInput>;
  /**
   * Requests with the same class are decided alike by both versions (see `resourceClasses`):
   * only the first of each class is evaluated, the others take its decisions.
   */
  classOf?: (request: AuthorizationRequest) => string | undefined;
  /** Requests both versions are proven to decide alike; they are never evaluated. */
  unaffected?: (request: AuthorizationRequest) => boolean;
  /** Requests a version is proven to deny (no statement can apply); not sent to the engine. */
  baseDenies?: (request: AuthorizationRequest) => boolean;
  headDenies?: (request: AuthorizationRequest) => boolean;
}

/** A request whose decision differs between the two versions. @internal */
export interface ChangedRequest {
  request: RequestSample;
  source: CorpusSource;
  base: RequestDecision;
  head: RequestDecision;
}

/** Requests per engine call: large enough to amortise a call, small enough to stay in cache. @internal */
export const DEFAULT_BATCH_SIZE = 64;

function absent(request: AuthorizationRequest, reason: string): RequestDecision {
  return { action: request.action, resource: request.resource, allow: false, reason, matched: [] };
}

function decide(
  policy: Policy | undefined,
  input: EvaluationInput,
  missing: string,
): RequestDecision[] {
  if (!policy) return input.requests.map((r) => absent(r, missing));
  return policy.evaluate(input).requests;
}

/**
 * Decides a batch, sending to the engine only the requests `proven` cannot settle: those
 * are denied with the reason the engine gives when no statement applies.
 */
function decideUnlessProven(
  policy: Policy | undefined,
  batch: EvaluationInput,
  missing: string,
  proven: ((request: AuthorizationRequest) => boolean) | undefined,
): { decisions: RequestDecision[]; evaluated: number } {
  if (!policy) return { decisions: decide(undefined, batch, missing), evaluated: 0 };
  if (!proven)
    return { decisions: decide(policy, batch, missing), evaluated: batch.requests.length };
  const decisions: Array<RequestDecision | undefined> = batch.requests.map((r) =>
    proven(r) ? absent(r, implicitDenyReason(r)) : undefined,
  );
  const rest = batch.requests.filter((_, k) => decisions[k] === undefined);
  if (rest.length > 0) {
    const decided = decide(policy, { ...batch, requests: rest }, missing);
    let next = 0;
    for (const [k, d] of decisions.entries()) if (d === undefined) decisions[k] = decided[next++];
  }
  return { decisions: decisions as RequestDecision[], evaluated: rest.length };
}

/** A representative's decision, restated for another member of its class. */
function retarget(
  decision: RequestDecision,
  from: AuthorizationRequest,
  to: AuthorizationRequest,
): RequestDecision {
  return {
    ...decision,
    action: to.action,
    resource: to.resource,
    reason: decision.reason.split(from.resource).join(to.resource),
  };
}

/**
 * Evaluates every input on both versions and keeps the requests whose decisions differ.
 * A missing version (the set is new, deleted, or did not load) denies everything.
 * @internal
 */
export function diffDecisions(
  base: Policy | undefined,
  head: Policy | undefined,
  parts: ReadonlyArray<CorpusPart>,
  options: { batchSize?: number; baseMissing: string; headMissing: string },
): { changed: ChangedRequest[]; evaluations: number; unaffected: number } {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const changed: ChangedRequest[] = [];
  let evaluations = 0;
  let unaffected = 0;
  for (const part of parts) {
    for (const input of part.inputs) {
      // Representatives are evaluated; members of their class follow their decisions.
      const representatives: AuthorizationRequest[] = [];
      const members = new Map<AuthorizationRequest, AuthorizationRequest[]>();
      const byClass = new Map<string, AuthorizationRequest>();
      for (const request of input.requests) {
        if (part.unaffected?.(request)) {
          unaffected += 1;
          continue;
        }
        const key = part.classOf?.(request);
        const representative = key === undefined ? undefined : byClass.get(key);
        if (representative) members.get(representative)?.push(request);
        else {
          if (key !== undefined) byClass.set(key, request);
          representatives.push(request);
          members.set(request, []);
        }
      }
      for (let start = 0; start < representatives.length; start += batchSize) {
        const requests = representatives.slice(start, start + batchSize);
        const batch: EvaluationInput = { ...input, requests };
        const before = decideUnlessProven(base, batch, options.baseMissing, part.baseDenies);
        const after = decideUnlessProven(head, batch, options.headMissing, part.headDenies);
        evaluations += before.evaluated + after.evaluated;
        for (const [k, request] of requests.entries()) {
          const b = before.decisions[k];
          const h = after.decisions[k];
          if (!b || !h || b.allow === h.allow) continue;
          for (const member of [request, ...(members.get(request) ?? [])]) {
            changed.push({
              request: {
                action: member.action,
                resource: member.resource,
                ...(member.context ? { context: { ...member.context } } : {}),
                ...(input.principal ? { principal: input.principal } : {}),
                ...(input.region ? { region: input.region } : {}),
              },
              source: part.source,
              base: member === request ? b : retarget(b, request, member),
              head: member === request ? h : retarget(h, request, member),
            });
          }
        }
      }
    }
  }
  return { changed, evaluations, unaffected };
}
