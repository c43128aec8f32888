export {
  addedArrayPrototypeIndexes,
  addedObjectPrototypeMembers,
  addedProtocolHook,
  isAddedObjectPrototypeMember,
  lockPrototypes,
  prototypePollution,
} from "@keycard/iam-reference";

// Taken when the module loads: code that replaces it later cannot change what is read.
const hasOwn = Object.hasOwn;

/**
 * Whether `object` has `key` as a member of its own. The mapping's tables, contexts and rule
 * variables are ordinary objects: `key in object`, `object[key]` and `for … in` would also find
 * a member code in the process added to `Object.prototype`, and take it for a value a rule gave.
 * @internal
 */
export function hasOwnMember(object: object, key: string): boolean {
  return hasOwn(object, key);
}

/** `table[key]` when the table has it of its own (see {@link hasOwnMember}). @internal */
export function ownMember<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return hasOwn(table, key) ? table[key] : undefined;
}

/**
 * A prototype for input records that inherit nothing a member could be read from: it holds
 * `Object.prototype`'s standard methods (so code that treats a record as an ordinary object,
 * `record.hasOwnProperty(…)` or `String(record)`, keeps working) and nothing else, inherits
 * nothing, and is frozen, so a member added to `Object.prototype` (or to it) is never read
 * through it. iam-map reads records made from it by their own members only. Objects made from it
 * keep V8's fast property layout, unlike `Object.create(null)`.
 */
export const RECORD_PROTOTYPE: object = Object.freeze(
  Object.create(
    null,
    Object.fromEntries(
      [
        "constructor",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
      ].map((name) => [
        name,
        {
          value: (Object.prototype as unknown as Record<string, unknown>)[name],
          enumerable: false,
          writable: false,
          configurable: false,
        },
      ]),
    ),
  ),
);
