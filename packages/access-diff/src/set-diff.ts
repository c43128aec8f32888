import type { PolicySetDiff } from "./types.js";

/**
 * A set's diff with nothing found yet: the start of every diff, and what the gate reports
 * (with one finding) for a set it could not check.
 * @internal
 */
export function emptySetDiff(name: string, status: PolicySetDiff["status"]): PolicySetDiff {
  return {
    name,
    status,
    findings: [],
    tests: undefined,
    newAccess: [],
    removedAccess: [],
    risks: [],
    corpus: {
      generated: 0,
      tests: 0,
      recorded: 0,
      evaluations: 0,
      pruned: 0,
      generationMs: 0,
      evaluationMs: 0,
    },
    notes: [],
  };
}
