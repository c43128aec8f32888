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
  /**
   * Whether this plugin marked the input, or a copy another plugin's check made of one it
   * marked (a client with two keycard plugins); runs no code of the input's (no proxy trap).
   */
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

/** Inputs that some keycard plugin's check passed on, whichever plugin it was. */
class PassedOn extends Target {
  readonly #passedOn = true;

  static is(input: object): boolean {
    return #passedOn in input;
  }

  static mark(input: object): void {
    if (!(#passedOn in input)) new PassedOn(input);
  }
}

/**
 * The input a check copied, on the copy, when that input was one another plugin's check had
 * passed on: with two plugins on a client the second check hands on its own copy, and the first
 * plugin's gate follows this link back to the copy it marked. Only keycard's checks write it, so
 * an input swapped between two checks by anything else has no link to a marked copy.
 */
class CopiedFrom extends Target {
  readonly #from: object;

  constructor(copy: object, from: object) {
    super(copy);
    this.#from = from;
  }

  static of(copy: object): object | undefined {
    return #from in copy ? copy.#from : undefined;
  }

  static link(copy: object, from: object): void {
    if (!(#from in copy)) new CopiedFrom(copy, from);
  }
}

/**
 * Most keycard plugins one client may carry: each later check adds one link for the earlier
 * gates to follow. `keycardPlugin` refuses to add another beyond it.
 * @internal
 */
export const MAX_PLUGINS_PER_CLIENT = 16;
const MAX_LINKS = MAX_PLUGINS_PER_CLIENT - 1;

/**
 * Records that a check copied `input` into `copy`, for the gates of plugins whose checks came
 * before it. Nothing is recorded unless `input` is a copy a keycard check passed on.
 * @internal
 */
export function recordCopy(copy: object, input: unknown): void {
  if (isObject(input) && PassedOn.is(input) && copy !== input) {
    try {
      CopiedFrom.link(copy, input);
    } catch {
      // A copy that cannot take the link fails closed: the earlier plugins' gates refuse it.
    }
  }
}

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
  const marked = (input: object) => CheckedMark.marked(input) || fallback?.has(input) === true;
  return {
    add(input) {
      if (!isObject(input)) return;
      CheckedMark.mark(input);
      try {
        PassedOn.mark(input);
      } catch {
        // Only later plugins' gates read it: without it they refuse, which fails closed.
      }
    },
    has(input) {
      let at: object | undefined = isObject(input) ? input : undefined;
      for (let links = 0; at !== undefined && links <= MAX_LINKS; links++) {
        if (marked(at)) return true;
        at = CopiedFrom.of(at);
      }
      return false;
    },
  };
}
