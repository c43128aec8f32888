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

/** Default byte budget of one caller's memo (keys and entries, approximately). */
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Recent decisions by call key, valid for the second they were made in. Mapping and
 * evaluation are pure functions of the call, the caller, the input and the time (to the second),
 * so a repeated call in the same second gets the same answer without redoing either.
 * Bounded in entries and in approximate bytes: the oldest entry leaves first.
 * @internal
 */
export class DecisionMemo {
  readonly #entries = new Map<string, { entry: MemoEntry; bytes: number }>();
  readonly #max: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(max = 1000, maxBytes = DEFAULT_MAX_BYTES) {
    this.#max = max;
    this.#maxBytes = maxBytes;
  }

  get(key: string, second: number): MemoEntry | undefined {
    const found = this.#entries.get(key);
    if (found === undefined) return undefined;
    if (found.entry.second !== second) {
      this.#delete(key);
      return undefined;
    }
    return found.entry;
  }

  /**
   * Remembers an entry. `entryBytes` is the approximate size of the entry itself (its mapped
   * requests and decision); the key is counted on top.
   */
  set(key: string, entry: MemoEntry, entryBytes = 1024): void {
    this.#delete(key);
    const bytes = 2 * key.length + entryBytes;
    if (bytes > this.#maxBytes) return;
    while (
      this.#entries.size > 0 &&
      (this.#entries.size >= this.#max || this.#bytes + bytes > this.#maxBytes)
    ) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#delete(oldest.value);
    }
    this.#entries.set(key, { entry, bytes });
    this.#bytes += bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  #delete(key: string): void {
    const found = this.#entries.get(key);
    if (found === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= found.bytes;
  }
}
