// Whether code in the process added to the prototypes the language's own values inherit from,
// as every keycard package checks it before it keeps anything for later calls or decides one:
// one implementation, here, in the package every other one depends on.

/**
 * The members the language gives `Object.prototype`. None is an input member of any AWS
 * operation; anything else there was put there by code in the process.
 */
const STANDARD: ReadonlySet<string> = new Set([
  "constructor",
  "__defineGetter__",
  "__defineSetter__",
  "hasOwnProperty",
  "__lookupGetter__",
  "__lookupSetter__",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toString",
  "valueOf",
  "__proto__",
  "toLocaleString",
]);

// Taken when the module loads: code that replaces them later cannot hide what it added.
const hasOwn = Object.hasOwn;
const ownKeys = Reflect.ownKeys;
const OBJECT_PROTOTYPE = Object.prototype;
const ARRAY_PROTOTYPE = Array.prototype;
const ownNames = Object.getOwnPropertyNames;

/**
 * Whether `Object.prototype` has a member of this name of its own beyond the standard ones: one
 * every plain object inherits. A lookup of one name, where {@link addedObjectPrototypeMembers}
 * lists every name the prototype has (about 1 µs: V8 keeps `Object.prototype` as a dictionary).
 * @internal
 */
export function isAddedObjectPrototypeMember(name: string): boolean {
  return hasOwn(OBJECT_PROTOTYPE, name) && !STANDARD.has(name);
}

/**
 * The names `Object.prototype` has of its own beyond the standard ones, enumerable or not: each
 * is a member every plain object inherits, which the SDK's serializer reads as an input member
 * of the same name. Symbol-keyed members are listed too, as `Symbol(description)`: the SDK keeps
 * what it works out per operation under `Symbol.for` keys on its schema objects, and a missing
 * one is looked up on the prototype like any name. Empty for an untouched prototype, which has
 * no symbol-keyed members.
 */
export function addedObjectPrototypeMembers(): string[] {
  // One listing of names and symbols: each listing of the prototype costs about a microsecond.
  const keys = ownKeys(OBJECT_PROTOTYPE);
  const added: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string | symbol;
    if (typeof key === "symbol") added.push(String(key));
    else if (!STANDARD.has(key)) added.push(key);
  }
  return added;
}

/**
 * The indexes `Array.prototype` has of its own (`Array.prototype[0] = …`): every hole in any
 * array reads them, as if the array held the value. Empty for an untouched prototype, whose
 * length is 0 until an index is added (then only the names are listed).
 * @public
 */
export function addedArrayPrototypeIndexes(): string[] {
  if (ARRAY_PROTOTYPE.length === 0) return [];
  // `filter` defines the entries of the list it makes: pushing onto an empty list would meet
  // the very index being looked for.
  return ownNames(ARRAY_PROTOTYPE).filter(isIndexName);
}

function isIndexName(name: string): boolean {
  const first = name.charCodeAt(0);
  return first >= 48 && first <= 57;
}

/**
 * Methods the language looks up on a value's prototype when the value is given to a string or
 * array method (`text.split(":")` asks the separator's prototype, `String.prototype`, for
 * `Symbol.split`). None of these prototypes has any of them natively, so one found there was put
 * there by code in the process, and runs whenever keycard splits or replaces text.
 */
const HOOKS: ReadonlyArray<readonly [symbol, string]> = [
  [Symbol.split, "Symbol.split"],
  [Symbol.replace, "Symbol.replace"],
  [Symbol.match, "Symbol.match"],
  [Symbol.matchAll, "Symbol.matchAll"],
  [Symbol.search, "Symbol.search"],
  [Symbol.toPrimitive, "Symbol.toPrimitive"],
  [Symbol.isConcatSpreadable, "Symbol.isConcatSpreadable"],
];
const HOOKED: ReadonlyArray<readonly [object, string]> = [
  [String.prototype, "String.prototype"],
  [Number.prototype, "Number.prototype"],
  [Boolean.prototype, "Boolean.prototype"],
  [ARRAY_PROTOTYPE, "Array.prototype"],
];

/**
 * The first such method added to `String.prototype`, `Number.prototype`, `Boolean.prototype` or
 * `Array.prototype` (as `String.prototype[Symbol.split]`), or undefined: a few own-member tests,
 * no listing.
 * @public
 */
export function addedProtocolHook(): string | undefined {
  for (const [proto, protoName] of HOOKED)
    for (const [symbol, symbolName] of HOOKS)
      if (hasOwn(proto, symbol)) return `${protoName}[${symbolName}]`;
  return undefined;
}

const getPrototypeOf = Object.getPrototypeOf;

/**
 * The built-in prototypes whose own prototype is `Object.prototype`: every array, string,
 * number, boolean, symbol and function reads a member it lacks through one of them, and so do
 * the collections, patterns, dates, errors and promises keycard makes.
 */
const INHERIT_FROM_OBJECT: ReadonlyArray<readonly [object, string]> = [
  [ARRAY_PROTOTYPE, "Array.prototype"],
  [String.prototype, "String.prototype"],
  [Number.prototype, "Number.prototype"],
  [Boolean.prototype, "Boolean.prototype"],
  [Symbol.prototype, "Symbol.prototype"],
  [BigInt.prototype, "BigInt.prototype"],
  [Function.prototype, "Function.prototype"],
  [RegExp.prototype, "RegExp.prototype"],
  [Date.prototype, "Date.prototype"],
  [Map.prototype, "Map.prototype"],
  [Set.prototype, "Set.prototype"],
  [WeakMap.prototype, "WeakMap.prototype"],
  [WeakSet.prototype, "WeakSet.prototype"],
  [Error.prototype, "Error.prototype"],
  [Promise.prototype, "Promise.prototype"],
];

/**
 * The first built-in prototype that no longer inherits straight from `Object.prototype`
 * (`Object.setPrototypeOf(Array.prototype, other)`), or undefined: what was put between them
 * answers every member the built-in lacks, an index written to any array or a protocol method
 * looked up on any string, without adding a member to either prototype.
 * @internal
 */
export function changedPrototypeChain(): string | undefined {
  for (const [proto, name] of INHERIT_FROM_OBJECT)
    if (getPrototypeOf(proto) !== OBJECT_PROTOTYPE) return name;
  return undefined;
}

/**
 * What code in the process added to the prototypes the language's own values inherit from, in
 * words (the first kind found), or undefined for an untouched process: an object put into the
 * chain of a built-in prototype ({@link changedPrototypeChain}), an index on `Array.prototype`
 * ({@link addedArrayPrototypeIndexes}), a method under a protocol symbol
 * ({@link addedProtocolHook}), a member of `Object.prototype`
 * ({@link addedObjectPrototypeMembers}). Each of them is read by ordinary code as if it were a
 * value's own. One listing of `Object.prototype` (about a microsecond) when the others find
 * nothing.
 * @public
 */
export function prototypePollution(): string | undefined {
  const chain = changedPrototypeChain();
  if (chain !== undefined)
    return `${chain} no longer inherits from Object.prototype: what was put between them answers every member its values lack`;
  const indexes = addedArrayPrototypeIndexes();
  if (indexes.length > 0)
    return (
      `Array.prototype has the index${indexes.length > 1 ? "es" : ""} ` +
      `${indexes.slice(0, 5).join(", ")}, which every array without a value there reads as its own`
    );
  const hook = addedProtocolHook();
  if (hook !== undefined)
    return `${hook} was added, and runs whenever text is split, replaced or matched`;
  const added = addedObjectPrototypeMembers();
  if (added.length === 0) return undefined;
  const names = added
    .slice(0, 5)
    .map((n) => JSON.stringify(n))
    .join(", ");
  return (
    `Object.prototype has the member${added.length > 1 ? "s" : ""} ${names}, which the SDK's ` +
    "serializer may read as an input member keycard never saw"
  );
}
