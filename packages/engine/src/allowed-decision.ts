/**
 * Decisions of allowed requests, built from what the built-in library returns for them.
 *
 * For an allowed request the library (`request_decision` in `policies/keycard/authz`) returns
 * only `{ allow: true, m: [positions] }`: the positions in the compiled statements of those that
 * matched, identity ones first, as `evaluate` would list them. Everything else an allow says
 * follows from those: the matched statements are their `ref`s, the reason is `allowed by `
 * and the labels of the identity ones, and nothing was unknown, failed or denied
 * (`outcome` in `policies/keycard/iam`). `src/differential.test.ts` compares the result with
 * the library's own full decision.
 */
import type { CompiledPolicyData } from "./compile.js";
import { changedPrototype } from "./prototype-check.js";
import type { MatchedStatement, RequestDecision } from "./types.js";

const EMPTY: readonly never[] = Object.freeze([]);

/** Matched statements and reasons kept by their positions' text; more are rebuilt. */
const MAX_KEPT = 1024;

/** The parts of an allowed decision that depend only on which statements matched. */
interface AllowParts {
  matched: readonly MatchedStatement[];
  reason: string;
}

/** Builds allowed decisions for one loaded policy. @internal */
export class AllowedDecisions {
  readonly #data: CompiledPolicyData;
  /**
   * Matched statements by position: a record without a prototype, kept for the policy's life. An
   * array filled here would hand itself to a setter put on `Array.prototype`, and a hole in one
   * would be read from there.
   */
  readonly #refs: Record<number, MatchedStatement> = Object.create(null);
  readonly #kept = new Map<string, AllowParts>();

  constructor(data: CompiledPolicyData) {
    this.#data = data;
  }

  /**
   * The decision for a request the library allowed, given the positions it returned; or
   * undefined when they are not positions of Allow statements with an identity one among them.
   */
  decision(positions: unknown, action: string, resource: string): RequestDecision | undefined {
    if (!Array.isArray(positions) || positions.length === 0) return undefined;
    const key = positions.join(",");
    let parts = this.#kept.get(key);
    if (parts === undefined) {
      // Decided before the lists are filled: filling them hands them to a setter on
      // `Array.prototype`, which could change them for every later decision.
      const keep = changedPrototype() === undefined;
      parts = this.#parts(positions);
      if (parts === undefined) return undefined;
      if (keep) {
        if (this.#kept.size >= MAX_KEPT) this.#kept.clear();
        this.#kept.set(key, parts);
      }
    }
    return Object.freeze({
      action,
      allow: true,
      conditionFailures: EMPTY,
      customAllows: EMPTY,
      customDenies: EMPTY,
      explicitDeny: false,
      matched: parts.matched,
      reason: parts.reason,
      resource,
      unknown: EMPTY,
    }) as unknown as RequestDecision;
  }

  #parts(positions: unknown[]): AllowParts | undefined {
    const matched: MatchedStatement[] = [];
    const labels: string[] = [];
    for (const position of positions) {
      if (typeof position !== "number") return undefined;
      const statement = this.#data.statements[position];
      if (statement === undefined || statement.effect !== "Allow") return undefined;
      let ref = this.#refs[position];
      if (ref === undefined) {
        // As the library writes it: members that are undefined are left out.
        ref = Object.freeze(JSON.parse(JSON.stringify(statement.ref)) as MatchedStatement);
        this.#refs[position] = ref;
      }
      matched.push(ref);
      if (ref.boundary !== true) labels.push(statement.label);
    }
    if (labels.length === 0) return undefined;
    return { matched: Object.freeze(matched), reason: `allowed by ${labels.join(", ")}` };
  }
}
