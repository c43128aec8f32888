/**
 * Calls of one operation that differ only in the name of what they act on (a new S3 object key on
 * every call) map to the same requests with that name in their resource ARNs, or, for DynamoDB
 * items, as the one entry of `dynamodb:LeadingKeys` (a new partition key value). Where a service's
 * rules say an operation's mapping uses a member only that way, the mapping of such a call is
 * made once for its "class" (everything the mapping reads except that member's text) and reused
 * by putting the new name where the old one stood.
 *
 * The rules' word is checked, not trusted, whenever a class is made: the call is mapped afresh,
 * and twice more with the member set to two random names of different shape (one with `/` and a
 * space). The class is reused only if the two sentinel mappings are the same with the names
 * swapped, the names appear nowhere but in resource ARNs (and as the whole of the one entry of the
 * context list the operation names, if it names one), and the reused form of the call's own
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
const { ownKeys: allOwnKeys, defineProperty: defineMember } = Reflect;
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
  /**
   * A context key whose list holds the name as its only entry: the name member then holds the
   * name as a DynamoDB key of one attribute, `{ <attribute>: { S: <name> } }`, and the attribute's
   * name is one of the members the class is made of.
   */
  readonly contextKey?: string;
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
  /** The context key whose list is the name alone, in a context of each call's own. */
  readonly contextName?: string;
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
  ): AuthorizationResult | undefined {
    // Asked before anything of the class is made, and again below: a setter that removes itself
    // when it first fires leaves the prototypes clean by the time a class made after it is done.
    if (prototypesChanged()) return fresh(copyOf(first, this.#members, first.name, false));
    // The input read again now that no setter is left: a class is made only from a reading no
    // code in the process ran during. An input that reads otherwise now was changed by code run
    // amid the first reading, and is mapped afresh as it is, with nothing kept.
    const read = readInput(input, this.#members);
    if (read === undefined || read.name !== first.name || !sameInput(read, first)) return undefined;
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
    // The payload is left out: matching asks only its kind, and a class may be kept for as long
    // as the process runs (an upload's buffer with it).
    const kept: ReadInput = {
      proto: read.proto,
      keys: read.keys,
      values: read.values,
      name: read.name,
    };
    const made: InputClass = Object.freeze({ setting, input: kept, template });
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
  // A list whose every entry is its own from the start (a second listing of the same members),
  // written over: filling a new list would hand it to a setter on `Array.prototype` or
  // `Object.prototype` of each index, to keep and change after. Defining each entry instead
  // costs about 0.4 µs an entry.
  const values: unknown[] = ownKeys(input);
  if (values.length !== keys.length) return undefined;
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
      if (members.contextKey === undefined) {
        if (typeof value !== "string" || !plainName(value)) return undefined;
        name = value;
        values[i] = undefined;
      } else {
        const item = itemKey(value, proto);
        if (item === undefined) return undefined;
        name = item.text;
        values[i] = item.attribute;
      }
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

/**
 * A DynamoDB key of one attribute holding text, `{ <attribute>: { S: <text> } }`, made of records
 * with the input's own prototype and no other member (not even a hidden one); undefined for
 * anything else, which is mapped afresh.
 */
function itemKey(
  value: unknown,
  proto: object | null,
): { readonly attribute: string; readonly text: string } | undefined {
  const attribute = soleMember(value, proto);
  if (attribute === undefined) return undefined;
  const typed = soleMember(attribute.value, proto);
  if (typed === undefined || typed.key !== "S") return undefined;
  const text = typed.value;
  if (typeof text !== "string" || !plainName(text)) return undefined;
  return { attribute: attribute.key, text };
}

/** The one member of a record with prototype `proto`, when it has exactly one, a data member. */
function soleMember(
  value: unknown,
  proto: object | null,
): { readonly key: string; readonly value: unknown } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (isProxy(value) || isArray(value) || isView(value)) return undefined;
  if (getPrototypeOf(value) !== proto) return undefined;
  const names = allOwnKeys(value);
  if (names.length !== 1) return undefined;
  const key = names[0];
  if (typeof key !== "string") return undefined;
  const member = getOwnPropertyDescriptor(value, key);
  // Enumerable too: the SDK lists a key's attributes with `Object.entries`, which skips others.
  if (member === undefined || !hasOwn(member, "value") || member.enumerable !== true)
    return undefined;
  return { key, value: member.value };
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
  const shape = shapeOf(withFirst, first, members.contextKey);
  if (shape === undefined || shape !== shapeOf(withSecond, second, members.contextKey)) return null;
  const template = templateOf(withFirst, first, members.contextKey);
  // The call's own mapping must be what the template makes of its name.
  if (
    shapeOf(instantiate(template, read.name), undefined, undefined) !==
    shapeOf(actual, undefined, undefined)
  )
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
    if (key === members.name)
      value =
        members.contextKey === undefined ? name : itemKeyOf(read.proto, value as string, name);
    else if (key === members.payload) {
      value = read.payload;
      if (otherText && typeof value === "string" && value !== "")
        value = `${value.startsWith("arn:") ? "arn:" : ""}${sentinel("path")}`;
    }
    setMember(copy, key, value);
  }
  return copy;
}

/** `{ <attribute>: { S: <text> } }` made of records with prototype `proto`. */
function itemKeyOf(proto: object | null, attribute: string, text: string): object {
  const typed = create(proto) as object;
  setMember(typed, "S", text);
  const key = create(proto) as object;
  setMember(key, attribute, typed);
  return key;
}

/** Defines a data member: an assignment would hand the value to a setter on the prototype. */
function setMember(target: object, key: string | number, value: unknown): void {
  defineMember(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The mapping as text with `name` marked, or undefined when `name` appears anywhere but in
 * resource ARNs or as the whole of the one entry of a request's `contextKey` list. Member order
 * counts: the reused form must be the fresh one exactly.
 */
function shapeOf(
  result: AuthorizationResult,
  name: string | undefined,
  contextKey: string | undefined,
): string | undefined {
  const mark = "\u0000name\u0000";
  let outside = false;
  const text = stringify(result, function (this: unknown, key, value: unknown) {
    if (typeof value !== "string" || name === undefined || !value.includes(name)) return value;
    const inResource =
      key === "resource" ||
      (isArray(this) &&
        (this === resourcePartsOf(result, this) ||
          (value === name &&
            this.length === 1 &&
            this === contextListOf(result, this, contextKey))));
    if (!inResource) outside = true;
    return value.split(name).join(mark);
  });
  return outside ? undefined : text;
}

/** `list` when it is the `contextKey` list of some request's context. */
function contextListOf(
  result: AuthorizationResult,
  list: unknown[],
  contextKey: string | undefined,
): unknown[] | undefined {
  if (contextKey === undefined) return undefined;
  for (const request of [...result.requests, ...result.alsoMayNeed]) {
    const context = request.context;
    if (context !== undefined && hasOwn(context, contextKey) && context[contextKey] === list)
      return list;
  }
  return undefined;
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
function templateOf(
  result: AuthorizationResult,
  name: string,
  contextKey: string | undefined,
): ResultTemplate {
  // Requests that shared a context share its frozen copy, and so each call's own (see
  // `requestsOf`), as the fresh mapping's requests share theirs.
  const sources: object[] = [];
  const copies: Array<Readonly<Record<string, ContextValue>>> = [];
  const frozenOnce = (context: Readonly<Record<string, ContextValue>>) => {
    for (let i = 0; i < sources.length; i++) if (sources[i] === context) return copies[i]!;
    const copy = frozenContext(context);
    setMember(sources, sources.length, context);
    setMember(copies, copies.length, copy);
    return copy;
  };
  const requestTemplate = (request: AuthorizationRequest): RequestTemplate => {
    const parts = request.resourceParts;
    const context = request.context;
    const unknown = request.unknownContext;
    const named =
      contextKey !== undefined && context !== undefined && soleEntry(context, contextKey, name);
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
      ...(context !== undefined ? { context: frozenOnce(context) } : undefined),
      ...(named ? { contextName: contextKey } : undefined),
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

/** Whether the context's `key` list has `name` as its one entry. */
function soleEntry(
  context: Readonly<Record<string, ContextValue>>,
  key: string,
  name: string,
): boolean {
  if (!hasOwn(context, key)) return false;
  const list = context[key];
  return isArray(list) && list.length === 1 && list[0] === name;
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

/**
 * The last template context given the name in the call being instantiated, and the call's own
 * copy of it: one holder for every call, emptied before and after each (no code but keycard's
 * runs meanwhile), rather than one allocated on every reused call.
 */
const contexts: {
  template: Readonly<Record<string, ContextValue>> | undefined;
  call: Record<string, ContextValue> | undefined;
} = { template: undefined, call: undefined };

/** The mapping a template stands for with `name` as the name. */
function instantiate(template: ResultTemplate, name: string): AuthorizationResult {
  contexts.template = undefined;
  contexts.call = undefined;
  const result: AuthorizationResult = {
    known: true,
    service: template.service,
    requests: requestsOf(template.requests, name),
    alsoMayNeed: requestsOf(template.alsoMayNeed, name),
  };
  // Not kept past the call: the copy is the caller's.
  contexts.template = undefined;
  contexts.call = undefined;
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
    if (t.context !== undefined) {
      if (t.contextName === undefined) request.context = t.context;
      else {
        if (contexts.template !== t.context) {
          contexts.template = t.context;
          // A literal defines its members, where the fresh mapping's context has them: the key
          // keeps its place, and no setter on `Object.prototype` is handed the list.
          contexts.call = { ...t.context, [t.contextName]: [name] };
        }
        request.context = contexts.call;
      }
    }
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
