import type {
  AuthorizationRequest,
  EvaluationInput,
  Policy,
  RequestDecision,
} from "@keycard/engine";
import type { CorpusSource, RequestSample } from "./types.js";

/** Inputs of one origin, evaluated as they are. @internal */
export interface CorpusPart {
  source: CorpusSource;
  inputs: ReadonlyArray<EvaluationInput>;
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
 * Evaluates every input on both versions and keeps the requests whose decisions differ.
 * A missing version (the set is new, deleted, or did not load) denies everything.
 * @internal
 */
export function diffDecisions(
  base: Policy | undefined,
  head: Policy | undefined,
  parts: ReadonlyArray<CorpusPart>,
  options: { batchSize?: number; baseMissing: string; headMissing: string },
): { changed: ChangedRequest[]; evaluations: number } {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const changed: ChangedRequest[] = [];
  let evaluations = 0;
  for (const part of parts) {
    for (const input of part.inputs) {
      for (let start = 0; start < input.requests.length; start += batchSize) {
        const requests = input.requests.slice(start, start + batchSize);
        const batch: EvaluationInput = { ...input, requests };
        const before = decide(base, batch, options.baseMissing);
        const after = decide(head, batch, options.headMissing);
        evaluations += (base ? requests.length : 0) + (head ? requests.length : 0);
        for (const [k, request] of requests.entries()) {
          const b = before[k];
          const h = after[k];
          if (!b || !h || b.allow === h.allow) continue;
          changed.push({
            request: {
              action: request.action,
              resource: request.resource,
              ...(request.context ? { context: { ...request.context } } : {}),
              ...(input.principal ? { principal: input.principal } : {}),
              ...(input.region ? { region: input.region } : {}),
            },
            source: part.source,
            base: b,
            head: h,
          });
        }
      }
    }
  }
  return { changed, evaluations };
}
