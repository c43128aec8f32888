import type { AuthorizationRequest } from "@keycard/iam-map";
import type { KeycardDecision } from "./decision.js";

/** What a repeated call can reuse: its mapping and the policy's verdict. @internal */
export interface MemoEntry {
  /** Epoch second the entry was made in: `aws:CurrentTime` has one-second resolution. */
  second: number;
  /** The IAM requests the call was mapped to (empty when it could not be mapped). */
  requests: ReadonlyArray<AuthorizationRequest>;
  /**
   * The decision made then; copied, with a new id, for each call that reuses it. Absent only
   * for an allowed call of a guard whose decisions nobody observes (no callback, no log): such a
   * call needs no decision object at all.
   */
  decision?: KeycardDecision;
}

/** Default byte budget of one caller's memo (keys and entries, approximately). */
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
/** Lookups of one kind of call that may miss in a row before the memo stops looking every time. */
const MISSES_BEFORE_SAMPLING = 32;
/** While a kind of call keeps missing, one call in this many is still looked up (and stored). */
const SAMPLE_EVERY = 32;
/** Kinds of call whose misses are counted; beyond that, new kinds are always looked up. */
const MAX_KINDS = 1000;

/** Consecutive misses of one kind of call, and how many more calls of it to leave out. */
interface Streak {
  misses: number;
  skip: number;
}

/**
 * Recent decisions by call kind (client, operation, region, transport) and input key, valid for
 * the second they were made in. Mapping and evaluation are pure functions of the call, the caller,
 * the input and the time (to the second), so a repeated call in the same second gets the same
 * answer without redoing either. Bounded in entries and in approximate bytes: the oldest entry
 * leaves first.
 *
 * Most real traffic never repeats an input (a new object key, a new item key on every call), and
 * then keying and storing every input is pure cost. So a kind of call whose lookups keep missing
 * is looked up only one call in {@link SAMPLE_EVERY}, until one of those hits again. A call that
 * is not looked up is mapped and evaluated afresh, which is always correct: this only decides how
 * often the memo is used, never what it answers.
 * @internal
 */
export class DecisionMemo {
  readonly #entries = new Map<string, { entry: MemoEntry; bytes: number }>();
  readonly #streaks = new Map<string, Streak>();
  readonly #max: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(max = 1000, maxBytes = DEFAULT_MAX_BYTES) {
    this.#max = max;
    this.#maxBytes = maxBytes;
  }

  /**
   * Whether this call of `kind` should be looked up (and its decision stored). False while the
   * kind keeps missing, except for one call in {@link SAMPLE_EVERY}.
   */
  wants(kind: string): boolean {
    const streak = this.#streaks.get(kind);
    if (streak === undefined || streak.misses < MISSES_BEFORE_SAMPLING) return true;
    if (streak.skip > 0) {
      streak.skip--;
      return false;
    }
    streak.skip = SAMPLE_EVERY - 1;
    return true;
  }

  /** The entry for `key` of `kind` made in `second`, if any; counts the hit or miss. */
  get(kind: string, key: string, second: number): MemoEntry | undefined {
    const full = kind + key;
    const found = this.#entries.get(full);
    if (found !== undefined && found.entry.second === second) {
      this.#streaks.delete(kind);
      return found.entry;
    }
    if (found !== undefined) this.#delete(full);
    this.#missed(kind);
    return undefined;
  }

  /**
   * Remembers an entry. `entryBytes` is the approximate size of the entry itself (its mapped
   * requests and decision); the key is counted on top.
   */
  set(kind: string, key: string, entry: MemoEntry, entryBytes = 1024): void {
    const full = kind + key;
    this.#delete(full);
    const bytes = 2 * full.length + entryBytes;
    if (bytes > this.#maxBytes) return;
    while (
      this.#entries.size > 0 &&
      (this.#entries.size >= this.#max || this.#bytes + bytes > this.#maxBytes)
    ) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#delete(oldest.value);
    }
    this.#entries.set(full, { entry, bytes });
    this.#bytes += bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  #missed(kind: string): void {
    let streak = this.#streaks.get(kind);
    if (streak === undefined) {
      if (this.#streaks.size >= MAX_KINDS) return;
      streak = { misses: 0, skip: 0 };
      this.#streaks.set(kind, streak);
    }
    streak.misses++;
  }

  #delete(key: string): void {
    const found = this.#entries.get(key);
    if (found === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= found.bytes;
  }
}
