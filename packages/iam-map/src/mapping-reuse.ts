/**
 * Calls of one operation that differ only in the name of what they act on (a new S3 object key on
 * every call) map to the same requests with that name in their resource ARNs. Where a service's
 * rules say an operation's mapping uses a member only that way, the mapping of such a call is
 * made once for its "class" (everything the mapping reads except that member's text) and reused
 * by putting the new name where the old one stood.
 *
 * The rules' word is checked, not trusted, whenever a class is made: the call is mapped afresh,
 * and twice more with the member set to two random names of different shape (one with `/` and a
 * space). The class is reused only if the two sentinel mappings are the same with the names
 * swapped, the names appear nowhere but in resource ARNs, and the reused form of the call's own
 * mapping equals its fresh one. Anything the check cannot see goes to the fresh mapping: inputs
 * that are not plain objects or records of data members, members that are not primitives, names
 * that are not plain text, plain objects while `Object.prototype` has added members, and
 * classes made while it has.
 */
import { randomFillSync } from "node:crypto";
import { types } from "node:util";
import { asString } from "./input-view.js";
import {
  addedObjectPrototypeMembers,
  prototypePollution,
  RECORD_PROTOTYPE,
} from "./object-prototype.js";
import { sealedByKeycard } from "./shared-context.js";
import type { AuthorizationRequest, AuthorizationResult, ContextValue } from "./types.js";

// Taken when the module loads: code that replaces them later cannot change what reuse sees.
const {
  create,
  freeze,
  fromEntries,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  hasOwn,
  keys: ownKeys,
} = Object;
const { isProxy } = types;
const { isArray } = Array;
const { isView } = ArrayBuffer;
const { stringify } = JSON;
// From `node:crypto`, which the SDK has loaded already: the global `crypto` loads Web Crypto on
// first use, about a millisecond of an application's cold start.
const randomValues = randomFillSync;
const objectPrototype = Object.prototype;

/**
 * Members of one operation's input that a mapping can be reused across (see the module comment).
 * @internal
 */
export interface ReusableMembers {
  /** The member naming the resource, whose text goes only into the requests' resource ARNs. */
  readonly name: string;
  /** A payload member (an S3 `Body`) whose content the mapping never reads: its kind counts. */
  readonly payload?: string;
}

/** What a call's mapping depends on besides its input (see `authorization.ts`). @internal */
export interface CallSetting {
  /** The call's global context: one object while the second, caller and region stay the same. */
  readonly global: Readonly<Record<string, ContextValue>>;
  readonly region: string | undefined;
  readonly account: string | undefined;
  readonly partition: string;
  /** A frozen list of the operation's member names, or undefined. */
  readonly inputMembers: readonly string[] | undefined;
  /** Changes whenever IAM reference data for another prefix is loaded. */
  readonly catalogs: number;
}

/** S3 keys are at most 1,024 bytes: longer names are mapped afresh. */
const MAX_NAME = 1024;
/** Inputs with more members than this are mapped afresh (no S3 object call sends as many). */
const MAX_MEMBERS = 32;
/** Classes kept per operation: the buckets or tables an application uses at once. */
const CLASSES = 4;
/** Classes made in a row without a reuse before making them is slowed down. */
const MISSES_BEFORE_SAMPLING = 8;
/** While classes keep missing, one call in this many may make one. */
const SAMPLE_EVERY = 32;

/** One input read for reuse: its member names and values, and the name member's text. */
interface ReadInput {
  readonly proto: object | null;
  readonly keys: readonly string[];
  /** Values, with the name member's replaced by undefined and a payload's by its kind. */
  readonly values: readonly unknown[];
  readonly name: string;
  /** The payload member's value as read, when the input has it. */
  readonly payload?: unknown;
}

/** A request of a reusable mapping with the name cut out of its resource. */
interface RequestTemplate {
  readonly action: string;
  /** The resource ARN split where the name stood. */
  readonly resource: readonly string[];
  readonly resourceParts?: ReadonlyArray<readonly string[] | object>;
  readonly context?: Readonly<Record<string, ContextValue>>;
  readonly unknownContext?: readonly string[];
}

interface ResultTemplate {
  readonly service: string;
  readonly requests: readonly RequestTemplate[];
  readonly alsoMayNeed: readonly RequestTemplate[];
  readonly reason: string | undefined;
}

/** Calls that map alike but for the name: the setting, the input's other members, the mapping. */
interface InputClass {
  readonly setting: CallSetting;
  readonly input: ReadInput;
  /** Null when the check found the mapping not reusable: such calls are mapped afresh. */
  readonly template: ResultTemplate | null;
}

/** Calls served by reuse and classes made, in this process (for tests and benchmarks). */
const counts = { reused: 0, made: 0 };

/** How many calls were served by reuse and how many classes were made so far. @internal */
export function mappingReuseCounts(): { readonly reused: number; readonly made: number } {
  return { ...counts };
}

/** While above zero, every call is mapped afresh (see {@link freshMappings}). */
let freshOnly = 0;

/**
 * Runs `run` with every call it makes mapped afresh, never reused: the reference a reused
 * mapping is compared with. @internal
 */
export function freshMappings<T>(run: () => T): T {
  freshOnly++;
  try {
    return run();
  } finally {
    freshOnly--;
  }
}

/** Kinds of payload values: the mapping treats each kind alike whatever its content. */
const EMPTY_TEXT = Symbol("empty text");
const ARN_TEXT = Symbol("text starting with arn:");
const TEXT = Symbol("text");

/**
 * Reuse of one operation's mappings across calls that differ only in the name member.
 * @internal
 */
export class MappingReuse {
  readonly #members: ReusableMembers;
  /**
   * Written in place, never grown: every entry is the list's own from the start (an array
   * literal defines them), so no write meets a setter on `Array.prototype`.
   */
  readonly #classes: Array<InputClass | undefined> = [undefined, undefined, undefined, undefined];
  #next = 0;
  #misses = 0;
  #skip = 0;
  /** Whether a call of the operation was seen: the first is mapped afresh and makes no class. */
  #seen = false;

  constructor(members: ReusableMembers) {
    this.#members = members;
  }

  /**
   * The mapping of a call with `input` in `setting`, reused when a class of it is known, made
   * and checked when not (with `fresh`, which maps an input afresh); undefined when this call is
   * to be mapped afresh by the caller.
   */
  result(
    input: unknown,
    setting: CallSetting,
    fresh: (input: object) => AuthorizationResult,
  ): AuthorizationResult | undefined {
    if (freshOnly > 0) return undefined;
    const read = readInput(input, this.#members);
    if (read === undefined) return undefined;
    // A plain object inherits what code adds to `Object.prototype`, and the SDK sends such a
    // member as the input's own: only a listing of the prototype (about a microsecond) shows
    // there is none. Records made from `RECORD_PROTOTYPE` inherit nothing and skip it.
    if (read.proto === objectPrototype && addedObjectPrototypeMembers().length > 0)
      return undefined;
    for (let i = 0; i < CLASSES; i++) {
      const known = this.#classes[i];
      if (known === undefined) continue;
      if (!sameSetting(known.setting, setting) || !sameInput(known.input, read)) continue;
      if (known.template === null) return undefined;
      this.#misses = 0;
      counts.reused++;
      return instantiate(known.template, read.name);
    }
    // A class costs three mappings and pays off from the next call on: a process that makes one
    // call of an operation (a cold start, a short-lived job) maps it once.
    if (!this.#seen) {
      this.#seen = true;
      return undefined;
    }
    if (this.#misses >= MISSES_BEFORE_SAMPLING) {
      if (this.#skip > 0) {
        this.#skip--;
        return undefined;
      }
      this.#skip = SAMPLE_EVERY - 1;
    }
    this.#misses++;
    return this.#learn(input, read, setting, fresh);
  }

  /**
   * Maps the call afresh, makes and checks its class, and keeps it. Every mapping here is of a
   * copy of the input as it was read once, so the class is made from what its key says.
   */
  #learn(
    input: unknown,
    first: ReadInput,
    setting: CallSetting,
    fresh: (input: object) => AuthorizationResult,
  ): AuthorizationResult {
    // Asked before anything of the class is made, and again below: a setter that removes itself
    // when it first fires leaves the prototypes clean by the time a class made after it is done.
    if (prototypesChanged()) return fresh(copyOf(first, this.#members, first.name, false));
    // The input read again now that no setter is left to be handed the list of its values: the
    // first reading filled it entry by entry, maybe while one still was (it has removed itself
    // since). Nothing has run since that could change the input: it holds data members only.
    const read = readInput(input, this.#members) ?? first;
    const actual = fresh(copyOf(read, this.#members, read.name, false));
    // A member added to `Object.prototype` can stand in for an option a rule leaves out, and an
    // index added to `Array.prototype` for a hole: a class made while there is one, or while
    // code run during the mappings adds one, could keep what it did after it is gone.
    // Nothing is kept from a call made while a prototype has additions: a class made then, even
    // one that only says "not reusable", would be written where a setter could be handed it.
    if (prototypesChanged()) return actual;
    let template = checkedTemplate(read, this.#members, actual, fresh);
    if (prototypesChanged()) return actual;
    if (template !== null) template = frozenTemplate(template);
    const made: InputClass = Object.freeze({ setting, input: read, template });
    counts.made++;
    this.#classes[this.#next] = made;
    this.#next = (this.#next + 1) % CLASSES;
    return actual;
  }
}

/**
 * Whether `Object.prototype` has members added, or `Array.prototype` an index of its own
 * (`Array.prototype[0] = …`, which every hole in an array reads). Listed only when a class is
 * made.
 */
function prototypesChanged(): boolean {
  return prototypePollution() !== undefined;
}

/** The input as a record of data members, or undefined when it is anything else. */
function readInput(input: unknown, members: ReusableMembers): ReadInput | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  // Before any question a proxy could answer as it likes.
  if (isProxy(input) || isArray(input) || isView(input)) return undefined;
  const proto = getPrototypeOf(input) as object | null;
  if (proto !== null && proto !== RECORD_PROTOTYPE && proto !== objectPrototype) return undefined;
  const keys = ownKeys(input);
  if (keys.length > MAX_MEMBERS) return undefined;
  const values: unknown[] = new Array(keys.length);
  let name: string | undefined;
  let payload: unknown;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const member = getOwnPropertyDescriptor(input, key);
    // Own members of the descriptor: `in` would also find a `value` added to `Object.prototype`
    // and take an accessor for a data member.
    if (member === undefined || !hasOwn(member, "value")) return undefined;
    const value: unknown = member.value;
    if (key === members.name) {
      if (typeof value !== "string" || !plainName(value)) return undefined;
      name = value;
      values[i] = undefined;
    } else if (key === members.payload) {
      const kind = payloadKind(value);
      if (kind === undefined) return undefined;
      values[i] = kind;
      payload = value;
    } else if (isPrimitive(value)) values[i] = value;
    else return undefined;
  }
  if (name === undefined) return undefined;
  return payload === undefined
    ? { proto, keys, values, name }
    : { proto, keys, values, name, payload };
}

/** Text the rules can only have placed as a name: non-empty, no ARN, no reserved characters. */
function plainName(text: string): boolean {
  return text.length <= MAX_NAME && asString(text) !== undefined && !text.startsWith("arn:");
}

function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return (
    value === undefined ||
    value === null ||
    type === "string" ||
    type === "number" ||
    type === "boolean" ||
    type === "bigint"
  );
}

/** A payload's kind: text by whether it is empty or starts like an ARN, bytes by their class. */
function payloadKind(value: unknown): unknown {
  if (typeof value === "string")
    return value === "" ? EMPTY_TEXT : value.startsWith("arn:") ? ARN_TEXT : TEXT;
  if (value === undefined || value === null) return value;
  // Bytes are never read as members; streams and other objects may be, so they are not reused.
  // Only the standard kinds: a prototype of another kind (a proxy) could later answer questions
  // about the value, such as `instanceof String`, differently.
  if (typeof value !== "object" || isProxy(value) || !isView(value)) return undefined;
  const proto = getPrototypeOf(value) as object | null;
  return proto !== null && BYTES.has(proto) ? proto : undefined;
}

/** The prototypes of byte payloads: typed arrays, Node's `Buffer` and `DataView`. */
const BYTES: ReadonlySet<object> = new Set(
  [
    Uint8Array,
    Uint8ClampedArray,
    Int8Array,
    Uint16Array,
    Int16Array,
    Uint32Array,
    Int32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
    DataView,
    Buffer,
  ].map((kind) => kind.prototype as object),
);

function sameSetting(a: CallSetting, b: CallSetting): boolean {
  return (
    a.global === b.global &&
    a.region === b.region &&
    a.account === b.account &&
    a.partition === b.partition &&
    a.inputMembers === b.inputMembers &&
    a.catalogs === b.catalogs
  );
}

function sameInput(a: ReadInput, b: ReadInput): boolean {
  if (a.proto !== b.proto || a.keys.length !== b.keys.length) return false;
  for (let i = 0; i < a.keys.length; i++) {
    if (a.keys[i] !== b.keys[i] || a.values[i] !== b.values[i]) return false;
  }
  return true;
}

/** Random text of the kind {@link plainName} accepts, which no input or table can hold by chance. */
function sentinel(shape: "word" | "path"): string {
  const bytes = new Uint8Array(12);
  randomValues(bytes);
  let hex = "";
  // By index: `for … of` would ask `Uint8Array.prototype` for an iterator, which code in the
  // process could have added, and run it amid the mapping.
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] as number).toString(16).padStart(2, "0");
  return shape === "word" ? `kc${hex}` : `Kc/${hex.slice(0, 10)} ${hex.slice(10)}/`;
}

/**
 * The template of `actual` (the call's fresh mapping), or null when the mapping is not shown to
 * use the name member only as a name (see the module comment).
 */
function checkedTemplate(
  read: ReadInput,
  members: ReusableMembers,
  actual: AuthorizationResult,
  fresh: (input: object) => AuthorizationResult,
): ResultTemplate | null {
  if (!actual.known) return null;
  try {
    return checked(read, members, actual, fresh);
  } catch {
    // Text too large to compare, or anything else unforeseen: not reused.
    return null;
  }
}

function checked(
  read: ReadInput,
  members: ReusableMembers,
  actual: AuthorizationResult,
  fresh: (input: object) => AuthorizationResult,
): ResultTemplate | null {
  const first = sentinel("word");
  const second = sentinel("path");
  // Neither sentinel may already be in the input, or its place in a resource would be ambiguous.
  for (const value of read.values)
    if (typeof value === "string" && (value.includes(first) || value.includes(second))) return null;
  if (read.name.includes(first) || read.name.includes(second)) return null;
  const withFirst = fresh(copyOf(read, members, first, true));
  const withSecond = fresh(copyOf(read, members, second, true));
  if (!withFirst.known || !withSecond.known) return null;
  const shape = shapeOf(withFirst, first);
  if (shape === undefined || shape !== shapeOf(withSecond, second)) return null;
  const template = templateOf(withFirst, first);
  // The call's own mapping must be what the template makes of its name.
  if (shapeOf(instantiate(template, read.name), undefined) !== shapeOf(actual, undefined))
    return null;
  return template;
}

/**
 * A copy of the input as it was read, with the name member set to `name`; with `otherText`, a
 * text payload set to other text of its kind, so that a mapping that read the payload's text
 * would map the copies unlike each other. Bytes are kept: the mapping reads no member's bytes.
 */
function copyOf(
  read: ReadInput,
  members: ReusableMembers,
  name: string,
  otherText: boolean,
): object {
  const copy = create(read.proto) as Record<string, unknown>;
  for (let i = 0; i < read.keys.length; i++) {
    const key = read.keys[i]!;
    let value = read.values[i];
    if (key === members.name) value = name;
    else if (key === members.payload) {
      value = read.payload;
      if (otherText && typeof value === "string" && value !== "")
        value = `${value.startsWith("arn:") ? "arn:" : ""}${sentinel("path")}`;
    }
    Object.defineProperty(copy, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/**
 * The mapping as text with `name` marked, or undefined when `name` appears anywhere but in
 * resource ARNs. Member order counts: the reused form must be the fresh one exactly.
 */
function shapeOf(result: AuthorizationResult, name: string | undefined): string | undefined {
  const mark = "\u0000name\u0000";
  let outside = false;
  const text = stringify(result, function (this: unknown, key, value: unknown) {
    if (typeof value !== "string" || name === undefined || !value.includes(name)) return value;
    const inResource =
      key === "resource" || (isArray(this) && this === resourcePartsOf(result, this));
    if (!inResource) outside = true;
    return value.split(name).join(mark);
  });
  return outside ? undefined : text;
}

/** `list` when it is some request's `resourceParts`. */
function resourcePartsOf(result: AuthorizationResult, list: unknown[]): unknown[] | undefined {
  for (const request of [...result.requests, ...result.alsoMayNeed])
    if (request.resourceParts === list) return list;
  return undefined;
}

/**
 * The reusable form of a mapping made with the name `name`. Its members are defined by literals
 * and spreads, never assigned one by one: a template is kept, and an assignment of a member it
 * does not have yet would hand it to a setter on `Object.prototype` of that name.
 */
function templateOf(result: AuthorizationResult, name: string): ResultTemplate {
  const requestTemplate = (request: AuthorizationRequest): RequestTemplate => {
    const parts = request.resourceParts;
    const context = request.context;
    const unknown = request.unknownContext;
    return {
      action: request.action,
      resource: freeze(request.resource.split(name)),
      ...(parts !== undefined
        ? {
            resourceParts: freeze(
              parts.map((part) =>
                typeof part === "string" ? freeze(part.split(name)) : freeze({ ...part }),
              ),
            ),
          }
        : undefined),
      ...(context !== undefined ? { context: frozenContext(context) } : undefined),
      ...(unknown !== undefined
        ? { unknownContext: sealedByKeycard(unknown) ? unknown : freeze([...unknown]) }
        : undefined),
    };
  };
  return {
    service: result.service,
    requests: result.requests.map(requestTemplate),
    alsoMayNeed: result.alsoMayNeed.map(requestTemplate),
    reason: result.reason,
  };
}

/** The template and everything in it frozen: it is handed out, in parts, on every reused call. */
function frozenTemplate(template: ResultTemplate): ResultTemplate {
  for (const list of [template.requests, template.alsoMayNeed]) {
    for (const request of list) freeze(request);
    freeze(list);
  }
  return freeze(template);
}

/** A context every reused mapping can share: frozen, with frozen lists (kept as is when it is). */
function frozenContext(
  context: Readonly<Record<string, ContextValue>>,
): Readonly<Record<string, ContextValue>> {
  // One keycard froze itself holds no lists; one a caller froze may hold anything.
  if (sealedByKeycard(context)) return context;
  // `fromEntries` defines each member: an assignment would hand the copy to a setter.
  return freeze(
    fromEntries(
      ownKeys(context).map((key) => {
        const value = context[key]!;
        return [key, isArray(value) ? freeze([...value]) : value];
      }),
    ),
  );
}

/** The mapping a template stands for with `name` as the name. */
function instantiate(template: ResultTemplate, name: string): AuthorizationResult {
  const result: AuthorizationResult = {
    known: true,
    service: template.service,
    requests: requestsOf(template.requests, name),
    alsoMayNeed: requestsOf(template.alsoMayNeed, name),
  };
  if (template.reason !== undefined) result.reason = template.reason;
  return result;
}

function requestsOf(templates: readonly RequestTemplate[], name: string): AuthorizationRequest[] {
  const out: AuthorizationRequest[] = new Array(templates.length);
  for (let i = 0; i < templates.length; i++) {
    const t = templates[i]!;
    const resource = joinName(t.resource, name);
    // Members in the order the fresh mapping sets them (see `call.ts`).
    const request: AuthorizationRequest =
      t.resourceParts === undefined
        ? { action: t.action, resource }
        : {
            action: t.action,
            resource,
            resourceParts: t.resourceParts.map((part) =>
              isArray(part) ? joinName(part, name) : part,
            ) as AuthorizationRequest["resourceParts"],
          };
    if (t.context !== undefined) request.context = t.context;
    if (t.unknownContext !== undefined) request.unknownContext = t.unknownContext;
    out[i] = request;
  }
  return out;
}

function joinName(pieces: readonly string[], name: string): string {
  if (pieces.length === 1) return pieces[0]!;
  if (pieces.length === 2) return pieces[0]! + name + pieces[1]!;
  return pieces.join(name);
}
