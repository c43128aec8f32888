import { describe, expect, it } from "vitest";
import { UnreadableInputError } from "./input-snapshot.js";
import { assertPrototypeClean } from "./object-prototype.js";

/** What `assertPrototypeClean` throws while `pollute` has done its work (undone afterwards). */
function thrownWhile(pollute: () => void, undo: () => void): unknown {
  pollute();
  try {
    assertPrototypeClean();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    undo();
  }
}

describe("assertPrototypeClean", () => {
  it("passes an untouched process", () => {
    expect(() => assertPrototypeClean()).not.toThrow();
  });

  it("refuses while Object.prototype has a member added, naming it", () => {
    const added = Object.prototype as Record<string, unknown>;
    const thrown = thrownWhile(
      () => {
        added["keycardProbe"] = 1;
      },
      () => delete added["keycardProbe"],
    );
    expect(thrown).toBeInstanceOf(UnreadableInputError);
    expect(String(thrown)).toContain('"keycardProbe"');
  });

  it("refuses while Array.prototype has an index, which every hole in an array reads", () => {
    const thrown = thrownWhile(
      () => Object.defineProperty(Array.prototype, "0", { get: () => "x", configurable: true }),
      () => delete (Array.prototype as unknown as Record<string, unknown>)["0"],
    );
    expect(thrown).toBeInstanceOf(UnreadableInputError);
    expect(String(thrown)).toContain("Array.prototype has the index 0");
    expect(() => assertPrototypeClean()).not.toThrow();
  });

  it("refuses while String.prototype has a method the language looks up when text is split", () => {
    const thrown = thrownWhile(
      () =>
        Object.defineProperty(String.prototype, Symbol.split, {
          value: () => ["orders/decoy"],
          configurable: true,
        }),
      () => delete (String.prototype as unknown as Record<symbol, unknown>)[Symbol.split],
    );
    expect(thrown).toBeInstanceOf(UnreadableInputError);
    expect(String(thrown)).toContain("String.prototype[Symbol.split]");
    expect(() => assertPrototypeClean()).not.toThrow();
  });

  it("refuses while an object sits between String.prototype and Object.prototype", () => {
    const between = Object.create(Object.prototype) as object;
    Object.defineProperty(between, Symbol.split, { value: () => ["orders/decoy"] });
    const thrown = thrownWhile(
      () => Object.setPrototypeOf(String.prototype, between),
      () => Object.setPrototypeOf(String.prototype, Object.prototype),
    );
    expect(thrown).toBeInstanceOf(UnreadableInputError);
    expect(String(thrown)).toContain("String.prototype no longer inherits from Object.prototype");
    expect(() => assertPrototypeClean()).not.toThrow();
  });
});
