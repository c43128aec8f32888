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

/** The last context and list handed out for one key plan (see `call.ts`). */
interface LastShared {
  context?: Readonly<Record<string, ContextValue>>;
  keys?: readonly string[];
  values?: readonly unknown[];
  unknown?: readonly string[];
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
    last = {};
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
 * or `context`: frozen and kept when it equals the last one made, as it is otherwise. A context
 * holding a list is returned as it is: a frozen object whose members can change would not read
 * the same later.
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
  const same =
    previous !== undefined &&
    sameList(last.keys as readonly unknown[], keys) &&
    sameList(last.values as readonly unknown[], values);
  if (same && sealed.has(previous)) return previous;
  // Kept as made: a caller may change a context it was handed unfrozen, so it is never frozen
  // after the fact; the next equal one is.
  if (same) seal(context);
  last.context = context;
  last.keys = keys;
  last.values = values;
  return context;
}

/**
 * The equal list last kept for `owner`, or `list`: frozen and kept when it equals the last one
 * made. @internal
 */
export function sharedUnknown(owner: object, list: string[]): readonly string[] {
  if (sealed.has(list)) return list;
  const last = lastFor(owner);
  const previous = last.unknown;
  const same = sameList(previous, list);
  if (same && sealed.has(previous as object)) return previous as readonly string[];
  if (same) seal(list);
  last.unknown = list;
  return list;
}

function sameList(a: readonly unknown[] | undefined, b: readonly unknown[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
