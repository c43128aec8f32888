import { execFileSync } from "node:child_process";
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

/**
 * Runs `script` in a fresh Node process (with `flags`), where it may lock the language's
 * objects as no test in this process could undo; `check` is the module's check there. Returns
 * the last line the script prints, parsed.
 */
function inFreshProcess(script: string, flags: string[] = []): unknown {
  const module = JSON.stringify(new URL("./prototype-pollution.ts", import.meta.url).href);
  const out = execFileSync(
    process.execPath,
    [
      ...flags,
      "--no-warnings",
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `const check = async () => (await import(${module})); ${script}`,
    ],
    { encoding: "utf8" },
  );
  return JSON.parse(out.trim().split("\n").pop() as string);
}

describe("prototypePollution in a process that locks the language's objects", () => {
  it("keeps reporting a hook added before its prototype was locked, check after check", () => {
    const reports = inFreshProcess(`
      Object.defineProperty(Boolean.prototype, Symbol.split, { value: () => [], configurable: true });
      Object.preventExtensions(Boolean.prototype);
      const { prototypePollution } = await check();
      const seen = new Set();
      for (let i = 0; i < 500; i++) seen.add(prototypePollution());
      console.log(JSON.stringify([...seen]));
    `);
    expect(reports).toEqual([
      expect.stringMatching(/^Boolean\.prototype\[Symbol\.split\] was added/),
    ]);
  });

  it("keeps reporting a chain changed before the prototype was locked", () => {
    const reports = inFreshProcess(`
      Object.setPrototypeOf(Set.prototype, Object.create(Object.prototype));
      Object.freeze(Set.prototype);
      const { prototypePollution } = await check();
      const seen = new Set();
      for (let i = 0; i < 500; i++) seen.add(prototypePollution());
      console.log(JSON.stringify([...seen]));
    `);
    expect(reports).toEqual([expect.stringMatching(/^Set\.prototype no longer inherits/)]);
  });

  it("keeps reporting members of Object.prototype added before it was locked", () => {
    const reports = inFreshProcess(`
      Object.prototype.Bucket = "public";
      Object.preventExtensions(Object.prototype);
      const { prototypePollution, addedObjectPrototypeMembers } = await check();
      const seen = new Set();
      for (let i = 0; i < 500; i++) seen.add(prototypePollution() + " " + addedObjectPrototypeMembers().join());
      console.log(JSON.stringify([...seen]));
    `);
    expect(reports).toEqual([
      expect.stringMatching(/^Object\.prototype has the member "Bucket".* Bucket$/),
    ]);
  });

  it("still checks the prototypes left open once the locked ones are settled", () => {
    const reports = inFreshProcess(`
      Object.freeze(String.prototype);
      Object.freeze(Object.prototype);
      const { prototypePollution } = await check();
      const before = new Set();
      for (let i = 0; i < 500; i++) before.add(prototypePollution());
      Object.defineProperty(Number.prototype, Symbol.split, { value: () => [], configurable: true });
      const hook = prototypePollution();
      delete Number.prototype[Symbol.split];
      Object.setPrototypeOf(Map.prototype, Object.create(Object.prototype));
      const chain = prototypePollution();
      console.log(JSON.stringify([[...before], hook, chain]));
    `);
    expect(reports).toEqual([
      [null],
      expect.stringMatching(/^Number\.prototype\[Symbol\.split\] was added/),
      expect.stringMatching(/^Map\.prototype no longer inherits/),
    ]);
  });

  it("finds nothing, and still reports what Node leaves open, under node --frozen-intrinsics", () => {
    const reports = inFreshProcess(
      `
      const { prototypePollution, addedObjectPrototypeMembers } = await check();
      const before = new Set();
      for (let i = 0; i < 500; i++) before.add(prototypePollution());
      let locked = true;
      try { Object.prototype.Bucket = "public"; locked = false; } catch {}
      Object.defineProperty(Buffer.prototype, "then", { value: undefined, configurable: true });
      console.log(JSON.stringify([[...before], locked, addedObjectPrototypeMembers(), prototypePollution()]));
    `,
      ["--frozen-intrinsics"],
    );
    expect(reports).toEqual([
      [null],
      true,
      [],
      expect.stringMatching(/^Buffer\.prototype\.then was added/),
    ]);
  });
});

describe("prototypePollution when the methods it could call are replaced", () => {
  it("keeps reporting a member of Object.prototype after Set.prototype.has lied while it was locked", () => {
    const reports = inFreshProcess(`
      const { prototypePollution, addedObjectPrototypeMembers } = await check();
      Object.defineProperty(Object.prototype, "Policy", { value: "public", configurable: false });
      Object.preventExtensions(Object.prototype);
      const has = Set.prototype.has;
      Set.prototype.has = () => true;
      const during = new Set();
      for (let i = 0; i < 130; i++) during.add(prototypePollution());
      Set.prototype.has = has;
      console.log(JSON.stringify([[...during], prototypePollution(), addedObjectPrototypeMembers()]));
    `);
    expect(reports).toEqual([
      [expect.stringMatching(/^Object\.prototype has the member "Policy"/)],
      expect.stringMatching(/^Object\.prototype has the member "Policy"/),
      ["Policy"],
    ]);
  });

  it("reports a member of Object.prototype while Set.prototype.has answers every name", () => {
    const reports = inFreshProcess(`
      const { prototypePollution, isAddedObjectPrototypeMember } = await check();
      Set.prototype.has = () => true;
      Object.prototype.Bucket = "public";
      console.log(JSON.stringify([prototypePollution(), isAddedObjectPrototypeMember("Bucket")]));
    `);
    expect(reports).toEqual([
      expect.stringMatching(/^Object\.prototype has the member "Bucket"/),
      true,
    ]);
  });

  it("reports an index on Array.prototype while String.prototype.charCodeAt lies", () => {
    const reports = inFreshProcess(`
      const { prototypePollution, addedArrayPrototypeIndexes } = await check();
      String.prototype.charCodeAt = () => 65;
      Array.prototype[0] = "forged";
      console.log(JSON.stringify([prototypePollution(), addedArrayPrototypeIndexes()]));
    `);
    expect(reports).toEqual([expect.stringMatching(/^Array\.prototype has the index 0/), ["0"]]);
  });

  it("names what was added in its own words while String and JSON.stringify are replaced", () => {
    const reports = inFreshProcess(`
      const { prototypePollution, addedObjectPrototypeMembers } = await check();
      const print = JSON.stringify;
      globalThis.String = () => "toString";
      JSON.stringify = () => "nothing";
      Object.defineProperty(Object.prototype, Symbol.for("hook"), { value: 1, configurable: true });
      Object.prototype.Key = "x";
      console.log(print([prototypePollution(), addedObjectPrototypeMembers()]));
    `);
    expect(reports).toEqual([
      expect.stringMatching(/^Object\.prototype has the members "Key", "Symbol\(hook\)", which/),
      ["Key", "Symbol(hook)"],
    ]);
  });
});

describe("prototypePollution for the chains of every object it watches", () => {
  it("reports a Symbol.hasInstance added to %TypedArray%, which every typed array constructor inherits", () => {
    const report = inFreshProcess(`
      const { prototypePollution } = await check();
      Object.defineProperty(Object.getPrototypeOf(Uint8Array), Symbol.hasInstance, { value: () => true, configurable: true });
      console.log(JSON.stringify([prototypePollution(), ({}) instanceof Uint8Array]));
    `);
    expect(report).toEqual([
      expect.stringMatching(/^%TypedArray%\[Symbol\.hasInstance\] was added/),
      true,
    ]);
  });

  const cases: Array<[string, string, RegExp]> = [
    [
      "Buffer.prototype",
      "Object.setPrototypeOf(Buffer.prototype, Object.create(Uint8Array.prototype, { then: { value(resolve) { resolve('forged'); } } }));",
      /^Buffer\.prototype no longer inherits from Uint8Array\.prototype/,
    ],
    [
      "URL.prototype",
      "Object.setPrototypeOf(URL.prototype, Object.create(Object.prototype, { then: { value() {} } }));",
      /^URL\.prototype no longer inherits from Object\.prototype/,
    ],
    [
      "URL",
      "Object.setPrototypeOf(URL, Object.setPrototypeOf({ [Symbol.hasInstance]: () => true }, Function.prototype));",
      /^URL no longer inherits from Function\.prototype/,
    ],
    [
      "TypeError",
      "Object.setPrototypeOf(TypeError, Object.setPrototypeOf({ [Symbol.hasInstance]: () => true }, Error));",
      /^TypeError no longer inherits from Error/,
    ],
    [
      "%TypedArray%",
      "Object.setPrototypeOf(Object.getPrototypeOf(Uint8Array), Object.setPrototypeOf({ [Symbol.hasInstance]: () => true }, Function.prototype));",
      /^%TypedArray% no longer inherits from Function\.prototype/,
    ],
    [
      "ArrayBuffer.prototype",
      "Object.setPrototypeOf(ArrayBuffer.prototype, Object.create(Object.prototype, { then: { value() {} } }));",
      /^ArrayBuffer\.prototype no longer inherits from Object\.prototype/,
    ],
  ];
  it.each(cases)(
    "reports a hook put into the chain of %s, where it adds no member of its own",
    (_name, insert, expected) => {
      const report = inFreshProcess(`
        const { prototypePollution } = await check();
        ${insert}
        console.log(JSON.stringify(prototypePollution()));
      `);
      expect(report).toMatch(expected);
    },
  );

  it("reports get and set added to Object.prototype without running them or failing", () => {
    const reports = inFreshProcess(`
      const { prototypePollution } = await check();
      let ran = 0;
      Object.defineProperty(Object.prototype, "get", { get() { ran++; return undefined; }, configurable: true });
      Object.prototype.set = undefined;
      let report;
      try { report = prototypePollution(); } catch (error) { report = "threw: " + error.message; }
      console.log(JSON.stringify([report, ran]));
    `);
    expect(reports).toEqual([
      expect.stringMatching(/^Object\.prototype has the members "get", "set"/),
      0,
    ]);
  });
});

describe("lockPrototypes", () => {
  it("locks the prototypes the check watches, which then reads clean check after check", () => {
    const reports = inFreshProcess(`
      const { lockPrototypes, prototypePollution } = await check();
      const locked = lockPrototypes();
      const refused = [];
      for (const attempt of [
        () => { Object.prototype.Bucket = "public"; },
        () => { Object.setPrototypeOf(Array.prototype, Object.create(Object.prototype)); },
        () => { Array.prototype[0] = "forged"; },
        () => { String.prototype[Symbol.split] = () => []; },
        () => { Object.getPrototypeOf([][Symbol.iterator]()).return = () => ({}); },
        () => { Buffer.prototype.then = undefined; },
      ]) {
        try { attempt(); refused.push(false); } catch (error) { refused.push(error instanceof TypeError); }
      }
      const after = new Set();
      for (let i = 0; i < 200; i++) after.add(prototypePollution());
      console.log(JSON.stringify([locked, refused, [...after]]));
    `);
    expect(reports).toEqual([null, [true, true, true, true, true, true], [null]]);
  });

  it("keeps reporting what was added before the lock", () => {
    const reports = inFreshProcess(`
      const { lockPrototypes, prototypePollution } = await check();
      Object.defineProperty(Array.prototype, "toJSON", { value: () => "forged", configurable: true });
      const locked = lockPrototypes();
      const after = new Set();
      for (let i = 0; i < 200; i++) after.add(prototypePollution());
      // An object, with the reports as text: the added toJSON answers for every list.
      console.log(JSON.stringify({ locked, after: [...after].join(" | ") }));
    `);
    expect(reports).toEqual({
      locked: expect.stringMatching(/^Array\.prototype\.toJSON was added/),
      after: expect.stringMatching(/^Array\.prototype\.toJSON was added[^|]*$/),
    });
  });

  it("locks every watched prototype even when Set's methods were replaced before it loaded", () => {
    const reports = inFreshProcess(`
      Set.prototype.add = function () { return this; };
      Set.prototype.has = () => true;
      const { lockPrototypes } = await check();
      const locked = lockPrototypes();
      const open = [Object.prototype, String.prototype, Array.prototype, Function.prototype, Buffer.prototype]
        .map((target) => Object.isExtensible(target));
      console.log(JSON.stringify([locked ?? "clean", open]));
    `);
    expect(reports).toEqual(["clean", [false, false, false, false, false]]);
  });

  it("leaves existing methods writable and constructors open, and still watches the constructors", () => {
    const reports = inFreshProcess(`
      const { lockPrototypes, prototypePollution } = await check();
      lockPrototypes();
      for (let i = 0; i < 200; i++) prototypePollution();
      const push = Array.prototype.push;
      Array.prototype.push = function (...items) { return push.apply(this, items); };
      const wrapped = [1].push(2) === 2;
      Error.prepareStackTrace = undefined;
      Object.defineProperty(Promise, Symbol.hasInstance, { value: () => true, configurable: true });
      console.log(JSON.stringify([wrapped, prototypePollution()]));
    `);
    expect(reports).toEqual([
      true,
      expect.stringMatching(/^Promise\[Symbol\.hasInstance\] was added/),
    ]);
  });
});
