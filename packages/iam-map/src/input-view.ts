/**
 * Read-only, never-throwing access to a command input. Inputs come straight from application code:
 * they may hold getters that throw, proxies, streams, circular references or unexpected types, so
 * every read is guarded and nothing is ever walked recursively.
 * @internal
 */
export class InputView {
  readonly #input: Record<string, unknown> | undefined;
  #lower: Map<string, string> | undefined;
  #problems: string[] | undefined;

  constructor(input: unknown) {
    this.#input = isRecord(input) ? input : undefined;
  }

  /**
   * Members the mapping cannot read the way the SDK will send them: names that differ only in
   * case (which one a rule would read is arbitrary), boxed primitives (the SDK sends their text,
   * a rule would see an object), and members a rule reads that are not text, or hold the
   * characters reserved for unknown-part markers ({@link InputView.unreadable}). Any of these
   * makes the call unknown, so it is refused rather than guessed at.
   */
  problems(): readonly string[] {
    if (this.#problems) return this.#problems;
    const found: string[] = [];
    const input = this.#input;
    if (input) {
      const seen = new Set<string>();
      for (const key of safeKeys(input)) {
        const lower = key.toLowerCase();
        if (seen.has(lower)) found.push(`the input has more than one member named ${clip(key)}`);
        seen.add(lower);
        const value = read(input, key);
        if (isBoxed(value)) found.push(`the input member ${clip(key)} is a boxed primitive`);
      }
    }
    this.#problems = found;
    return found;
  }

  /**
   * Records a member the mapping reads but cannot use: present, yet not text (an array or an
   * object where AWS expects a string). The call becomes unknown instead of treating it as absent.
   */
  unreadable(where: string): void {
    const problems = this.problems() as string[];
    // One is enough to refuse the call; a few say why, without growing with the input.
    if (problems.length < 20) {
      problems.push(`the input member ${clip(where)} is not in a form keycard reads`);
    }
  }

  /**
   * A member's text as the SDK sends it; undefined when absent. A member present in another form
   * is recorded with {@link InputView.unreadable}.
   */
  text(name: string): string | undefined {
    return this.textOf(this.get(name), name);
  }

  /** {@link InputView.text} for a value read from inside a member. */
  textOf(value: unknown, where: string): string | undefined {
    const s = asString(value);
    if (s === undefined && isPresent(value)) this.unreadable(where);
    return s;
  }

  /** A top-level member by exact name. */
  get(name: string): unknown {
    return read(this.#input, name);
  }

  /**
   * A top-level member by name, ignoring case (ECR and ECS use camelCase members). Members that
   * collide by case are reported by {@link InputView.problems}.
   */
  getAnyCase(lowerName: string): unknown {
    const input = this.#input;
    if (!input) return undefined;
    const key = this.lowerNames().get(lowerName);
    return key === undefined ? undefined : read(input, key);
  }

  /** Lower-case member names and the names as given (a tie makes the call unknown: see problems). */
  lowerNames(): ReadonlyMap<string, string> {
    if (!this.#lower) {
      const map = new Map<string, string>();
      if (this.#input) for (const key of safeKeys(this.#input)) map.set(key.toLowerCase(), key);
      this.#lower = map;
    }
    return this.#lower;
  }

  /**
   * The entries of a list member, at most `limit`. A longer list, which keycard will not map
   * entry by entry, is recorded with {@link InputView.unreadable} rather than cut short: every
   * entry is a check AWS makes.
   */
  list(value: unknown, where: string, limit = 1000): unknown[] {
    if (!Array.isArray(value)) return [];
    if (value.length > limit) {
      this.unreadable(`${where} (more than ${limit} entries)`);
      return value.slice(0, limit);
    }
    return value;
  }

  /**
   * The text entries of a list member, or undefined when it is not a list. An entry present in
   * another form, or a list past `limit`, is recorded with {@link InputView.unreadable}.
   */
  strings(value: unknown, where: string, limit = 1000): string[] | undefined {
    if (!Array.isArray(value)) return undefined;
    const out: string[] = [];
    let other = false;
    for (const entry of this.list(value, where, limit)) {
      const s = asString(entry);
      if (s !== undefined) out.push(s);
      else if (isBoxed(entry) || (typeof entry === "string" && entry !== ""))
        this.unreadable(where);
      else if (isPresent(entry)) other = true;
    }
    // A list of structures is another kind of member; text beside them is not a list of names.
    if (other && out.length > 0) this.unreadable(where);
    return out;
  }

  /**
   * Whether any top-level member holds an ARN. Only a hint (ECS: no ARN means the default
   * cluster); the resource itself is read from the operation's own members.
   */
  hasArnMember(): boolean {
    const input = this.#input;
    if (!input) return false;
    for (const key of safeKeys(input)) {
      const value = read(input, key);
      if (typeof value === "string" && value.startsWith("arn:")) return true;
    }
    return false;
  }

  /**
   * A top-level member as a non-empty string (numbers are converted). A member present in
   * another form is recorded with {@link InputView.unreadable}.
   */
  string(name: string): string | undefined {
    return this.text(name);
  }
}

/** The private-use characters keycard reserves for unknown-part markers (see unknown-part.ts). */
const RESERVED = /[\uE000-\uE00F]/;

/** Member names in messages are clipped so a pathological input cannot make a huge message. */
function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** `new String(…)`, `new Number(…)`, `Object(1n)`: objects the SDK serializes as their text. */
function isBoxed(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  try {
    return (
      value instanceof String ||
      value instanceof Number ||
      value instanceof Boolean ||
      value instanceof BigInt
    );
  } catch {
    // A proxy that refuses to say what it is cannot be read either.
    return true;
  }
}

/** True for anything but undefined, null and the empty string (which the SDK leaves out). @internal */
export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

/** True for plain objects and class instances, false for arrays, buffers and primitives. @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value)
  );
}

/** A property read that never throws. @internal */
export function read(target: unknown, key: string): unknown {
  if (!isRecord(target)) return undefined;
  try {
    return target[key];
  } catch {
    return undefined;
  }
}

/**
 * A non-empty string for strings and finite numbers, otherwise undefined. Text holding the
 * characters reserved for unknown-part markers is never returned: it could forge one.
 * @internal
 */
export function asString(value: unknown): string | undefined {
  if (typeof value === "string") {
    return value.length > 0 && !RESERVED.test(value) ? value : undefined;
  }
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return String(value);
  return undefined;
}

/** The non-empty strings of an array (at most `limit`), or undefined when it is not an array. @internal */
export function asStrings(value: unknown, limit = 1000): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (let i = 0; i < value.length && out.length < limit; i++) {
    const s = asString(value[i]);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** Array elements, guarded: at most `limit`, and an empty list for anything else. @internal */
export function items(value: unknown, limit = 1000): unknown[] {
  if (!Array.isArray(value)) return [];
  return value.length > limit ? value.slice(0, limit) : value;
}

/** Own enumerable keys, or none when the object refuses to list them. @internal */
export function safeKeys(value: object): string[] {
  try {
    return Object.keys(value);
  } catch {
    return [];
  }
}
