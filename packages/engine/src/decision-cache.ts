/** Default memory budget of a {@link DecisionCache}: keys and values, approximately. */
export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;

/** Nodes of a value the size estimate visits before it stops counting (and charges the rest). */
const MAX_VISITED = 10_000;
const MAX_DEPTH = 16;

/**
 * An approximate size in bytes: two bytes per string character (the worst case for V8 strings),
 * eight per number or boolean or member slot, a small header per object. Decisions echo their
 * requests' resources, so a value can be as large as its key; counting it keeps the budget honest.
 * @internal
 */
export function approximateBytes(value: unknown): number {
  let visited = 0;
  const size = (v: unknown, depth: number): number => {
    if (++visited > MAX_VISITED || depth > MAX_DEPTH) return 64;
    switch (typeof v) {
      case "string":
        return 16 + 2 * v.length;
      case "object": {
        if (v === null) return 8;
        let total = 32;
        if (Array.isArray(v)) {
          for (const item of v) total += 8 + size(item, depth + 1);
          return total;
        }
        for (const key of Object.keys(v)) {
          total += 8 + size((v as Record<string, unknown>)[key], depth + 1);
        }
        return total;
      }
      default:
        return 8;
    }
  };
  return size(value, 0);
}

/**
 * A bounded least-recently-used map from serialized inputs to decisions, bounded both in entries
 * and in approximate bytes (key and value), so a few huge inputs cannot grow memory where many
 * small ones would not. `Map` keeps insertion order, so re-inserting on a hit and evicting the
 * first key is enough. An entry larger than the whole budget is not kept.
 * @internal
 */
export class DecisionCache<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #sizeOf: (value: V) => number;
  #bytes = 0;
  #newest: string | undefined;

  /**
   * @param maxEntries - most entries kept
   * @param maxBytes - most approximate bytes kept, keys and values together
   * @param sizeOf - the approximate size of a value; {@link approximateBytes} by default
   */
  constructor(
    maxEntries: number,
    maxBytes: number = DEFAULT_CACHE_BYTES,
    sizeOf: (value: V) => number = approximateBytes,
  ) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#sizeOf = sizeOf;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    // Already the most recent (the common case when one key serves a run of requests).
    if (key === this.#newest) return entry.value;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#newest = key;
    return entry.value;
  }

  set(key: string, value: V): void {
    this.#delete(key);
    const bytes = 2 * key.length + this.#sizeOf(value);
    if (bytes > this.#maxBytes) return;
    while (
      this.#entries.size > 0 &&
      (this.#entries.size >= this.#maxEntries || this.#bytes + bytes > this.#maxBytes)
    ) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#delete(oldest.value);
    }
    this.#entries.set(key, { value, bytes });
    this.#newest = key;
    this.#bytes += bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The approximate bytes held, keys and values together. */
  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#newest = undefined;
    this.#bytes = 0;
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    if (key === this.#newest) this.#newest = undefined;
    this.#bytes -= entry.bytes;
  }
}
