import { afterEach, describe, expect, it } from "vitest";
import { prototypePollution } from "./prototype-pollution.js";

const restore: Array<() => void> = [];
afterEach(() => {
  for (const undo of restore.splice(0)) undo();
});

/** Puts an object between a built-in prototype and `Object.prototype`, as hostile code could. */
function insertUnder(proto: object): void {
  Object.setPrototypeOf(proto, Object.create(Object.prototype));
  restore.push(() => Object.setPrototypeOf(proto, Object.prototype));
}

describe("prototypePollution", () => {
  it("finds nothing in an untouched process", () => {
    expect(prototypePollution()).toBeUndefined();
  });

  const builtins: Record<string, object> = {
    "Array.prototype": Array.prototype,
    "String.prototype": String.prototype,
    "Function.prototype": Function.prototype,
    "Map.prototype": Map.prototype,
  };
  it.each(Object.keys(builtins))(
    "reports an object put between %s and Object.prototype",
    (name) => {
      insertUnder(builtins[name] as object);
      expect(prototypePollution()).toBe(
        `${name} no longer inherits from Object.prototype: what was put between them answers every member its values lack`,
      );
    },
  );

  it("reports the index a proxy under Array.prototype would answer, with no member added anywhere", () => {
    let written: unknown;
    Object.setPrototypeOf(
      Array.prototype,
      new Proxy(Object.create(Object.prototype), {
        set(target, key, value, receiver) {
          written = value;
          return Reflect.set(target, key, value, receiver);
        },
      }),
    );
    restore.push(() => Object.setPrototypeOf(Array.prototype, Object.prototype));
    expect(Object.getOwnPropertyNames(Array.prototype).filter((n) => /^\d/.test(n))).toEqual([]);
    expect(prototypePollution()).toMatch(/^Array\.prototype no longer inherits/);
    [].push(1 as never);
    expect(written).toBe(1);
  });

  const iteratorPrototype = Object.getPrototypeOf(
    Object.getPrototypeOf([][Symbol.iterator]()),
  ) as object;

  it("reports a method added where a loop ending early looks it up, and never runs it", () => {
    let ran = 0;
    Object.defineProperty(iteratorPrototype, "return", {
      configurable: true,
      value() {
        ran += 1;
        return { done: true, value: undefined };
      },
    });
    restore.push(() => delete (iteratorPrototype as Record<string, unknown>)["return"]);
    expect(prototypePollution()).toMatch(/^%IteratorPrototype%\.return was added/);
    expect(ran).toBe(0);
    // A destructuring that ends before its iterator does calls it.
    const [first] = [1, 2];
    expect(first).toBe(1);
    expect(ran).toBe(1);
  });

  it("reports a toJSON added to Array.prototype, which JSON.stringify calls for every list", () => {
    Object.defineProperty(Array.prototype, "toJSON", { configurable: true, value: () => "forged" });
    restore.push(() => delete (Array.prototype as unknown as Record<string, unknown>)["toJSON"]);
    expect(prototypePollution()).toMatch(/^Array\.prototype\.toJSON was added/);
  });

  it("reports an object put between an iterator's prototype and the one all iterators share", () => {
    const arrayIterator = Object.getPrototypeOf([][Symbol.iterator]()) as object;
    Object.setPrototypeOf(arrayIterator, Object.create(iteratorPrototype));
    restore.push(() => Object.setPrototypeOf(arrayIterator, iteratorPrototype));
    expect(prototypePollution()).toMatch(
      /^%ArrayIteratorPrototype% no longer inherits from %IteratorPrototype%/,
    );
  });

  it("reports a Symbol.hasInstance added to a constructor, which instanceof runs", () => {
    const native = Function.prototype[Symbol.hasInstance];
    Object.defineProperty(Promise, Symbol.hasInstance, {
      configurable: true,
      value(this: unknown, value: unknown) {
        return native.call(this, value);
      },
    });
    restore.push(() => delete (Promise as unknown as Record<symbol, unknown>)[Symbol.hasInstance]);
    expect(prototypePollution()).toMatch(/^Promise\[Symbol\.hasInstance\] was added/);
  });

  it("reports what a loop over a generator would ask the generator for", () => {
    const generatorPrototype = Object.getPrototypeOf(function* () {}.prototype) as object;
    Object.defineProperty(generatorPrototype, Symbol.iterator, {
      configurable: true,
      value() {
        return [][Symbol.iterator]();
      },
    });
    restore.push(() => delete (generatorPrototype as Record<symbol, unknown>)[Symbol.iterator]);
    expect(prototypePollution()).toMatch(/^%GeneratorPrototype%\[Symbol\.iterator\] was added/);
  });

  it("reports a Symbol.species or an iterator added to a typed array keycard makes", () => {
    Object.defineProperty(Uint8Array, Symbol.species, {
      configurable: true,
      get: () => Uint8Array,
    });
    restore.push(() => delete (Uint8Array as unknown as Record<symbol, unknown>)[Symbol.species]);
    expect(prototypePollution()).toMatch(/^Uint8Array\[Symbol\.species\] was added/);
    for (const undo of restore.splice(0)) undo();
    Object.defineProperty(Int32Array.prototype, Symbol.iterator, {
      configurable: true,
      value: () => [][Symbol.iterator](),
    });
    restore.push(
      () => delete (Int32Array.prototype as unknown as Record<symbol, unknown>)[Symbol.iterator],
    );
    expect(prototypePollution()).toMatch(/^Int32Array\.prototype\[Symbol\.iterator\] was added/);
  });

  it("reports a then added where resolving a promise with a byte array looks it up", () => {
    const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
    // biome-ignore lint/suspicious/noThenProperty: added as code in the process would add it
    Object.defineProperty(typedArrayPrototype, "then", { configurable: true, value: undefined });
    restore.push(() => delete (typedArrayPrototype as Record<string, unknown>)["then"]);
    expect(prototypePollution()).toMatch(/^%TypedArray%\.prototype\.then was added/);
  });
});
