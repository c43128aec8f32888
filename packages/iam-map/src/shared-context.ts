/**
 * Requests of the same kind of call mostly carry the same context and the same list of unknown
 * keys: the global keys change once a second and a service's keys with its input options. When
 * a call's context or list equals the last one made for its key plan, it is frozen and kept, and
 * later equal ones are handed out as that same object: a consumer that has read a frozen object
 * once (the engine does) can reuse what it read, since a frozen object of plain values cannot
 * change. A context that differs on every call (a copy source, an encryption context) is left as
 * it is, so that nothing is frozen or kept for a single use.
 */
import type { ContextValue } from "./types.js";

/**
 * The last context and list made for one key plan (see `call.ts`). Each member is the object's
 * own from the start (see {@link lastFor}).
 */
interface LastShared {
  /** The context kept to hand out again, once one equal to the last was made. */
  context: Readonly<Record<string, ContextValue>> | undefined;
  /** The last context's keys and values. */
  keys: readonly string[] | undefined;
  values: readonly unknown[] | undefined;
  /** The last list made: the one kept to hand out again once it is sealed. */
  unknown: readonly string[] | undefined;
}

const lastShared = new WeakMap<object, LastShared>();

/**
 * The contexts and lists keycard froze itself. A caller handed an unfrozen one may change it and
 * freeze it; only one of these is ever handed out again.
 */
const sealed = new WeakSet<object>();

/** Whether keycard froze this context or list itself, so it may be handed out again. @internal */
export function sealedByKeycard(value: object): boolean {
  return sealed.has(value);
}

/** Freezes a context or list keycard made, as one it may hand out again. @internal */
export function seal<T extends object>(value: T): T {
  Object.freeze(value);
  sealed.add(value);
  return value;
}

function lastFor(owner: object): LastShared {
  let last = lastShared.get(owner);
  if (last === undefined) {
    // Every member defined here: writing one the object did not have would hand it to a setter
    // code in the process put on `Object.prototype` under that name, to keep and change.
    last = { context: undefined, keys: undefined, values: undefined, unknown: undefined };
    lastShared.set(owner, last);
  }
  return last;
}

function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return type === "string" || type === "number" || type === "boolean";
}

/**
 * The equal context last kept for `owner` (the same keys in the same order with the same values),
 * or `context`: when it equals the last one made, a frozen copy of it is kept and returned; it is
 * returned as it is otherwise. A context holding a list is returned as it is: a frozen object
 * whose members can change would not read the same later.
 * @internal
 */
export function sharedContext(
  owner: object,
  context: Record<string, ContextValue>,
): Readonly<Record<string, ContextValue>> {
  // Two native lists rather than a keyed load per member, which is slower across the many
  // shapes contexts come in.
  const values = Object.values(context);
  for (let i = 0; i < values.length; i++) if (!isPrimitive(values[i])) return context;
  const keys = Object.keys(context);
  const last = lastFor(owner);
  const previous = last.context;
  const same = sameList(last.keys, keys) && sameList(last.values, values);
  if (same && previous !== undefined) return previous;
  last.keys = keys;
  last.values = values;
  // A caller may change a context it was handed unfrozen, so none is frozen after the fact: the
  // next equal one is kept. Kept as a copy made from the keys and values just read, not as it
  // is: its members were written one by one, and one written where a setter on
  // `Object.prototype` was handed the context could since have been changed.
  last.context = same ? seal(copyOf(keys, values)) : undefined;
  return last.context ?? context;
}

/** A context of these keys and values (`Object.fromEntries` defines them: no setter runs). */
function copyOf(
  keys: readonly string[],
  values: readonly unknown[],
): Readonly<Record<string, ContextValue>> {
  return Object.fromEntries(keys.map((key, i) => [key, values[i] as ContextValue]));
}

/**
 * The equal list last kept for `owner`, or `list`: when it equals the last one made, a frozen
 * copy of it is kept and returned. @internal
 */
export function sharedUnknown(owner: object, list: string[]): readonly string[] {
  if (sealed.has(list)) return list;
  const last = lastFor(owner);
  const previous = last.unknown;
  const same = sameList(previous, list);
  if (same && sealed.has(previous as object)) return previous as readonly string[];
  // Copies (`slice` defines every entry), not the list: it was filled with `push`, where a
  // setter on `Array.prototype` could have been handed it.
  const copy = list.slice();
  last.unknown = same ? seal(copy) : copy;
  return same ? copy : list;
}

function sameList(a: readonly unknown[] | undefined, b: readonly unknown[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
