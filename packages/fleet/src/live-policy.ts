import type {
  Decision,
  EvaluationInput,
  Policy,
  PolicyStats,
  PolicyWarning,
} from "@keycard/engine";

/**
 * The policy in force while no bundle has arrived, when the user asked to start without one:
 * every request is denied, with a reason that says why.
 * @internal
 */
export function denyingPolicy(reason: () => string): Policy {
  return {
    evaluate(input: EvaluationInput): Decision {
      const why = `no policy bundle is in force: ${reason()}`;
      try {
        const requests = Array.isArray(input?.requests) ? input.requests : [];
        return {
          allow: false,
          requests: requests.map((r) => ({
            action: String(r?.action),
            resource: String(r?.resource),
            allow: false,
            reason: why,
            matched: [],
          })),
        };
      } catch {
        return { allow: false, requests: [] };
      }
    },
    warnings: [] as ReadonlyArray<PolicyWarning>,
    documents: [],
    statementCount: 0,
    source: "bundle",
    // Nothing is cached or allocated while everything is denied.
    stats: () => ({ cacheEntries: 0, wasmMemoryBytes: 0 }) as PolicyStats,
  };
}
