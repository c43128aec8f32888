/**
 * Case folding of condition-key names, identical to the Rego library's.
 *
 * IAM compares condition keys case-insensitively, and tag keys inside them may be any Unicode.
 * The loader folds a policy's keys once; the library folds a request's keys with OPA's
 * `lower()`, which in WebAssembly maps each code point on its own through a fixed table
 * (simple case mapping: `İ` becomes `i`, every `Σ` becomes `σ`). JavaScript's `toLowerCase`
 * applies full Unicode casing instead (`İ` becomes `i` and a combining dot, a final `Σ` becomes
 * `ς`) and follows the Unicode version of the running Node. Had the two disagreed, a Deny on such
 * a key would never meet the request's key, and a request could slip a key past the checks
 * that read it (IP values, keys given twice). So every comparison of key names folds with
 * {@link foldKey}, which is that table: `key-case.test.ts` runs every code point through the
 * library's `lower()` and compares.
 *
 * A few letters lower-case differently from one Unicode version to the next (those encoded,
 * or given a case partner, since the table's version): OPA's Go evaluator, a bundle compiled by
 * another OPA and JavaScript may fold them otherwise. A policy key holding one is refused at
 * load ({@link unsettledKey}). Request keys need no such check: nothing settled folds to an
 * unsettled letter nor an unsettled one to a settled one, so a request key holding one never
 * meets an accepted policy key, whichever of them folds it.
 *
 * Lower-casing is not case folding either: `ς` stays `ς` while its upper case `Σ` lowers to `σ`,
 * and `ß` stays `ß` while `SS` lowers to `ss`. IAM compares key names case-insensitively but does
 * not document whether it takes such letters for one another, so a policy key holding a letter
 * that folds otherwise once its case is changed (upper or lower, full mappings) is refused too:
 * then no two accepted keys that differ only by case fold apart, and no policy's meaning hinges
 * on the undocumented part.
 */

/**
 * OPA's lower-case table as `first, last, delta` triples: each code point from `first` to
 * `last` maps to itself plus `delta`; a delta of 0 means every other one, from `first`, maps
 * to the next code point (upper- and lower-case letters alternating).
 */
// biome-ignore format: a table, kept compact
const LOWER: readonly number[] = [
  0x41, 0x5a, 32, 0xc0, 0xd6, 32, 0xd8, 0xde, 32, 0x100, 0x12e, 0,
  0x130, 0x130, -199, 0x132, 0x136, 0, 0x139, 0x147, 0, 0x14a, 0x176, 0,
  0x178, 0x178, -121, 0x179, 0x17d, 0, 0x181, 0x181, 210, 0x182, 0x184, 0,
  0x186, 0x186, 206, 0x187, 0x187, 1, 0x189, 0x18a, 205, 0x18b, 0x18b, 1,
  0x18e, 0x18e, 79, 0x18f, 0x18f, 202, 0x190, 0x190, 203, 0x191, 0x191, 1,
  0x193, 0x193, 205, 0x194, 0x194, 207, 0x196, 0x196, 211, 0x197, 0x197, 209,
  0x198, 0x198, 1, 0x19c, 0x19c, 211, 0x19d, 0x19d, 213, 0x19f, 0x19f, 214,
  0x1a0, 0x1a4, 0, 0x1a6, 0x1a6, 218, 0x1a7, 0x1a7, 1, 0x1a9, 0x1a9, 218,
  0x1ac, 0x1ac, 1, 0x1ae, 0x1ae, 218, 0x1af, 0x1af, 1, 0x1b1, 0x1b2, 217,
  0x1b3, 0x1b5, 0, 0x1b7, 0x1b7, 219, 0x1b8, 0x1b8, 1, 0x1bc, 0x1bc, 1,
  0x1c4, 0x1c4, 2, 0x1c5, 0x1c5, 1, 0x1c7, 0x1c7, 2, 0x1c8, 0x1c8, 1,
  0x1ca, 0x1ca, 2, 0x1cb, 0x1db, 0, 0x1de, 0x1ee, 0, 0x1f1, 0x1f1, 2,
  0x1f2, 0x1f4, 0, 0x1f6, 0x1f6, -97, 0x1f7, 0x1f7, -56, 0x1f8, 0x21e, 0,
  0x220, 0x220, -130, 0x222, 0x232, 0, 0x23a, 0x23a, 10795, 0x23b, 0x23b, 1,
  0x23d, 0x23d, -163, 0x23e, 0x23e, 10792, 0x241, 0x241, 1, 0x243, 0x243, -195,
  0x244, 0x244, 69, 0x245, 0x245, 71, 0x246, 0x24e, 0, 0x370, 0x372, 0,
  0x376, 0x376, 1, 0x37f, 0x37f, 116, 0x386, 0x386, 38, 0x388, 0x38a, 37,
  0x38c, 0x38c, 64, 0x38e, 0x38f, 63, 0x391, 0x3a1, 32, 0x3a3, 0x3ab, 32,
  0x3cf, 0x3cf, 8, 0x3d8, 0x3ee, 0, 0x3f4, 0x3f4, -60, 0x3f7, 0x3f7, 1,
  0x3f9, 0x3f9, -7, 0x3fa, 0x3fa, 1, 0x3fd, 0x3ff, -130, 0x400, 0x40f, 80,
  0x410, 0x42f, 32, 0x460, 0x480, 0, 0x48a, 0x4be, 0, 0x4c0, 0x4c0, 15,
  0x4c1, 0x4cd, 0, 0x4d0, 0x52e, 0, 0x531, 0x556, 48, 0x10a0, 0x10c5, 7264,
  0x10c7, 0x10c7, 7264, 0x10cd, 0x10cd, 7264, 0x13a0, 0x13ef, 38864, 0x13f0, 0x13f5, 8,
  0x1c90, 0x1cba, -3008, 0x1cbd, 0x1cbf, -3008, 0x1e00, 0x1e94, 0, 0x1e9e, 0x1e9e, -7615,
  0x1ea0, 0x1efe, 0, 0x1f08, 0x1f0f, -8, 0x1f18, 0x1f1d, -8, 0x1f28, 0x1f2f, -8,
  0x1f38, 0x1f3f, -8, 0x1f48, 0x1f4d, -8, 0x1f59, 0x1f59, -8, 0x1f5b, 0x1f5b, -8,
  0x1f5d, 0x1f5d, -8, 0x1f5f, 0x1f5f, -8, 0x1f68, 0x1f6f, -8, 0x1f88, 0x1f8f, -8,
  0x1f98, 0x1f9f, -8, 0x1fa8, 0x1faf, -8, 0x1fb8, 0x1fb9, -8, 0x1fba, 0x1fbb, -74,
  0x1fbc, 0x1fbc, -9, 0x1fc8, 0x1fcb, -86, 0x1fcc, 0x1fcc, -9, 0x1fd8, 0x1fd9, -8,
  0x1fda, 0x1fdb, -100, 0x1fe8, 0x1fe9, -8, 0x1fea, 0x1feb, -112, 0x1fec, 0x1fec, -7,
  0x1ff8, 0x1ff9, -128, 0x1ffa, 0x1ffb, -126, 0x1ffc, 0x1ffc, -9, 0x2126, 0x2126, -7517,
  0x212a, 0x212a, -8383, 0x212b, 0x212b, -8262, 0x2132, 0x2132, 28, 0x2160, 0x216f, 16,
  0x2183, 0x2183, 1, 0x24b6, 0x24cf, 26, 0x2c00, 0x2c2e, 48, 0x2c60, 0x2c60, 1,
  0x2c62, 0x2c62, -10743, 0x2c63, 0x2c63, -3814, 0x2c64, 0x2c64, -10727, 0x2c67, 0x2c6b, 0,
  0x2c6d, 0x2c6d, -10780, 0x2c6e, 0x2c6e, -10749, 0x2c6f, 0x2c6f, -10783, 0x2c70, 0x2c70, -10782,
  0x2c72, 0x2c72, 1, 0x2c75, 0x2c75, 1, 0x2c7e, 0x2c7f, -10815, 0x2c80, 0x2ce2, 0,
  0x2ceb, 0x2ced, 0, 0x2cf2, 0x2cf2, 1, 0xa640, 0xa66c, 0, 0xa680, 0xa69a, 0,
  0xa722, 0xa72e, 0, 0xa732, 0xa76e, 0, 0xa779, 0xa77b, 0, 0xa77d, 0xa77d, -35332,
  0xa77e, 0xa786, 0, 0xa78b, 0xa78b, 1, 0xa78d, 0xa78d, -42280, 0xa790, 0xa792, 0,
  0xa796, 0xa7a8, 0, 0xa7aa, 0xa7aa, -42308, 0xa7ab, 0xa7ab, -42319, 0xa7ac, 0xa7ac, -42315,
  0xa7ad, 0xa7ad, -42305, 0xa7ae, 0xa7ae, -42308, 0xa7b0, 0xa7b0, -42258, 0xa7b1, 0xa7b1, -42282,
  0xa7b2, 0xa7b2, -42261, 0xa7b3, 0xa7b3, 928, 0xa7b4, 0xa7be, 0, 0xa7c2, 0xa7c2, 1,
  0xa7c4, 0xa7c4, -48, 0xa7c5, 0xa7c5, -42307, 0xa7c6, 0xa7c6, -35384, 0xff21, 0xff3a, 32,
  0x10400, 0x10427, 40, 0x104b0, 0x104d3, 40, 0x10c80, 0x10cb2, 64, 0x118a0, 0x118bf, 32,
  0x16e40, 0x16e5f, 32, 0x1e900, 0x1e921, 34,
];

/**
 * Code points whose lower-case form is not the same in OPA's WebAssembly table, OPA's Go
 * evaluator and current Unicode, with every form they take: `first, last` pairs.
 */
// biome-ignore format: a table, kept compact
const UNSETTLED: readonly number[] = [
  0x19b, 0x19b, 0x264, 0x264, 0x1c89, 0x1c8a, 0x2c2f, 0x2c2f,
  0x2c5f, 0x2c5f, 0xa7c0, 0xa7c1, 0xa7c7, 0xa7dc, 0xa7f5, 0xa7f6,
  0x10570, 0x1057a, 0x1057c, 0x1058a, 0x1058c, 0x10592, 0x10594, 0x10595,
  0x10597, 0x105a1, 0x105a3, 0x105b1, 0x105b3, 0x105b9, 0x105bb, 0x105bc,
  0x10d50, 0x10d65, 0x10d70, 0x10d85, 0x16ea0, 0x16eb8, 0x16ebb, 0x16ed3,
];

/**
 * Code points, outside {@link UNSETTLED}, whose case round trip does not fold back to their own
 * fold: `foldKey(c)` differs from `foldKey(foldKey(c).toUpperCase())`, `foldKey(c.toUpperCase())`
 * or `foldKey(c.toLowerCase())` (`µ`, `ß`, `İ`, `ı`, `ŉ`, `ſ`, `ΐ`, `ς`, `ϐ`, `ẞ`, the
 * iota-subscript Greek letters, `ﬀ`–`ﬆ`, …): `first, last` pairs, found over every code point.
 */
// biome-ignore format: a table, kept compact
const ROUND_TRIP: readonly number[] = [
  0xb5, 0xb5, 0xdf, 0xdf, 0x130, 0x131, 0x149, 0x149, 0x17f, 0x17f, 0x1f0, 0x1f0, 0x345, 0x345,
  0x390, 0x390, 0x3b0, 0x3b0, 0x3c2, 0x3c2, 0x3d0, 0x3d1, 0x3d5, 0x3d6, 0x3f0, 0x3f1,
  0x3f5, 0x3f5, 0x587, 0x587, 0x1c80, 0x1c88, 0x1e96, 0x1e9b, 0x1e9e, 0x1e9e, 0x1f50, 0x1f50,
  0x1f52, 0x1f52, 0x1f54, 0x1f54, 0x1f56, 0x1f56, 0x1f80, 0x1faf, 0x1fb2, 0x1fb4, 0x1fb6, 0x1fb7,
  0x1fbc, 0x1fbc, 0x1fbe, 0x1fbe, 0x1fc2, 0x1fc4, 0x1fc6, 0x1fc7, 0x1fcc, 0x1fcc, 0x1fd2, 0x1fd3,
  0x1fd6, 0x1fd7, 0x1fe2, 0x1fe4, 0x1fe6, 0x1fe7, 0x1ff2, 0x1ff4, 0x1ff6, 0x1ff7, 0x1ffc, 0x1ffc,
  0xfb00, 0xfb06, 0xfb13, 0xfb17,
];

const NON_ASCII = /[\u0080-\uffff]/;

let table: Map<number, number> | undefined;

function lowerTable(): Map<number, number> {
  if (table === undefined) {
    table = new Map();
    for (let i = 0; i < LOWER.length; i += 3) {
      const first = LOWER[i] as number;
      const last = LOWER[i + 1] as number;
      const delta = LOWER[i + 2] as number;
      for (let c = first; c <= last; c += delta === 0 ? 2 : 1)
        table.set(c, delta === 0 ? c + 1 : c + delta);
    }
  }
  return table;
}

/**
 * A condition-key name folded for comparison, exactly as the Rego library's `lower()` folds
 * it: ASCII `A`–`Z` to `a`–`z`, any other code point through OPA's simple case mapping.
 * @internal
 */
export function foldKey(text: string): string {
  let out = foldedKeys.get(text);
  if (out !== undefined) return out;
  if (!NON_ASCII.test(text)) out = text.toLowerCase();
  else {
    const lower = lowerTable();
    out = "";
    for (const ch of text) {
      const folded = lower.get(ch.codePointAt(0) as number);
      out += folded === undefined ? ch : String.fromCodePoint(folded);
    }
  }
  // Every request names the same few keys; bounded, since keys can come from the caller.
  if (foldedKeys.size < MAX_FOLDED_KEYS && text.length <= MAX_FOLDED_KEY_LENGTH)
    foldedKeys.set(text, out);
  return out;
}

/**
 * Folded keys seen so far, to find a key given twice when case is ignored. A context holds a
 * dozen keys or so: comparing pairs costs less than a set until it holds
 * {@link SMALL_KEY_SET} of them.
 * @internal
 */
export class FoldedKeySet {
  #list: string[] = [];
  #set: Set<string> | undefined;

  /** Adds a folded key; false when it was there already. */
  add(folded: string): boolean {
    const set = this.#set;
    if (set !== undefined) {
      if (set.has(folded)) return false;
      set.add(folded);
      return true;
    }
    if (this.#list.includes(folded)) return false;
    this.#list.push(folded);
    if (this.#list.length >= SMALL_KEY_SET) this.#set = new Set(this.#list);
    return true;
  }
}

const SMALL_KEY_SET = 24;

/** Whether text is all ASCII. @internal */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Keys folded so far, each as given. */
const foldedKeys = new Map<string, string>();
const MAX_FOLDED_KEYS = 10_000;
const MAX_FOLDED_KEY_LENGTH = 256;

function inRanges(ranges: readonly number[], c: number): boolean {
  for (let i = 0; i < ranges.length; i += 2)
    if (c >= (ranges[i] as number) && c <= (ranges[i + 1] as number)) return true;
  return false;
}

/**
 * Whether a code point's lower-case form differs between OPA's WebAssembly table, OPA's Go
 * evaluator and current Unicode.
 * @internal
 */
export function versionUnsettled(c: number): boolean {
  return inRanges(UNSETTLED, c);
}

/** How the letter's case round trip folds otherwise, e.g. `ς → Σ → σ`. */
function roundTrip(ch: string): string {
  const folded = foldKey(ch);
  for (const changed of [folded.toUpperCase(), ch.toUpperCase(), ch.toLowerCase()]) {
    const back = foldKey(changed);
    if (back !== folded) return `${ch} \u2192 ${changed} \u2192 ${back}`;
  }
  return ch;
}

/**
 * Why a policy's condition-key name cannot be matched case-insensitively as IAM does, or
 * undefined when it can: an unpaired surrogate (no request can carry one), a letter whose
 * lower-case form is not settled across Unicode versions, or a letter that folds otherwise once
 * its case is changed.
 * @internal
 */
export function unsettledKey(text: string): string | undefined {
  if (!NON_ASCII.test(text)) return undefined;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    const name = `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
    if (c >= 0xd800 && c <= 0xdfff) return `it holds an unpaired surrogate (${name})`;
    if (versionUnsettled(c))
      return `it holds ${name} (${ch}), whose lower-case form differs between Unicode versions`;
    if (inRanges(ROUND_TRIP, c))
      return `it holds ${name} (${ch}), which folds otherwise once its case is changed (${roundTrip(ch)}), and whether IAM matches such spellings is not documented`;
  }
  return undefined;
}
