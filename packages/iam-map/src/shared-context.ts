/**
 * Requests of the same kind of call mostly carry the same context and the same list of unknown
 * keys: the global keys change once a second and a service's keys with its input options. Each
 * new context or list is frozen and the last one handed out per key plan is kept, so that an
 * equal one is handed out as the same object: a consumer that has read a frozen object once
 * (the engine does) can reuse what it read, since a frozen object of plain values cannot
 * change.
 */
import type { ContextValue } from "./types.js";

/** The last context and list handed out for one key plan (see `call.ts`). */
interface LastShared {
  context?: Readonly<Record<string, ContextValue>>;
  keys?: readonly string[];
  unknown?: readonly string[];
}

const lastShared = new WeakMap<object, LastShared>();

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
 * `context`, frozen, or the equal context last handed out for `owner` (the same keys in the
 * same order with the same values). A context holding a list is returned as it is: a frozen
 * object whose members can change would not read the same later.
 * @internal
 */
export function sharedContext(
  owner: object,
  context: Record<string, ContextValue>,
): Readonly<Record<string, ContextValue>> {
  const keys = Object.keys(context);
  for (let i = 0; i < keys.length; i++) if (!isPrimitive(context[keys[i]!])) return context;
  const last = lastFor(owner);
  const previous = last.context;
  const previousKeys = last.keys;
  if (previous !== undefined && previousKeys !== undefined && sameKeys(previousKeys, keys)) {
    let same = true;
    for (let i = 0; i < keys.length && same; i++) same = previous[keys[i]!] === context[keys[i]!];
    if (same) return previous;
  }
  Object.freeze(context);
  last.context = context;
  last.keys = keys;
  return context;
}

/** `list`, frozen, or the equal list last handed out for `owner`. @internal */
export function sharedUnknown(owner: object, list: string[]): readonly string[] {
  if (Object.isFrozen(list)) return list;
  const last = lastFor(owner);
  const previous = last.unknown;
  if (previous !== undefined && sameKeys(previous, list)) return previous;
  Object.freeze(list);
  last.unknown = list;
  return list;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
