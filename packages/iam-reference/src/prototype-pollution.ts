// Whether code in the process added to the prototypes the language's own values inherit from,
// as every keycard package checks it before it keeps anything for later calls or decides one:
// one implementation, here, in the package every other one depends on.
//
// The check itself runs no code but its own: every loop is indexed over the module's own
// constant lists (made when the module loads, and reachable by no code outside), with no
// `for … of`, destructuring, spread or
// array method that could hand control to a method added to an iterator prototype or to
// `Array[Symbol.species]`, and the lists it makes define their entries rather than assign them.
// It calls no method through a prototype either (`Set.prototype.has`, `charCodeAt`, `String`):
// each function it needs is taken when the module loads, so code that swaps one for a moment
// cannot make the check see a clean process, nor make a locked `Object.prototype` count as
// clean for good (see `settle`).

// Taken when the module loads: code that replaces them later cannot hide what it added.
const hasOwn = Object.hasOwn;
const ownKeys = Reflect.ownKeys;
const charCodeAt = Function.prototype.call.bind(String.prototype.charCodeAt) as unknown as (
  text: string,
  at: number,
) => number;
const symbolText = Function.prototype.call.bind(Symbol.prototype.toString) as unknown as (
  symbol: symbol,
) => string;
const quote = JSON.stringify as (text: string) => string;
const getPrototypeOf = Object.getPrototypeOf;
const defineEntry = Reflect.defineProperty;
const ownNames = Object.getOwnPropertyNames;
const isExtensible = Reflect.isExtensible;
const createObject = Object.create;
const preventExtensions = Reflect.preventExtensions;
const OBJECT_PROTOTYPE = Object.prototype;
const ARRAY_PROTOTYPE = Array.prototype;

/**
 * The members the language gives `Object.prototype`. None is an input member of any AWS
 * operation; anything else there was put there by code in the process.
 */
const STANDARD: Readonly<Record<string, true>> = recordOf([
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

/** Appends by definition: assigning past the end would reach a setter on `Array.prototype`. */
function append<T>(list: T[], value: T): void {
  defineEntry(list, list.length, dataEntry(value));
}

/**
 * A descriptor of a plain data member without a prototype: `defineProperty` reads `get` and
 * `set` from it, which an object literal would look up on `Object.prototype`, running whatever
 * code put a getter there, or failing on a `get` added there.
 */
function dataEntry(value: unknown): PropertyDescriptor {
  const entry = createObject(null) as PropertyDescriptor;
  entry.value = value;
  entry.writable = true;
  entry.enumerable = true;
  entry.configurable = true;
  return entry;
}

/**
 * A frozen record without a prototype holding each name as an own member: asked with the
 * `hasOwn` taken at load, it answers without any method code could replace (`Set.prototype.has`).
 */
function recordOf(names: readonly string[]): Readonly<Record<string, true>> {
  const record = Object.create(null) as Record<string, true>;
  for (let i = 0; i < names.length; i++) defineEntry(record, names[i] as string, dataEntry(true));
  return Object.freeze(record);
}

/**
 * Whether `Object.prototype` has a member of this name of its own beyond the standard ones: one
 * every plain object inherits. A lookup of one name, where {@link addedObjectPrototypeMembers}
 * lists every name the prototype has (about 1 µs: V8 keeps `Object.prototype` as a dictionary).
 * @internal
 */
export function isAddedObjectPrototypeMember(name: string): boolean {
  return hasOwn(OBJECT_PROTOTYPE, name) && !hasOwn(STANDARD, name);
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
  if (objectPrototypeSettled) return [];
  // One listing of names and symbols: each listing of the prototype costs about a microsecond.
  const keys = ownKeys(OBJECT_PROTOTYPE);
  const added: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string | symbol;
    if (typeof key === "symbol") append(added, symbolText(key));
    else if (!hasOwn(STANDARD, key)) append(added, key);
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
  const first = charCodeAt(name, 0);
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
 * Members the language looks up on its own, with the values it hands them, that none of these
 * objects has natively (`constructors` are kept only when they have none when the module loads),
 * so one found there was put there by code in the process:
 * - methods under protocol symbols on the separator's or value's prototype (`text.split(":")`
 *   asks `String.prototype` for `Symbol.split`);
 * - `toJSON`, which `JSON.stringify` calls for every list it writes (it asks strings, numbers
 *   and booleans for nothing);
 * - `return`, which a loop or a destructuring that ends before its iterator does calls, and
 *   `Symbol.iterator`, which `for … of` asks a generator or an iterator for (their chains are
 *   checked by {@link changedPrototypeChain});
 * - `Symbol.hasInstance`, which `instanceof` asks the constructor for;
 * - `Symbol.species` and iterators of the typed arrays keycard makes (`subarray` asks which class
 *   to make, `for … of` walks);
 * - `then`, which resolving a promise with the value asks for: the SDK's signer waits on a
 *   `Uint8Array` after keycard's last check (`Object.prototype`'s members are listed apart).
 * Each row: the object, the member, and how to name it.
 */
const ADDED_HOOKS: ReadonlyArray<readonly [object, string | symbol, string]> = addedHookRows();

/**
 * The rows of {@link ADDED_HOOKS} still tested on every check, one column each (lists of one
 * kind of value read fastest). {@link settle} drops the rows that can no longer change.
 */
const HOOK_OBJECTS: object[] = [];
const HOOK_KEYS: Array<string | symbol> = [];
const HOOK_TEXTS: string[] = [];
for (let i = 0; i < ADDED_HOOKS.length; i++) {
  const row = ADDED_HOOKS[i] as readonly [object, string | symbol, string];
  append(HOOK_OBJECTS, row[0]);
  append(HOOK_KEYS, row[1]);
  append(HOOK_TEXTS, row[2]);
}

/** Each object a row names needs its own row in {@link CHAIN_ROWS} as well. */
function addedHookRows(): Array<readonly [object, string | symbol, string]> {
  const it = ITERATOR_PROTOTYPES;
  const rows: Array<readonly [object, string | symbol, string]> = [];
  const protocols: ReadonlyArray<readonly [symbol, string]> = [
    [Symbol.split, "Symbol.split"],
    [Symbol.replace, "Symbol.replace"],
    [Symbol.match, "Symbol.match"],
    [Symbol.matchAll, "Symbol.matchAll"],
    [Symbol.search, "Symbol.search"],
    [Symbol.toPrimitive, "Symbol.toPrimitive"],
    [Symbol.isConcatSpreadable, "Symbol.isConcatSpreadable"],
  ];
  const primitives: ReadonlyArray<readonly [object, string]> = [
    [String.prototype, "String.prototype"],
    [Number.prototype, "Number.prototype"],
    [Boolean.prototype, "Boolean.prototype"],
    [ARRAY_PROTOTYPE, "Array.prototype"],
  ];
  for (const [proto, name] of primitives)
    for (const [symbol, symbolName] of protocols)
      rows.push([proto, symbol, `${name}[${symbolName}]`]);
  rows.push([ARRAY_PROTOTYPE, "toJSON", "Array.prototype.toJSON"]);
  const iterators: ReadonlyArray<readonly [object, string, boolean]> = [
    [it.iterator, "%IteratorPrototype%", false],
    [it.array, "%ArrayIteratorPrototype%", true],
    [it.map, "%MapIteratorPrototype%", true],
    [it.set, "%SetIteratorPrototype%", true],
    [it.string, "%StringIteratorPrototype%", true],
    [it.regExpString, "%RegExpStringIteratorPrototype%", false],
    [it.asyncIterator, "%AsyncIteratorPrototype%", false],
  ];
  for (const [proto, name, inheritsIterator] of iterators) {
    rows.push([proto, "return", `${name}.return`]);
    if (inheritsIterator) rows.push([proto, Symbol.iterator, `${name}[Symbol.iterator]`]);
  }
  rows.push([it.generator, Symbol.iterator, "%GeneratorPrototype%[Symbol.iterator]"]);
  const constructors: ReadonlyArray<readonly [object, string]> = [
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
  for (const [type, name] of constructors)
    if (!hasOwn(type, Symbol.hasInstance))
      rows.push([type, Symbol.hasInstance, `${name}[Symbol.hasInstance]`]);
  // Typed array constructors inherit `Symbol.hasInstance` through `%TypedArray%`.
  if (!hasOwn(TYPED_ARRAY, Symbol.hasInstance))
    rows.push([TYPED_ARRAY, Symbol.hasInstance, "%TypedArray%[Symbol.hasInstance]"]);
  for (const [type, name] of [
    [Uint8Array, "Uint8Array"],
    [Int32Array, "Int32Array"],
  ] as const) {
    rows.push([type, Symbol.species, `${name}[Symbol.species]`]);
    rows.push([type.prototype, Symbol.iterator, `${name}.prototype[Symbol.iterator]`]);
  }
  const thenable: ReadonlyArray<readonly [object, string]> = [
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
  for (const [proto, name] of thenable) rows.push([proto, "then", `${name}.then`]);
  return rows;
}

/**
 * The first such member added (as `String.prototype[Symbol.split]`, `Array.prototype.toJSON`,
 * `%IteratorPrototype%.return`, `Promise[Symbol.hasInstance]`), or undefined: about seventy
 * own-member tests, no listing.
 * @public
 */
export function addedProtocolHook(): string | undefined {
  for (let i = 0; i < HOOK_OBJECTS.length; i++)
    if (hasOwn(HOOK_OBJECTS[i] as object, HOOK_KEYS[i] as string | symbol)) return HOOK_TEXTS[i];
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
  // The other objects a hook is looked up on: one put into their chain answers the hook
  // without adding it to them (`then` on every `Buffer` the signer waits on, `instanceof`).
  [ArrayBuffer.prototype, OBJECT_PROTOTYPE, "ArrayBuffer.prototype", O],
  [Buffer.prototype, Uint8Array.prototype, "Buffer.prototype", "Uint8Array.prototype"],
  [URL.prototype, OBJECT_PROTOTYPE, "URL.prototype", O],
  [TYPED_ARRAY, Function.prototype, "%TypedArray%", "Function.prototype"],
  ...constructorRows(),
];

/** Each constructor whose `Symbol.hasInstance` is watched, and what it natively inherits from. */
function constructorRows(): Array<readonly [object, object, string, string]> {
  const F = "Function.prototype";
  return [
    [Promise, Function.prototype, "Promise", F],
    [Error, Function.prototype, "Error", F],
    [TypeError, Error, "TypeError", "Error"],
    [RangeError, Error, "RangeError", "Error"],
    [Object, Function.prototype, "Object", F],
    [Array, Function.prototype, "Array", F],
    [Date, Function.prototype, "Date", F],
    [RegExp, Function.prototype, "RegExp", F],
    [Map, Function.prototype, "Map", F],
    [Set, Function.prototype, "Set", F],
    [ArrayBuffer, Function.prototype, "ArrayBuffer", F],
    [URL, Function.prototype, "URL", F],
  ];
}
/**
 * Each built-in prototype (one column each: lists of one kind of value read fastest) and the
 * one it inherits from natively: every array, string, number, boolean, symbol and function
 * reads a member it lacks through its chain, and so do the collections, patterns, dates,
 * errors, promises and iterators keycard makes or walks.
 */
const CHAIN_CHILDREN: object[] = CHAIN_ROWS.map((row) => row[0]);
const CHAIN_PARENTS: object[] = CHAIN_ROWS.map((row) => row[1]);
const CHAIN_TEXTS: string[] = CHAIN_ROWS.map(
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
    text += `${i > 0 ? ", " : ""}${quoted ? quote(name) : name}`;
  }
  return text;
}

/**
 * Whether `Object.prototype` was seen with nothing added while it could take no new member: it
 * never can again, so {@link addedObjectPrototypeMembers} no longer lists it.
 */
let objectPrototypeSettled = false;

/** How many checks remain before {@link settle} looks again for rows that can no longer change. */
let checksBeforeSettling = 0;
const CHECKS_BETWEEN_SETTLING = 64;

/**
 * Drops the rows that can no longer change: a prototype (or constructor) that takes no new
 * member (frozen, sealed or made non-extensible, as `node --frozen-intrinsics` or a lockdown of
 * the language's objects leaves it) and lacks the member now will lack it for the rest of the
 * process, and one that inherits from the right prototype now cannot be given another. No
 * language operation makes an object extensible again, so a dropped row stays answered; a row
 * that is not clean when seen is kept, and keeps being reported. In a process where none is
 * locked, every row stays and each check costs what it did.
 */
function settle(): void {
  keepRows(HOOK_OBJECTS, HOOK_KEYS, HOOK_TEXTS, (i) => {
    const target = HOOK_OBJECTS[i] as object;
    return isExtensible(target) || hasOwn(target, HOOK_KEYS[i] as string | symbol);
  });
  keepRows(CHAIN_CHILDREN, CHAIN_PARENTS, CHAIN_TEXTS, (i) => {
    const child = CHAIN_CHILDREN[i] as object;
    return isExtensible(child) || getPrototypeOf(child) !== CHAIN_PARENTS[i];
  });
  if (!objectPrototypeSettled && !isExtensible(OBJECT_PROTOTYPE))
    objectPrototypeSettled = addedObjectPrototypeMembers().length === 0;
}

/**
 * Keeps, in order, the rows of three parallel columns for which `changeable` holds (it reads
 * row `i` before anything is written there). Every write is to an index the list already has,
 * so no setter on `Array.prototype` is ever reached.
 */
function keepRows<A, B>(
  first: A[],
  second: B[],
  texts: string[],
  changeable: (i: number) => boolean,
): void {
  let kept = 0;
  for (let i = 0; i < texts.length; i++) {
    if (!changeable(i)) continue;
    first[kept] = first[i] as A;
    second[kept] = second[i] as B;
    texts[kept] = texts[i] as string;
    kept++;
  }
  first.length = kept;
  second.length = kept;
  texts.length = kept;
}

/**
 * The objects {@link lockPrototypes} locks, and their names: `Object.prototype` and every other
 * prototype the check watches (each object a hook is looked up on has a chain row). Constructors
 * are left open (tools set `Error.prepareStackTrace`, polyfills add statics to `Promise`), so
 * their few rows stay tested on every check. Made with indexed loops over the module's own
 * lists, like the check itself.
 */
const LOCKABLE: object[] = [OBJECT_PROTOTYPE];
const LOCKABLE_NAMES: string[] = [O];
for (let i = 0; i < CHAIN_ROWS.length; i++) {
  const row = CHAIN_ROWS[i] as readonly [object, object, string, string];
  const target = row[0];
  if (typeof target === "function" && target !== Function.prototype) continue;
  let listed = false;
  for (let j = 0; j < LOCKABLE.length && !listed; j++) listed = LOCKABLE[j] === target;
  if (listed) continue;
  append(LOCKABLE, target);
  append(LOCKABLE_NAMES, row[2]);
}

/**
 * Makes `Object.prototype` and the other built-in prototypes the check watches (arrays,
 * strings, numbers, functions, iterators, typed arrays, `Buffer.prototype`, `URL.prototype`, …)
 * take no new member and keep what they inherit from, for the rest of the process, and returns
 * what {@link prototypePollution} reports right after, or which of them could not be locked:
 * undefined means locked and clean. Their own members stay as they are and stay writable, so
 * code that wraps an existing method keeps working; code that adds one (a polyfill) fails from
 * then on, so call it once at start-up, after everything is loaded. From then on the check no
 * longer tests them, which is most of its cost. What was added before the call stays reported,
 * on every check. Opt-in: keycard never locks anything on its own.
 * @public
 */
export function lockPrototypes(): string | undefined {
  let open = "";
  for (let i = 0; i < LOCKABLE.length; i++) {
    const target = LOCKABLE[i] as object;
    if (!preventExtensions(target) || isExtensible(target))
      open += `${open === "" ? "" : ", "}${LOCKABLE_NAMES[i] as string}`;
  }
  checksBeforeSettling = 0;
  const found = prototypePollution();
  if (open === "") return found;
  return `${open} could not be locked${found === undefined ? "" : `; ${found}`}`;
}

/**
 * What code in the process added to the prototypes the language's own values inherit from, in
 * words (the first kind found), or undefined for an untouched process: an object put into the
 * chain of a built-in prototype ({@link changedPrototypeChain}), an index on `Array.prototype`
 * ({@link addedArrayPrototypeIndexes}), a method the language looks up under a protocol symbol
 * or name ({@link addedProtocolHook}), a member of `Object.prototype`
 * ({@link addedObjectPrototypeMembers}). Each of them is read by ordinary code as if it were a
 * value's own. One listing of `Object.prototype` (about a microsecond) when the others find
 * nothing, none once it is locked and was seen clean (see {@link settle}).
 * @public
 */
export function prototypePollution(): string | undefined {
  if (checksBeforeSettling === 0) {
    checksBeforeSettling = CHECKS_BETWEEN_SETTLING;
    settle();
  }
  checksBeforeSettling--;
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
