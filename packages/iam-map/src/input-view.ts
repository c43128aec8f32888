import { types } from "node:util";
import { isAddedObjectPrototypeMember, RECORD_PROTOTYPE } from "./object-prototype.js";

/**
 * Read-only, never-throwing access to a command input. Inputs come straight from application code:
 * they may hold getters that throw, proxies, streams, circular references or unexpected types, so
 * every read is guarded and nothing is ever walked recursively.
 * @internal
 */
export class InputView {
  readonly #input: Record<string, unknown> | undefined;
  /** Own enumerable member names, read once (see {@link InputView.#scan}). */
  #keys: string[] | undefined;
  /** The same names lower-cased. */
  #lowers: string[] | undefined;
  /** Each member's value, read once. */
  #values: unknown[] | undefined;
  #problems: string[] | undefined;
  /** Own members' text, by place, once read by {@link InputView.text}. */
  #texts: Array<string | typeof NO_TEXT | undefined> | undefined;
  #lowerMap: Map<string, string> | undefined;
  /** Some member holds text that starts with `arn:`. */
  #arn = false;
  /** Where a name that is not an own member may still be read from (see {@link inheritance}). */
  #inherits: Inheritance | undefined;

  constructor(input: unknown) {
    this.#input = isRecord(input) ? input : undefined;
  }

  /**
   * Reads the input's own members once: names, lower-case names and values, and what makes the
   * call unknown (see {@link InputView.problems}). Every later read of an own member uses these
   * values, so a getter runs once and every rule sees the same value.
   */
  #scan(): void {
    if (this.#keys !== undefined) return;
    const input = this.#input;
    const keys = input === undefined ? [] : safeKeys(input);
    const n = keys.length;
    const lowers: string[] = new Array(n);
    const values: unknown[] = new Array(n);
    let found: string[] | undefined;
    // Small inputs compare names pairwise; large ones (only hostile ones) use a set.
    const seen = n > 16 ? new Set<string>() : undefined;
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      const lower = lowerCase(key);
      let repeated = false;
      if (seen !== undefined) {
        repeated = seen.has(lower);
        seen.add(lower);
      } else {
        for (let j = 0; j < i; j++) {
          if (lowers[j] === lower) {
            repeated = true;
            break;
          }
        }
      }
      lowers[i] = lower;
      if (repeated) {
        found ??= [];
        found.push(`the input has more than one member named ${clip(key)}`);
      }
      const value = read(input, key);
      values[i] = value;
      if (typeof value === "string") {
        if (!this.#arn && value.startsWith("arn:")) this.#arn = true;
      } else if (isBoxed(value)) {
        found ??= [];
        found.push(
          `the input member ${clip(key)} is ${types.isProxy(value) ? "a proxy" : "a boxed primitive"}`,
        );
      }
    }
    this.#keys = keys;
    this.#lowers = lowers;
    this.#values = values;
    this.#problems = found;
  }

  /**
   * Members the mapping cannot read the way the SDK will send them: names that differ only in
   * case (which one a rule would read is arbitrary), boxed primitives (the SDK sends their text,
   * a rule would see an object), and members a rule reads that are not text, or hold the
   * characters reserved for unknown-part markers ({@link InputView.unreadable}). Any of these
   * makes the call unknown, so it is refused rather than guessed at.
   */
  problems(): readonly string[] {
    this.#scan();
    return this.#problems ?? NONE;
  }

  /**
   * Records a member the mapping reads but cannot use: present, yet not text (an array or an
   * object where AWS expects a string). The call becomes unknown instead of treating it as absent.
   */
  unreadable(where: string): void {
    this.#scan();
    this.#problems ??= [];
    const problems = this.#problems;
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
    if (this.#input === undefined) return undefined;
    this.#scan();
    const keys = this.#keys!;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== name) continue;
      // Own members' text is worked out once: rules read the same few members many times.
      // Filled: a hole would be read from `Array.prototype`, where code may have put an index.
      this.#texts ??= new Array(keys.length).fill(undefined);
      const texts = this.#texts;
      const known = texts[i];
      if (known !== undefined) return known === NO_TEXT ? undefined : known;
      const value = this.#values![i];
      const text = this.textOf(value, name);
      // Present but not text is not remembered, so that every read records it as unreadable.
      if (text !== undefined) texts[i] = text;
      else if (!isPresent(value)) texts[i] = NO_TEXT;
      return text;
    }
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
    const input = this.#input;
    if (input === undefined) return undefined;
    this.#scan();
    const keys = this.#keys!;
    for (let i = 0; i < keys.length; i++) if (keys[i] === name) return this.#values![i];
    // Not an own member: an inherited one, as the SDK would read it too.
    return this.mayInherit(name) ? read(input, name) : undefined;
  }

  /**
   * Whether reading `name`, when the input lacks it, may find something on its prototype chain:
   * never for records made from {@link RECORD_PROTOTYPE}; for a plain object only when
   * `Object.prototype` has a member of that name beyond its standard ones; always for any other
   * prototype (a class instance's getter).
   */
  mayInherit(name: string): boolean {
    if (this.#input === undefined) return false;
    this.#inherits ??= inheritance(this.#input);
    return (
      this.#inherits === ANY_PROTOTYPE ||
      (this.#inherits === OBJECT_PROTOTYPE && isAddedObjectPrototypeMember(name))
    );
  }

  /** Whether any of `names` may be read from the prototype chain (see {@link InputView.mayInherit}). */
  mayInheritAny(names: readonly string[]): boolean {
    for (let i = 0; i < names.length; i++) if (this.mayInherit(names[i]!)) return true;
    return false;
  }

  /**
   * A top-level member by name, ignoring case (ECR and ECS use camelCase members). Members that
   * collide by case are reported by {@link InputView.problems}; the last one is read.
   */
  getAnyCase(lowerName: string): unknown {
    if (this.#input === undefined) return undefined;
    this.#scan();
    const lowers = this.#lowers!;
    for (let i = lowers.length - 1; i >= 0; i--) {
      if (lowers[i] === lowerName) return this.#values![i];
    }
    return undefined;
  }

  /** Own member names as given, in input order. */
  memberNames(): readonly string[] {
    this.#scan();
    return this.#keys!;
  }

  /** Own member names lower-cased, in input order. */
  lowerKeys(): readonly string[] {
    this.#scan();
    return this.#lowers!;
  }

  /** Own member values, in the order of {@link InputView.lowerKeys}. */
  memberValues(): readonly unknown[] {
    this.#scan();
    return this.#values!;
  }

  /** Lower-case member names and the names as given (a tie makes the call unknown: see problems). */
  lowerNames(): ReadonlyMap<string, string> {
    if (!this.#lowerMap) {
      this.#scan();
      const map = new Map<string, string>();
      const keys = this.#keys!;
      for (let i = 0; i < keys.length; i++) map.set(this.#lowers![i]!, keys[i]!);
      this.#lowerMap = map;
    }
    return this.#lowerMap;
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
    this.#scan();
    return this.#arn;
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

const NONE: readonly string[] = Object.freeze([]);

/** A member read as text that has none (absent, empty or not text). */
const NO_TEXT: unique symbol = Symbol("no text");

/** Names the input lacks are read from nowhere: it inherits nothing a member could come from. */
const NO_PROTOTYPE = 0;
/** From `Object.prototype`: only names it has beyond its standard members find anything. */
const OBJECT_PROTOTYPE = 1;
/** From another prototype (a class instance's getters, a proxy): any name may find something. */
const ANY_PROTOTYPE = 2;
type Inheritance = typeof NO_PROTOTYPE | typeof OBJECT_PROTOTYPE | typeof ANY_PROTOTYPE;

/**
 * Where a name the input does not have itself may be read from. `Object.prototype` has only
 * standard members, which are not member names, until code adds one (`Object.prototype.ACL = …`,
 * enumerable or not, or `__proto__` in merged JSON), which the SDK's serializer reads; records
 * made from {@link RECORD_PROTOTYPE} and objects without a prototype inherit nothing.
 */
function inheritance(input: object): Inheritance {
  // A proxy reports its target's prototype but may answer for any name its `get` trap likes.
  if (types.isProxy(input)) return ANY_PROTOTYPE;
  try {
    const proto = Object.getPrototypeOf(input);
    if (proto === null || proto === RECORD_PROTOTYPE) return NO_PROTOTYPE;
    return proto === Object.prototype ? OBJECT_PROTOTYPE : ANY_PROTOTYPE;
  } catch {
    // A proxy that refuses to say: read as before.
    return ANY_PROTOTYPE;
  }
}

/** Member names lower-cased, made once per name (inputs use the same few names). */
const lowered = new Map<string, string>();

function lowerCase(name: string): string {
  let lower = lowered.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    // Bounded: names come from the application's inputs.
    if (lowered.size < 10_000 && name.length <= 200) lowered.set(name, lower);
  }
  return lower;
}

/** Whether text holds a reserved character: a loop for short text, the expression otherwise. */
function hasReserved(text: string): boolean {
  const n = text.length;
  if (n > 64) return RESERVED.test(text);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xe000 && c <= 0xe00f) return true;
  }
  return false;
}

/** Member names in messages are clipped so a pathological input cannot make a huge message. */
function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * `new String(…)`, `new Number(…)`, `Object(1n)`: objects the SDK serializes as their text. By
 * their internal slots, not `instanceof`, which walks prototypes (and runs a proxy's trap, if
 * code has put one in the chain). A proxy cannot be read for what it is either.
 */
function isBoxed(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  return types.isProxy(value) || types.isBoxedPrimitive(value);
}

/**
 * A `Date`, by its internal slot (see {@link isBoxed}): an object made from `Date.prototype`
 * without one is not a date, and `instanceof` runs no code of the caller's. @internal
 */
export function isDate(value: unknown): value is Date {
  return types.isDate(value);
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
    return value.length > 0 && !hasReserved(value) ? value : undefined;
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
