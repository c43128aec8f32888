import { FleetError } from "./errors.js";

/**
 * OPA signs JSON files (`data.json`, `.manifest`) by digest of a canonical form, so that
 * whitespace and key order do not matter: objects with keys sorted by their UTF-8 bytes,
 * no spaces, strings as Go's encoder writes them without HTML escaping, and numbers exactly
 * as written in the file (OPA parses them as `json.Number`). `JSON.parse` would lose a
 * number's spelling (`1.0` becomes `1`), so this has its own small parser.
 * @internal
 */
export function canonicalJson(text: string): string {
  const parser = new Parser(text);
  parser.space();
  const value = parser.value(0);
  parser.space();
  if (parser.pos !== text.length) parser.fail("unexpected text after the JSON value");
  return value;
}

const MAX_DEPTH = 512;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings.
const CONTROL = /[\u0000-\u001f]/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings.
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new FleetError("InvalidBundle", `invalid JSON at offset ${this.pos}: ${message}`);
  }

  space(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return;
      this.pos++;
    }
  }

  value(depth: number): string {
    if (depth > MAX_DEPTH) this.fail("nested too deep");
    const c = this.text[this.pos];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return goString(this.string());
    for (const word of ["true", "false", "null"]) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return word;
      }
    }
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail("expected a value");
    this.pos += match[0].length;
    return match[0];
  }

  string(): string {
    // Most strings hold no escapes: take them as they are, without the regex or JSON.parse.
    const end = this.text.indexOf('"', this.pos + 1);
    if (end > 0) {
      const raw = this.text.slice(this.pos + 1, end);
      if (!raw.includes("\\") && !CONTROL.test(raw)) {
        this.pos = end + 1;
        return raw;
      }
    }
    STRING.lastIndex = this.pos;
    const match = STRING.exec(this.text);
    if (!match) this.fail("invalid string");
    this.pos += match[0].length;
    const value = JSON.parse(match[0]) as string;
    // Go digests a lone surrogate escape as U+FFFD while the engine's JSON.parse keeps it, so
    // two different files would share one signed digest. No valid UTF-8 text needs one.
    LONE_SURROGATE.lastIndex = 0;
    if (LONE_SURROGATE.test(value)) this.fail("a lone surrogate escape");
    return value;
  }

  object(depth: number): string {
    this.pos++;
    const members = new Map<string, string>();
    this.space();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return "{}";
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') this.fail("expected a key");
      const key = this.string();
      this.space();
      if (this.text[this.pos++] !== ":") this.fail("expected ':'");
      this.space();
      // Go keeps the last of duplicate keys; so does the canonical form.
      members.delete(key);
      members.set(key, this.value(depth + 1));
      this.space();
      const next = this.text[this.pos++];
      if (next === "}") break;
      if (next !== ",") this.fail("expected ',' or '}'");
    }
    const keys = [...members.keys()].sort(byUtf8);
    return `{${keys.map((k) => `${goString(k)}:${members.get(k)}`).join(",")}}`;
  }

  array(depth: number): string {
    this.pos++;
    const items: string[] = [];
    this.space();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return "[]";
    }
    for (;;) {
      this.space();
      items.push(this.value(depth + 1));
      this.space();
      const next = this.text[this.pos++];
      if (next === "]") break;
      if (next !== ",") this.fail("expected ',' or ']'");
    }
    return `[${items.join(",")}]`;
  }
}

/**
 * Go sorts keys by their UTF-8 bytes. UTF-16 order is the same except where surrogates meet
 * U+E000..U+FFFF, so only keys holding such characters pay for an encoding.
 */
function byUtf8(a: string, b: string): number {
  if (HIGH.test(a) || HIGH.test(b))
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
  return a < b ? -1 : a > b ? 1 : 0;
}

const HIGH = /[\ud800-\uffff]/;
const NEEDS_GO_ESCAPE = /[\u2028\u2029\ud800-\udfff]/;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A string as Go's `encoding/json` writes it with HTML escaping off: like `JSON.stringify`,
 * except that U+2028 and U+2029 are escaped and a lone surrogate becomes U+FFFD.
 */
function goString(value: string): string {
  if (!NEEDS_GO_ESCAPE.test(value)) return JSON.stringify(value);
  return JSON.stringify(value.replace(LONE_SURROGATE, "\ufffd")).replace(/[\u2028\u2029]/g, (c) =>
    c === "\u2028" ? "\\u2028" : "\\u2029",
  );
}
