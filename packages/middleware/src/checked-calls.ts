/**
 * The calls that one plugin's check passed on, by the input copy the check made for each call
 * and handed on in place of the input: one per call, even when the SDK shares one handler
 * context between calls (`cacheMiddleware: true`). Only keycard's modules can mark a call as
 * checked.
 * @internal
 */
export interface CheckedCalls {
  /** Marks an input as checked by this plugin; values that are not objects are never marked. */
  add(input: unknown): void;
  /** Whether this plugin marked the input; runs no code of the input's (no proxy trap). */
  has(input: unknown): boolean;
}

/** A base class whose constructor returns its argument, so a subclass adds its fields to it. */
class Target {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: how a private mark reaches an existing object
    return target;
  }
}

const isObject = (value: unknown): value is object =>
  (typeof value === "object" && value !== null) || typeof value === "function";

/**
 * A new, empty set of checked calls. Each marks an input with a private field of a class made
 * for that set alone: no other code can read, copy or add it (not `Reflect.ownKeys`, a spread
 * or a proxy), and another plugin's set does not see it. A `WeakSet` did the same at about a
 * microsecond a call, the cost of an entry the garbage collector must trace; a private field is
 * an ordinary property add. An input the field cannot be added to (a runtime that refuses
 * private fields on non-extensible objects) is kept in a `WeakSet` instead.
 * @internal
 */
export function checkedCalls(): CheckedCalls {
  let fallback: WeakSet<object> | undefined;
  class CheckedMark extends Target {
    readonly #checked = true;

    static marked(input: object): boolean {
      return #checked in input;
    }

    static mark(input: object): void {
      if (#checked in input) return;
      try {
        new CheckedMark(input);
      } catch {
        fallback ??= new WeakSet();
        fallback.add(input);
      }
    }
  }
  return {
    add(input) {
      if (isObject(input)) CheckedMark.mark(input);
    },
    has(input) {
      if (!isObject(input)) return false;
      return CheckedMark.marked(input) || fallback?.has(input) === true;
    },
  };
}
