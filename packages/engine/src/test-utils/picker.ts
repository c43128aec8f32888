/** mulberry32: small, fast and good enough to spread test cases. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded choices for randomised tests, so that a failure reproduces from its seed. */
export class Picker {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = random(seed);
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  int(max: number): number {
    return Math.floor(this.#next() * max);
  }
  one<T>(items: ReadonlyArray<T>): T {
    return items[this.int(items.length)] as T;
  }
  some<T>(items: ReadonlyArray<T>, min = 1, max = 3): T[] {
    const n = min + this.int(max - min + 1);
    return Array.from({ length: n }, () => this.one(items));
  }
}
