// Whether code in the process added to the prototypes the language's own values inherit from,
// as every keycard package checks it before it keeps anything for later calls or decides one:
// one implementation, here, in the package every other one depends on.
//
// The check itself runs no code but its own: every loop is indexed over the module's own
// constant lists (no code outside can reach them), with no `for … of`, destructuring, spread or
// array method that could hand control to a method added to an iterator prototype or to
// `Array[Symbol.species]`, and the lists it makes define their entries rather than assign them.

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
const getPrototypeOf = Object.getPrototypeOf;
const defineEntry = Reflect.defineProperty;
const ownNames = Object.getOwnPropertyNames;
const OBJECT_PROTOTYPE = Object.prototype;
const ARRAY_PROTOTYPE = Array.prototype;

/** Appends by definition: assigning past the end would reach a setter on `Array.prototype`. */
function append<T>(list: T[], value: T): void {
  defineEntry(list, list.length, { value, writable: true, enumerable: true, configurable: true });
}

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
    if (typeof key === "symbol") append(added, String(key));
    else if (!STANDARD.has(key)) append(added, key);
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
  const names = ownNames(ARRAY_PROTOTYPE);
  const indexes: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (isIndexName(name)) append(indexes, name);
  }
  return indexes;
}

function isIndexName(name: string): boolean {
  const first = name.charCodeAt(0);
  return first >= 48 && first <= 57;
}

const ITERATOR_PROTOTYPES = iteratorPrototypes();
const TYPED_ARRAY = getPrototypeOf(Uint8Array) as object;
const TYPED_ARRAY_PROTOTYPE = getPrototypeOf(Uint8Array.prototype) as object;

/** The prototypes of the language's own iterators, and the one they all inherit from. */
function iteratorPrototypes() {
  const array = getPrototypeOf([][Symbol.iterator]()) as object;
  const asyncGenerator = getPrototypeOf(async function* () {}.prototype) as object;
  return {
    generator: getPrototypeOf(function* () {}.prototype) as object,
    asyncGenerator,
    iterator: getPrototypeOf(array) as object,
    array,
    map: getPrototypeOf(new Map()[Symbol.iterator]()) as object,
    set: getPrototypeOf(new Set()[Symbol.iterator]()) as object,
    string: getPrototypeOf(""[Symbol.iterator]()) as object,
    regExpString: getPrototypeOf(/a/[Symbol.matchAll]("")) as object,
    asyncIterator: getPrototypeOf(asyncGenerator) as object,
  };
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
 * Named members the language looks up, none of which these prototypes have natively: `toJSON`,
 * which `JSON.stringify` calls for every list it writes, and `return`, which a loop or a
 * destructuring that ends before its iterator does calls on the iterator. (`JSON.stringify`
 * asks strings, numbers and booleans for nothing, and only `yield*` calls `throw`.) Each
 * iterator reads `return` through its own prototype and the one all iterators share, whose
 * chains {@link changedPrototypeChain} checks.
 */
/**
 * The first such method added to `String.prototype`, `Number.prototype`, `Boolean.prototype`,
 * `Array.prototype` (as `String.prototype[Symbol.split]` or `Array.prototype.toJSON`) or an
 * iterator prototype (as `%IteratorPrototype%.return`), or undefined: a few dozen own-member
 * tests, no listing.
 * @public
 */
export function addedProtocolHook(): string | undefined {
  for (let p = 0; p < HOOKED.length; p++) {
    const hooked = HOOKED[p] as readonly [object, string];
    for (let h = 0; h < HOOKS.length; h++) {
      const hook = HOOKS[h] as readonly [symbol, string];
      if (hasOwn(hooked[0], hook[0])) return `${hooked[1]}[${hook[1]}]`;
    }
  }
  return addedNamedHook();
}

/** The named members of {@link addedProtocolHook}, each tested by a constant name (fastest). */
function addedNamedHook(): string | undefined {
  const it = ITERATOR_PROTOTYPES;
  if (hasOwn(ARRAY_PROTOTYPE, "toJSON")) return "Array.prototype.toJSON";
  if (hasOwn(it.iterator, "return")) return "%IteratorPrototype%.return";
  if (hasOwn(it.array, "return")) return "%ArrayIteratorPrototype%.return";
  if (hasOwn(it.map, "return")) return "%MapIteratorPrototype%.return";
  if (hasOwn(it.set, "return")) return "%SetIteratorPrototype%.return";
  if (hasOwn(it.string, "return")) return "%StringIteratorPrototype%.return";
  if (hasOwn(it.regExpString, "return")) return "%RegExpStringIteratorPrototype%.return";
  if (hasOwn(it.asyncIterator, "return")) return "%AsyncIteratorPrototype%.return";
  // `for … of` over a generator asks the generator for `Symbol.iterator`, which it inherits.
  if (hasOwn(it.generator, Symbol.iterator)) return "%GeneratorPrototype%[Symbol.iterator]";
  if (hasOwn(it.array, Symbol.iterator)) return "%ArrayIteratorPrototype%[Symbol.iterator]";
  if (hasOwn(it.map, Symbol.iterator)) return "%MapIteratorPrototype%[Symbol.iterator]";
  if (hasOwn(it.set, Symbol.iterator)) return "%SetIteratorPrototype%[Symbol.iterator]";
  if (hasOwn(it.string, Symbol.iterator)) return "%StringIteratorPrototype%[Symbol.iterator]";
  return addedInstanceHook() ?? addedTypedArrayHook() ?? addedThen();
}

/**
 * Prototypes of values a promise may be resolved with, none of which has a `then` natively:
 * resolving a promise with such a value asks it for `then` and runs what it finds, in the SDK's
 * own code after keycard's last check (signing waits on a `Uint8Array`). `Object.prototype`'s
 * members are listed on their own.
 */
const THENABLE: ReadonlyArray<readonly [object, string]> = [
  [ARRAY_PROTOTYPE, "Array.prototype"],
  [Function.prototype, "Function.prototype"],
  [Error.prototype, "Error.prototype"],
  [Map.prototype, "Map.prototype"],
  [Set.prototype, "Set.prototype"],
  [Date.prototype, "Date.prototype"],
  [RegExp.prototype, "RegExp.prototype"],
  [ArrayBuffer.prototype, "ArrayBuffer.prototype"],
  [TYPED_ARRAY_PROTOTYPE, "%TypedArray%.prototype"],
  [Uint8Array.prototype, "Uint8Array.prototype"],
  [Buffer.prototype, "Buffer.prototype"],
  [URL.prototype, "URL.prototype"],
];

function addedThen(): string | undefined {
  for (let i = 0; i < THENABLE.length; i++) {
    const row = THENABLE[i] as readonly [object, string];
    if (hasOwn(row[0], "then")) return `${row[1]}.then`;
  }
  return undefined;
}

/**
 * The typed arrays keycard makes: none has a `Symbol.species` or an iterator of its own (both
 * come from `%TypedArray%`), so one added there would run when a view is cut (`subarray`) or
 * walked (`for … of`).
 */
const TYPED_ARRAYS: ReadonlyArray<readonly [object, object, string]> = [
  [Uint8Array, Uint8Array.prototype, "Uint8Array"],
  [Int32Array, Int32Array.prototype, "Int32Array"],
];

function addedTypedArrayHook(): string | undefined {
  for (let i = 0; i < TYPED_ARRAYS.length; i++) {
    const row = TYPED_ARRAYS[i] as readonly [object, object, string];
    if (hasOwn(row[0], Symbol.species)) return `${row[2]}[Symbol.species]`;
    if (hasOwn(row[1], Symbol.iterator)) return `${row[2]}.prototype[Symbol.iterator]`;
  }
  return undefined;
}

/**
 * The constructors keycard tests values against with `instanceof`, or whose kind it shares, that
 * have no `Symbol.hasInstance` of their own when the module loads: `instanceof` asks the
 * constructor for one, and runs one that code in the process added with the value in hand.
 */
const INSTANCE_HOOKED: ReadonlyArray<readonly [object, string]> = instanceHooked();

function instanceHooked(): ReadonlyArray<readonly [object, string]> {
  const constructors: Array<readonly [object, string]> = [
    [Promise, "Promise"],
    [Error, "Error"],
    [TypeError, "TypeError"],
    [RangeError, "RangeError"],
    [Object, "Object"],
    [Array, "Array"],
    [Date, "Date"],
    [RegExp, "RegExp"],
    [Map, "Map"],
    [Set, "Set"],
    [ArrayBuffer, "ArrayBuffer"],
    [Uint8Array, "Uint8Array"],
    [URL, "URL"],
  ];
  return constructors.filter((row) => !hasOwn(row[0], Symbol.hasInstance));
}

/** The first constructor of {@link INSTANCE_HOOKED} given a `Symbol.hasInstance`, or undefined. */
function addedInstanceHook(): string | undefined {
  for (let i = 0; i < INSTANCE_HOOKED.length; i++) {
    const row = INSTANCE_HOOKED[i] as readonly [object, string];
    if (hasOwn(row[0], Symbol.hasInstance)) return `${row[1]}[Symbol.hasInstance]`;
  }
  return undefined;
}

/**
 * Each built-in prototype and the one it inherits from natively: every array, string, number,
 * boolean, symbol and function reads a member it lacks through its chain, and so do the
 * collections, patterns, dates, errors, promises and iterators keycard makes or walks.
 */
const O = "Object.prototype";
const I = "%IteratorPrototype%";
const CHAIN_ROWS: ReadonlyArray<readonly [object, object, string, string]> = [
  [ARRAY_PROTOTYPE, OBJECT_PROTOTYPE, "Array.prototype", O],
  [String.prototype, OBJECT_PROTOTYPE, "String.prototype", O],
  [Number.prototype, OBJECT_PROTOTYPE, "Number.prototype", O],
  [Boolean.prototype, OBJECT_PROTOTYPE, "Boolean.prototype", O],
  [Symbol.prototype, OBJECT_PROTOTYPE, "Symbol.prototype", O],
  [BigInt.prototype, OBJECT_PROTOTYPE, "BigInt.prototype", O],
  [Function.prototype, OBJECT_PROTOTYPE, "Function.prototype", O],
  [RegExp.prototype, OBJECT_PROTOTYPE, "RegExp.prototype", O],
  [Date.prototype, OBJECT_PROTOTYPE, "Date.prototype", O],
  [Map.prototype, OBJECT_PROTOTYPE, "Map.prototype", O],
  [Set.prototype, OBJECT_PROTOTYPE, "Set.prototype", O],
  [Error.prototype, OBJECT_PROTOTYPE, "Error.prototype", O],
  [Promise.prototype, OBJECT_PROTOTYPE, "Promise.prototype", O],
  [ITERATOR_PROTOTYPES.iterator, OBJECT_PROTOTYPE, I, O],
  [TYPED_ARRAY_PROTOTYPE, OBJECT_PROTOTYPE, "%TypedArray%.prototype", O],
  [Uint8Array.prototype, TYPED_ARRAY_PROTOTYPE, "Uint8Array.prototype", "%TypedArray%.prototype"],
  [Int32Array.prototype, TYPED_ARRAY_PROTOTYPE, "Int32Array.prototype", "%TypedArray%.prototype"],
  [Uint8Array, TYPED_ARRAY, "Uint8Array", "%TypedArray%"],
  [Int32Array, TYPED_ARRAY, "Int32Array", "%TypedArray%"],
  [ITERATOR_PROTOTYPES.generator, ITERATOR_PROTOTYPES.iterator, "%GeneratorPrototype%", I],
  [
    ITERATOR_PROTOTYPES.asyncGenerator,
    ITERATOR_PROTOTYPES.asyncIterator,
    "%AsyncGeneratorPrototype%",
    "%AsyncIteratorPrototype%",
  ],
  [ITERATOR_PROTOTYPES.asyncIterator, OBJECT_PROTOTYPE, "%AsyncIteratorPrototype%", O],
  [ITERATOR_PROTOTYPES.array, ITERATOR_PROTOTYPES.iterator, "%ArrayIteratorPrototype%", I],
  [ITERATOR_PROTOTYPES.map, ITERATOR_PROTOTYPES.iterator, "%MapIteratorPrototype%", I],
  [ITERATOR_PROTOTYPES.set, ITERATOR_PROTOTYPES.iterator, "%SetIteratorPrototype%", I],
  [ITERATOR_PROTOTYPES.string, ITERATOR_PROTOTYPES.iterator, "%StringIteratorPrototype%", I],
  [
    ITERATOR_PROTOTYPES.regExpString,
    ITERATOR_PROTOTYPES.iterator,
    "%RegExpStringIteratorPrototype%",
    I,
  ],
];
/**
 * Each built-in prototype (one column each: lists of one kind of value read fastest) and the
 * one it inherits from natively: every array, string, number, boolean, symbol and function
 * reads a member it lacks through its chain, and so do the collections, patterns, dates,
 * errors, promises and iterators keycard makes or walks.
 */
const CHAIN_CHILDREN: readonly object[] = CHAIN_ROWS.map((row) => row[0]);
const CHAIN_PARENTS: readonly object[] = CHAIN_ROWS.map((row) => row[1]);
const CHAIN_TEXTS: readonly string[] = CHAIN_ROWS.map(
  (row) => `${row[2]} no longer inherits from ${row[3]}`,
);

/**
 * The first built-in prototype that no longer inherits straight from the prototype it inherits
 * from natively (`Object.setPrototypeOf(Array.prototype, other)`), in words, or undefined: what was put
 * between them answers every member the built-in lacks, an index written to any array or a
 * protocol method looked up on any string, without adding a member to either prototype.
 * @internal
 */
export function changedPrototypeChain(): string | undefined {
  for (let i = 0; i < CHAIN_CHILDREN.length; i++)
    if (getPrototypeOf(CHAIN_CHILDREN[i]) !== CHAIN_PARENTS[i]) return CHAIN_TEXTS[i];
  return undefined;
}

/** The first few names of a list, quoted, joined by commas, by indexed reads alone. */
function firstNames(names: readonly string[], quoted: boolean): string {
  let text = "";
  for (let i = 0; i < names.length && i < 5; i++) {
    const name = names[i] as string;
    text += `${i > 0 ? ", " : ""}${quoted ? JSON.stringify(name) : name}`;
  }
  return text;
}

/**
 * What code in the process added to the prototypes the language's own values inherit from, in
 * words (the first kind found), or undefined for an untouched process: an object put into the
 * chain of a built-in prototype ({@link changedPrototypeChain}), an index on `Array.prototype`
 * ({@link addedArrayPrototypeIndexes}), a method the language looks up under a protocol symbol
 * or name ({@link addedProtocolHook}), a member of `Object.prototype`
 * ({@link addedObjectPrototypeMembers}). Each of them is read by ordinary code as if it were a
 * value's own. One listing of `Object.prototype` (about a microsecond) when the others find
 * nothing.
 * @public
 */
export function prototypePollution(): string | undefined {
  const chain = changedPrototypeChain();
  if (chain !== undefined)
    return `${chain}: what was put between them answers every member its values lack`;
  const indexes = addedArrayPrototypeIndexes();
  if (indexes.length > 0)
    return (
      `Array.prototype has the index${indexes.length > 1 ? "es" : ""} ` +
      `${firstNames(indexes, false)}, which every array without a value there reads as its own`
    );
  const hook = addedProtocolHook();
  if (hook !== undefined)
    return `${hook} was added, which the language looks up and runs on its own (splitting text, serialising, ending a loop early, instanceof, cutting a typed array)`;
  const added = addedObjectPrototypeMembers();
  if (added.length === 0) return undefined;
  return (
    `Object.prototype has the member${added.length > 1 ? "s" : ""} ${firstNames(added, true)}, which the SDK's ` +
    "serializer may read as an input member keycard never saw"
  );
}
