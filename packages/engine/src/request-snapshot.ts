/**
 * The evaluation input, read exactly once into plain data before anything looks at it.
 *
 * A caller's input may hold getters or proxies that answer differently on every read. If the
 * checks, the reuse key and the WebAssembly input each read it themselves, they can see three
 * different requests, and a decision made for one is returned for another. Everything after
 * {@link snapshotInput} reads only the snapshot.
 */
import { isIPv4, isIPv6 } from "node:net";
import { types } from "node:util";
import type { CompiledPolicyData } from "./compile.js";
import { FoldedKeySet, foldKey, isAscii } from "./key-case.js";
import type { CompiledPattern, TemplatePart } from "./patterns.js";
import { changedPrototype } from "./prototype-check.js";
import type { EvaluationInput } from "./types.js";

/**
 * The longest value keycard fills into a pattern through a policy variable. Longer values
 * (IAM user names are at most 64 characters, tag values 256) would make the library escape
 * and compile a pattern per character for a long time.
 * @internal
 */
export const MAX_VARIABLE_LENGTH = 1024;

/**
 * Deeper inputs are refused. A real input nests five levels (input, requests, request,
 * context, a list value); a cycle never ends.
 * @internal
 */
export const MAX_INPUT_DEPTH = 64;

/**
 * Inputs with more values than this (every string, number, list and object counts, each time
 * it is reached) are refused before they are copied further. A middleware call has a few
 * dozen.
 * @internal
 */
export const MAX_INPUT_VALUES = 200_000;

/**
 * Inputs with more text than this, in UTF-16 code units over every key and string, are
 * refused: the library's copy of the input would outgrow the module's memory.
 * @internal
 */
export const MAX_INPUT_TEXT = 16 * 2 ** 20;

/** Which members of the input are copied: those the built-in library reads, or all of them. */
export type SnapshotFields = "engine" | "all";

/**
 * The request members the engine reads (`types.ts`), and the reserved ones `wasmInput` must
 * see to refuse them. Other members are neither read nor copied.
 */
const REQUEST_FIELDS = new Set([
  "action",
  "resource",
  "context",
  "unknownContext",
  "resourceParts",
  "rp",
  "rre",
  "up",
  "uk",
]);

/** The principal members the library reads (`policies/keycard/context`). */
const PRINCIPAL_FIELDS = new Set(["arn", "accountId", "userId", "username", "type", "tags", "mfa"]);

/** Why the copy stopped; its message is the reason `evaluate` gives. */
class Refusal {
  constructor(readonly reason: string) {}
}

/** What `JSON.stringify` leaves out of an object (and writes as `null` in a list). */
const OMITTED = Symbol("omitted");

/**
 * Copies the input the way `JSON.stringify` reads it, in one pass and without text: the same
 * property reads in the same order (so each getter or proxy trap runs once), `toJSON` called
 * as JSON calls it, boxed primitives unboxed, non-finite numbers as `null`, members that are
 * `undefined`, functions or symbols left out. Strings are checked as they are read.
 */
class InputReader {
  #values = 0;
  #text = 0;
  readonly #path: object[] = [];
  /**
   * Each request's `action` and `resource` as copied so far, so that a refused input can be
   * denied request by request without reading the caller's objects again.
   */
  readonly requested: RequestNames[] = [];
  #current: RequestNames | undefined;

  /**
   * @param contextKeys In `engine` mode, the folded keys the documents read: a request's context
   *   keeps only those (and keys with letters outside ASCII, as `prepareRequest` does). Every
   *   member is still read and checked, and a key given twice (ignoring case) refused.
   */
  constructor(
    readonly fields: SnapshotFields,
    readonly contextKeys?: ReadonlySet<string>,
  ) {}

  /** The characters of text counted so far, against {@link MAX_INPUT_TEXT}. */
  get textCount(): number {
    return this.#text;
  }

  /** Copies the whole input. */
  input(raw: unknown): unknown {
    return this.#copy(this.#json(raw, ""), 0, "input");
  }

  /** Applies `toJSON` and unboxes, as JSON's SerializeJSONProperty does. */
  #json(value: unknown, key: string | number): unknown {
    if ((typeof value === "object" && value !== null) || typeof value === "bigint") {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") value = toJSON.call(value, String(key));
    }
    if (typeof value === "object" && value !== null && types.isBoxedPrimitive(value)) {
      if (types.isNumberObject(value)) return Number(value);
      if (types.isStringObject(value)) return String(value);
      if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value);
      if (types.isBigIntObject(value)) throw new Refusal(cannotSerialize("a BigInt"));
    }
    return value;
  }

  /** Copies a value already passed through {@link InputReader.#json}. */
  #copy(value: unknown, depth: number, role: Role = "value"): unknown {
    if (++this.#values > MAX_INPUT_VALUES)
      throw new Refusal(
        `the input has more than ${MAX_INPUT_VALUES} values, more than keycard reads`,
      );
    switch (typeof value) {
      case "string":
        return this.#string(value);
      case "number":
        return Number.isFinite(value) ? value : null;
      case "boolean":
        return value;
      case "bigint":
        throw new Refusal(cannotSerialize("a BigInt"));
      case "object":
        if (value === null) return null;
        break;
      default:
        return OMITTED;
    }
    if (depth >= MAX_INPUT_DEPTH)
      throw new Refusal(`the input is nested more than ${MAX_INPUT_DEPTH} levels deep`);
    const object = value as object;
    if (this.#path.includes(object)) throw new Refusal(cannotSerialize("a circular structure"));
    this.#path.push(object);
    try {
      if (Array.isArray(object)) {
        // A list where a record belongs would be read through `Array.prototype` by every later
        // look at its members (`action`, `resource`, …), a prototype the check does not list
        // names on: code there would run after the read, past every check of it.
        if (RECORD_ROLES.has(role))
          throw new Refusal(`${ROLE_NAMES[role]} is a list, not an object`);
        return this.#array(object, depth, role);
      }
      return this.#object(object, depth, role);
    } finally {
      this.#path.pop();
    }
  }

  #array(list: ArrayLike<unknown>, depth: number, role: Role): unknown[] {
    const length = list.length;
    if (!(length <= MAX_INPUT_VALUES - this.#values))
      throw new Refusal(
        `the input has more than ${MAX_INPUT_VALUES} values, more than keycard reads`,
      );
    const out: unknown[] = new Array(length);
    const itemRole: Role = role === "requests" ? "request" : "value";
    for (let i = 0; i < length; i++) {
      if (role === "requests") {
        this.#current = copyRecord();
        setEntry(this.requested, this.requested.length, this.#current);
      }
      const item = this.#copy(this.#json(list[i], i), depth + 1, itemRole);
      setEntry(out, i, item === OMITTED ? null : item);
    }
    if (role === "requests") this.#current = undefined;
    return out;
  }

  /**
   * Copies own enumerable string-keyed members, as JSON lists them; in `engine` mode only the
   * members the engine reads (others are not read at all).
   */
  #object(object: object, depth: number, role: Role): Record<string, unknown> {
    if (role === "context") return this.#context(object, depth);
    const out: Record<string, unknown> = copyRecord();
    const keys = Object.keys(object);
    const engine = this.fields === "engine";
    // The requests first: a refusal while reading the rest can then still name them.
    const first = role === "input" ? keys.indexOf("requests") : -1;
    for (let k = first < 0 ? 0 : -1; k < keys.length; k++) {
      if (k === first) continue;
      const key = keys[k < 0 ? first : k] as string;
      const member = memberRole(role, key, engine, this.contextKeys !== undefined);
      if (member === undefined) continue;
      this.#string(key);
      const raw = (object as Record<string, unknown>)[key];
      const value = !engine
        ? this.#copy(this.#json(raw, key), depth + 1, member)
        : member === "principal"
          ? this.#principal(raw, depth + 1)
          : member === "context"
            ? this.#sealed(raw, key, depth + 1, member, this.#sealedContexts())
            : role === "request" && key === "unknownContext"
              ? this.#sealed(raw, key, depth + 1, member, sealedLists)
              : this.#copy(this.#json(raw, key), depth + 1, member);
      if (value === OMITTED) continue;
      if (role === "request" && this.#current && (key === "action" || key === "resource"))
        this.#current[key] = value;
      setMember(out, key, value);
    }
    return out;
  }

  /**
   * A request's context in `engine` mode: every member read and checked once, as JSON reads
   * them, but only those the documents read kept; a key given twice (ignoring case, members
   * JSON leaves out aside) is refused, since the context then has no single value for it.
   */
  #context(object: object, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = copyRecord();
    const keys = Object.keys(object);
    const needed = this.contextKeys as ReadonlySet<string>;
    const seen = new FoldedKeySet();
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as string;
      this.#string(key);
      const value = this.#copy(
        this.#json((object as Record<string, unknown>)[key], key),
        depth + 1,
        "value",
      );
      if (value === OMITTED) continue;
      const lower = foldKey(key);
      if (!seen.add(lower)) throw this.#twice(key);
      // Other names are kept all the same, as `prepareRequest` keeps them.
      if (!needed.has(lower) && isAscii(key)) continue;
      setMember(out, key, value);
    }
    return out;
  }

  #twice(key: string): Refusal {
    return new Refusal(
      `requests[${this.requested.length - 1}].context has the key ${JSON.stringify(key)} twice (keys are case-insensitive)`,
    );
  }

  /**
   * Copies the principal; one that is sealed (see {@link isSealedPrincipal}) is copied once and
   * its frozen copy reused, since it cannot read differently later. The middleware passes the
   * same frozen principal on every call of a caller.
   */
  #principal(raw: unknown, depth: number): unknown {
    return this.#sealed(raw, "principal", depth, "principal", sealedPrincipals);
  }

  /**
   * The copy of a member that reads the same on every call when sealed: a principal (see
   * {@link isSealedPrincipal}), or a context or list of unknown keys made of plain values only
   * (see {@link sealedValue}). A sealed one's frozen copy is reused (per `cache`); on a miss the
   * member is copied as usual and, when it may be sealed, noted so that the start of the next
   * read copies and keeps it (see {@link sealPending}). `@keycard/iam-map` hands out the same
   * frozen context and list for the calls of a kind within a second.
   */
  #sealed(
    raw: unknown,
    key: string,
    depth: number,
    role: Role,
    cache: WeakMap<object, SealedCopy>,
  ): unknown {
    if (typeof raw === "object" && raw !== null) {
      const known = cache.get(raw);
      if (known !== undefined) {
        this.#count(known.values, known.text);
        return known.copy;
      }
      // Checked before anything is read, and without running a proxy's traps.
      if (
        pending.size < MAX_PENDING &&
        !types.isProxy(raw) &&
        Object.isFrozen(raw) &&
        !unsealable.has(raw)
      )
        pending.add(Object.freeze({ raw, key, role, cache, contextKeys: this.contextKeys }));
    }
    return this.#copy(this.#json(raw, key), depth, role);
  }

  /**
   * A sealed value's frozen copy and what it counts toward the limits, or undefined when it is
   * not sealed or cannot be read. Only {@link sealPending} calls this.
   */
  sealedCopy(raw: object, key: string, role: Role): SealedCopy | undefined {
    const sealed =
      role === "principal"
        ? isSealedPrincipal(raw)
        : sealedValue(raw, 1, { left: MAX_SEALED_VALUES });
    if (!sealed) return undefined;
    let copy: unknown;
    try {
      copy = this.#copy(this.#json(raw, key), 1, role);
    } catch {
      // Refused (a key twice, U+0000, …): every read refuses it again.
      return undefined;
    }
    if (jsonHooked() || typeof copy !== "object" || copy === null) return undefined;
    const frozen = deepFreeze(copy);
    if (role === "principal") principalTexts.set(frozen, JSON.stringify(frozen));
    return { copy: frozen, values: this.#values, text: this.#text };
  }

  /** The sealed contexts read for this reader's context keys (each policy has its own set). */
  #sealedContexts(): WeakMap<object, SealedCopy> {
    const keys = this.contextKeys as ReadonlySet<string>;
    let cache = sealedContexts.get(keys);
    if (cache === undefined) {
      cache = new WeakMap();
      sealedContexts.set(keys, cache);
    }
    return cache;
  }

  /** Counts values and text read without copying them, against the same limits. */
  #count(values: number, text: number): void {
    this.#values += values;
    if (this.#values > MAX_INPUT_VALUES)
      throw new Refusal(
        `the input has more than ${MAX_INPUT_VALUES} values, more than keycard reads`,
      );
    this.#text += text;
    if (this.#text > MAX_INPUT_TEXT) throw new Refusal(TOO_MUCH_TEXT);
  }

  #string(text: string): string {
    this.#text += text.length;
    if (this.#text > MAX_INPUT_TEXT) throw new Refusal(TOO_MUCH_TEXT);
    const problem = textProblem(text);
    if (problem !== undefined) throw new Refusal(problem);
    return text;
  }
}

/** Why an input holding too much text is refused. @internal */
export const TOO_MUCH_TEXT = `the input holds more than ${MAX_INPUT_TEXT} characters of text, more than keycard reads`;

/**
 * Why a text of the input cannot be read, or undefined when it can. The library's regular
 * expressions end at U+0000, so a value holding one (filled into a pattern, or a partly known
 * resource) would match more than it says; and it cannot read a lone surrogate at all.
 * @internal
 */
export function textProblem(text: string): string | undefined {
  if (text.includes("\u0000"))
    return "the input contains U+0000, which keycard cannot match safely";
  if (!(text as string & { isWellFormed(): boolean }).isWellFormed())
    return "the input contains a lone surrogate (text that is not well-formed UTF-16)";
  return undefined;
}

/**
 * What the input's copies are made from: no members, inheriting nothing, frozen. A member added
 * to `Object.prototype` (`resourceParts`, `context`, `principal`) then never stands in for one
 * an input left out, which every later read of the copy would otherwise find. Objects made from
 * a prototype of their own keep V8's fast layout, unlike `Object.create(null)`.
 */
const COPY_PROTOTYPE: object = Object.freeze(Object.create(null));

/** A new, empty object for a copy (see {@link COPY_PROTOTYPE}). @internal */
export function copyRecord<T extends object = Record<string, unknown>>(): T {
  return Object.create(COPY_PROTOTYPE) as T;
}

/** Sets a member of a copy; defined rather than assigned, so `__proto__` stays an ordinary member. */
/** Taken when the module loads. */
const ARRAY_PROTOTYPE = Array.prototype;
const OBJECT_PROTOTYPE = Object.prototype;
const { getPrototypeOf, hasOwn } = Object;

const SETTER_ON_LISTS =
  "code in the process put an index on Array.prototype or Object.prototype while the input was read, where it would be handed keycard's copy";

/**
 * Writes a list's entry, refusing the input when the write could reach a setter: assigning to an
 * index the list does not hold yet looks the index up on `Array.prototype` and
 * `Object.prototype`, where a setter code in the process put (a getter of the input runs
 * between two entries) would be handed the value and the list, and could leave a getter in the
 * copy that answers differently on every later read. Only a member of the same index can take
 * the write (`Array.prototype`'s length is 0 unless it ever held one); defining every entry
 * instead costs ten times as much.
 */
function setEntry(list: unknown[], index: number, value: unknown): void {
  if (
    (ARRAY_PROTOTYPE.length !== 0 && hasOwn(ARRAY_PROTOTYPE, index)) ||
    hasOwn(OBJECT_PROTOTYPE, index) ||
    getPrototypeOf(list) !== ARRAY_PROTOTYPE ||
    getPrototypeOf(ARRAY_PROTOTYPE) !== OBJECT_PROTOTYPE
  )
    throw new Refusal(SETTER_ON_LISTS);
  list[index] = value;
}

function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else out[key] = value;
}

/** A sealed principal's frozen copy, and the values and text it counts toward the limits. */
interface SealedCopy {
  readonly copy: object;
  readonly values: number;
  readonly text: number;
}

/**
 * Values that may be sealed, met while a read found no copy of them. They are copied and kept
 * at the start of the next outermost read, before any of its input is read: then no code of an
 * input (a getter, a proxy trap, a `toJSON` that removes itself) can be running, so nothing it
 * changes for a moment (a prototype's `toJSON`, a built-in) can shape what is kept for later
 * calls. The read that met them copies them for itself as usual. A set, not a list: writing an
 * entry into a list would hand it (and the shared cache it names) to a setter code in the
 * process put on `Array.prototype`, which could keep it and forge what is sealed later.
 */
const pending = new Set<PendingSeal>();

/** One value waiting to be sealed, and the cache its copy goes to. */
interface PendingSeal {
  readonly raw: object;
  readonly key: string;
  readonly role: Role;
  readonly cache: WeakMap<object, SealedCopy>;
  readonly contextKeys: ReadonlySet<string> | undefined;
}
const MAX_PENDING = 64;
/**
 * Frozen values found not sealed or not readable, not looked at again: performance only (one
 * whose list is frozen later stays read on every call).
 */
const unsealable = new WeakSet<object>();
/** Reads under way: a getter of one input may call `evaluate` with another. */
let readsUnderWay = 0;

/** Copies and keeps the pending sealed values (see {@link pending}). */
function sealPending(): void {
  const waiting = [...pending];
  pending.clear();
  // Nothing of the caller's runs while the copies are made (sealed values are frozen data), so
  // a prototype clean now stays clean until they are kept.
  if (changedPrototype() !== undefined) return;
  for (const { raw, key, role, cache, contextKeys } of waiting) {
    if (cache.has(raw)) continue;
    let made: SealedCopy | undefined;
    try {
      made = new InputReader("engine", contextKeys).sealedCopy(raw, key, role);
    } catch {
      // Whatever it is, it is not kept; the evaluation that meets it reads it as usual.
    }
    if (made !== undefined) cache.set(raw, made);
    else unsealable.add(raw);
  }
}

const sealedPrincipals = new WeakMap<object, SealedCopy>();
/** Sealed lists of unknown keys, copied (every member kept) once each. */
const sealedLists = new WeakMap<object, SealedCopy>();
/**
 * Sealed contexts, each copied once per set of context keys (see `InputReader`): the copy keeps
 * only the keys that set names, so it serves the policies reading that set only.
 */
const sealedContexts = new WeakMap<ReadonlySet<string>, WeakMap<object, SealedCopy>>();

/** The deepest principal {@link isSealedPrincipal} accepts (a principal and its tags). */
const MAX_SEALED_DEPTH = 3;

/** The most values {@link isSealedPrincipal} looks at; a real principal has a few dozen. */
const MAX_SEALED_VALUES = 1000;

/**
 * Whether a principal reads the same forever: a frozen plain object, not a proxy, whose members
 * the engine reads ({@link PRINCIPAL_FIELDS}) are data, not getters, holding values that read the
 * same forever themselves (see {@link sealedValue}). Freezing cannot be undone, so what it reads
 * now it reads on every later call. Members the engine never reads are not looked at.
 */
function isSealedPrincipal(principal: object): boolean {
  if (!sealedObject(principal, false)) return false;
  const budget = { left: MAX_SEALED_VALUES };
  for (const field of PRINCIPAL_FIELDS) {
    const descriptor = Reflect.getOwnPropertyDescriptor(principal, field);
    if (descriptor === undefined) continue;
    if (!("value" in descriptor) || !sealedValue(descriptor.value, 1, budget)) return false;
  }
  return true;
}

/**
 * A primitive JSON keeps, or a frozen plain object or dense list (no holes, which would be read
 * through the prototype) whose every own member is data holding such a value; within depth and
 * a bounded number of values.
 */
function sealedValue(value: unknown, depth: number, budget: { left: number }): boolean {
  if (--budget.left < 0) return false;
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "undefined":
      return true;
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  // Before `Array.isArray`, which throws on a revoked proxy.
  if (types.isProxy(value)) return false;
  const list = Array.isArray(value);
  if (depth > MAX_SEALED_DEPTH || !sealedObject(value, list)) return false;
  const keys = Reflect.ownKeys(value);
  // A hole is read through the prototype: every index must be the list's own (a named member
  // can make up the count of own keys).
  if (list) {
    const length = (value as unknown[]).length;
    if (length > budget.left) return false;
    for (let i = 0; i < length; i++) if (!Object.hasOwn(value, i)) return false;
  }
  for (const key of keys) {
    if (list && key === "length") continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
    if (descriptor === undefined || !("value" in descriptor)) return false;
    if (!sealedValue(descriptor.value, depth + 1, budget)) return false;
  }
  return true;
}

/** Frozen, not a proxy, and made from the plain prototype (or none). */
function sealedObject(value: object, list: boolean): boolean {
  if (types.isProxy(value) || !Object.isFrozen(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === (list ? Array.prototype : Object.prototype) || (!list && proto === null);
}

const JSON_HOOKED =
  "Object.prototype or Array.prototype has a toJSON, or something stands between them (code in the process put it there), which would change how keycard serialises the input";

/**
 * Whether code in the process gave plain objects or lists a `toJSON`, which JSON would call, or
 * put something between `Array.prototype` and `Object.prototype` that could answer for one.
 * @internal
 */
export function jsonHooked(): boolean {
  return (
    Object.getPrototypeOf(Array.prototype) !== Object.prototype ||
    Object.hasOwn(Object.prototype, "toJSON") ||
    Object.hasOwn(Array.prototype, "toJSON")
  );
}

/** Freezes a copy keycard made and everything in it that is not frozen yet. @internal */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** The JSON text of each sealed principal's shared copy, made when the copy was. */
const principalTexts = new WeakMap<object, string>();

/**
 * The principal of a snapshot as JSON text: a sealed principal's shared copy has its text made
 * once, with it; any other principal is serialised as before.
 * @internal
 */
export function principalJson(principal: unknown): string | undefined {
  if (typeof principal === "object" && principal !== null) {
    const text = principalTexts.get(principal);
    if (text !== undefined) return text;
  }
  return JSON.stringify(principal);
}

/** How a member is copied: as plain data, or as the part of the input it is. */
type Role = "value" | "input" | "principal" | "requests" | "request" | "context";

/** The roles whose value must be a record, and how a refusal names each. */
const RECORD_ROLES: ReadonlySet<Role> = new Set<Role>(["input", "principal", "request", "context"]);
const ROLE_NAMES: Readonly<Record<Role, string>> = {
  value: "a value",
  input: "the evaluation input",
  principal: "the principal",
  requests: "the requests",
  request: "a request",
  context: "a request's context",
};

/** How the member `key` of an object copied as `role` is copied, or undefined to skip it. */
function memberRole(
  role: Role,
  key: string,
  engine: boolean,
  filterContext: boolean,
): Role | undefined {
  switch (role) {
    case "input":
      if (key === "requests") return "requests";
      if (key === "principal") return "principal";
      return !engine || key === "region" ? "value" : undefined;
    case "request":
      if (!engine) return "value";
      if (key === "context" && filterContext) return "context";
      return REQUEST_FIELDS.has(key) ? "value" : undefined;
    case "principal":
      return !engine || PRINCIPAL_FIELDS.has(key) ? "value" : undefined;
    default:
      return "value";
  }
}

function cannotSerialize(what: string): string {
  return `the input cannot be serialized (it holds ${what})`;
}

/** A request's action and resource as read, for naming it in a denial. @internal */
export interface RequestNames {
  action?: unknown;
  resource?: unknown;
}

/**
 * An input read: its copy, and the characters of text the read counted (also those of members
 * the copy leaves out). @internal
 */
export interface ReadInput {
  input: EvaluationInput;
  text: number;
}

/** An input that cannot be evaluated: why, and the requests as far as they were read. @internal */
export interface RefusedInput {
  reason: string;
  requests: RequestNames[];
}

/**
 * The input as plain data, read once as `JSON.stringify` would read it (each getter and proxy
 * trap runs once, `toJSON` is applied) but copied directly rather than through text. With
 * `fields: "engine"` only what the engine reads is copied: `principal` (its known fields),
 * `region` and each request's fields, each context holding only the keys in `contextKeys` when
 * given (every key is still read and checked); `"all"` copies every member, for bundles whose
 * custom rules may read any. Refuses, with a reason, an input that cannot be read, holds text the
 * library cannot match safely (U+0000, a lone surrogate), or is too deep or too large to copy;
 * the refusal carries each request's action and resource as far as they were read (the
 * requests are read before the other members), so that the caller need not read them again.
 * @internal
 */
export function readInput(
  input: unknown,
  fields: SnapshotFields,
  contextKeys?: ReadonlySet<string>,
): ReadInput | RefusedInput {
  // The copies keycard makes are serialised afterwards: a `toJSON` every list or object would
  // inherit could answer differently then than when the input was read.
  if (jsonHooked()) return { reason: JSON_HOOKED, requests: [] };
  if (pending.size > 0 && readsUnderWay === 0) sealPending();
  const reader = new InputReader(fields, fields === "engine" ? contextKeys : undefined);
  let copy: unknown;
  readsUnderWay += 1;
  try {
    copy = reader.input(input);
  } catch (thrown) {
    if (thrown instanceof Refusal) return { reason: thrown.reason, requests: reader.requested };
    // A getter, a proxy trap or `toJSON` threw.
    let message: string;
    try {
      message = thrown instanceof Error ? thrown.message : String(thrown);
    } catch {
      message = "reading it failed";
    }
    return { reason: `the input cannot be serialized (${message})`, requests: reader.requested };
  } finally {
    readsUnderWay -= 1;
  }
  // A getter may have added one while the input was read: the copies are serialised next, and
  // what is made of a kept copy is kept too.
  if (jsonHooked()) return { reason: JSON_HOOKED, requests: reader.requested };
  if (copy === OMITTED) return { reason: "the evaluation input is not an object", requests: [] };
  return { input: copy as EvaluationInput, text: reader.textCount };
}

/**
 * {@link readInput}, returning the copy or the reason alone.
 * @internal
 */
export function snapshotInput(
  input: unknown,
  fields: SnapshotFields = "all",
): EvaluationInput | string {
  const read = readInput(input, fields);
  return "input" in read ? read.input : read.reason;
}

/** What a loaded policy reads in ways that need the input prepared first. @internal */
export interface InputNeeds {
  /** Lower-cased condition keys compared with IpAddress or NotIpAddress. */
  ipKeys: ReadonlySet<string>;
  /** Lower-cased keys read as policy variables. */
  variableKeys: ReadonlySet<string>;
  /**
   * Every lower-cased key the library may look up in a request's context: condition keys and
   * policy variables. It reads the context only by these keys (`value` in
   * `policies/keycard/context`), so other members are left out of its input.
   */
  contextKeys: ReadonlySet<string>;
}

function addVariables(value: CompiledPattern | unknown, into: Set<string>): void {
  if (typeof value !== "object" || value === null || !("tpl" in value)) return;
  for (const part of (value as { tpl: TemplatePart[] }).tpl) if ("var" in part) into.add(part.var);
}

/** The keys of the compiled documents that {@link prepareSnapshot} treats specially. @internal */
export function inputNeeds(data: CompiledPolicyData): InputNeeds {
  const ipKeys = new Set<string>();
  const variableKeys = new Set<string>();
  const conditionKeys = new Set<string>();
  for (const statement of data.statements) {
    for (const pattern of [...(statement.resource ?? []), ...(statement.not_resource ?? [])])
      addVariables(pattern, variableKeys);
    for (const condition of statement.condition ?? []) {
      conditionKeys.add(condition.key);
      if (condition.op === "ip") ipKeys.add(condition.key);
      for (const value of condition.values) addVariables(value, variableKeys);
    }
  }
  return { ipKeys, variableKeys, contextKeys: new Set([...conditionKeys, ...variableKeys]) };
}

/**
 * An IP address in the one spelling the library parses reliably: IPv4 as dotted decimal, an
 * IPv4-mapped IPv6 address as its IPv4 address, any other IPv6 address as eight groups of
 * lower-case hexadecimal. Undefined for anything else, a CIDR range or zone included.
 * @internal
 */
export function canonicalIp(text: string): string | undefined {
  if (isIPv4(text)) return text;
  if (!isIPv6(text) || text.includes("%")) return undefined;
  let groups: number[] = [];
  let body = text.toLowerCase();
  const lastColon = body.lastIndexOf(":");
  const tail = body.slice(lastColon + 1);
  let v4: number[] = [];
  if (tail.includes(".")) {
    v4 = tail.split(".").map(Number);
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const [head = "", rest] = body.split("::");
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  if (rest === undefined) groups = parse(head);
  else {
    const left = parse(head);
    const right = parse(rest);
    groups = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  }
  if (v4.length === 4) {
    groups[6] = ((v4[0] as number) << 8) | (v4[1] as number);
    groups[7] = ((v4[2] as number) << 8) | (v4[3] as number);
  }
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff))
    return undefined;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return groups.map((g) => g.toString(16)).join(":");
}

function tooLong(value: unknown): boolean {
  return typeof value === "string" && value.length > MAX_VARIABLE_LENGTH;
}

/**
 * Prepares a snapshot in place for what the policy reads: IP values in the spelling the
 * library parses (a value that is no address becomes unknown, so a Deny on it applies and an
 * Allow does not), and a reason to deny when a value filled into a pattern is too long.
 * Runs after the input's shape was checked.
 * @internal
 */
export function prepareSnapshot(input: EvaluationInput, needs: InputNeeds): string | undefined {
  if (needs.variableKeys.size > 0) {
    const principal = input.principal as Record<string, unknown> | undefined;
    if (typeof principal === "object" && principal !== null) {
      const tags = principal.tags;
      if (
        Object.values(principal).some(tooLong) ||
        (typeof tags === "object" && tags !== null && Object.values(tags).some(tooLong))
      )
        return `a principal value is longer than ${MAX_VARIABLE_LENGTH} characters, the most keycard fills into a policy variable`;
    }
    if (tooLong(input.region))
      return `the region is longer than ${MAX_VARIABLE_LENGTH} characters, the most keycard fills into a policy variable`;
  }
  if (needs.variableKeys.size === 0 && needs.ipKeys.size === 0) return undefined;
  for (const [i, request] of input.requests.entries()) {
    let context = request.context as Record<string, unknown> | undefined;
    if (context === undefined) continue;
    for (const name of Object.keys(context)) {
      const key = foldKey(name);
      const value = context[name];
      if (needs.variableKeys.has(key) && tooLong(value))
        return `requests[${i}].context.${name} is longer than ${MAX_VARIABLE_LENGTH} characters, the most keycard fills into a policy variable`;
      if (!needs.ipKeys.has(key)) continue;
      const list = Array.isArray(value) ? value : [value];
      const canonical = list.map((v) => (typeof v === "string" ? canonicalIp(v) : undefined));
      // A sealed context's copy is shared by later inputs: this request gets a copy of its own.
      if (Object.isFrozen(context)) {
        context = thawed(context);
        request.context = context as typeof request.context;
      }
      if (canonical.every((v) => v !== undefined)) {
        // Defined rather than assigned: JSON.parse may have made an own `__proto__` key.
        Object.defineProperty(context, name, {
          value: Array.isArray(value) ? canonical : canonical[0],
          enumerable: true,
          writable: true,
          configurable: true,
        });
        continue;
      }
      // Not an address: IAM would not match it as one, and keycard cannot say how AWS reads it.
      if (request.unknownContext !== undefined && !Array.isArray(request.unknownContext))
        return `requests[${i}].unknownContext must be a list of condition keys`;
      delete context[name];
      const unknown = Array.isArray(request.unknownContext) ? [...request.unknownContext] : [];
      unknown.push(key);
      request.unknownContext = unknown;
    }
  }
  return undefined;
}

/** A copy of a frozen copy (see {@link copyRecord}) that can be changed. */
function thawed(frozen: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = copyRecord();
  for (const key of Object.keys(frozen)) setMember(out, key, frozen[key]);
  return out;
}
