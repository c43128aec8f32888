import type { AuthorizationResult } from "@keycard/iam-map";
import type { KeycardDecision } from "./decision.js";

/** What a repeated call can reuse: its mapping and the policy's verdict. @internal */
export interface MemoEntry {
  /** Epoch second the entry was made in: `aws:CurrentTime` has one-second resolution. */
  second: number;
  mapped: AuthorizationResult;
  /** The decision made then; copied, with a new id, for each call that reuses it. */
  decision: KeycardDecision;
}

/**
 * Recent decisions by call key, valid for the second they were made in. Mapping and
 * evaluation are pure functions of the call, the caller, the input and the time (to the second),
 * so a repeated call in the same second gets the same answer without redoing either.
 * Bounded: the oldest entry leaves first.
 * @internal
 */
export class DecisionMemo {
  readonly #entries = new Map<string, MemoEntry>();
  readonly #max: number;

  constructor(max = 1000) {
    this.#max = max;
  }

  get(key: string, second: number): MemoEntry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.second !== second) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, entry: MemoEntry): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, entry);
  }

  get size(): number {
    return this.#entries.size;
  }
}
