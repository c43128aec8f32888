import { describe, expect, it } from "vitest";
import { UnreadableInputError } from "./input-snapshot.js";
import { assertPrototypeClean } from "./object-prototype.js";

describe("assertPrototypeClean", () => {
  it("passes an untouched process", () => {
    expect(() => assertPrototypeClean()).not.toThrow();
  });

  it("refuses while Object.prototype has a member added, naming it", () => {
    (Object.prototype as Record<string, unknown>)["keycardProbe"] = 1;
    let thrown: unknown;
    try {
      assertPrototypeClean();
    } catch (error) {
      thrown = error;
    } finally {
      delete (Object.prototype as Record<string, unknown>)["keycardProbe"];
    }
    expect(thrown).toBeInstanceOf(UnreadableInputError);
    expect(String(thrown)).toContain('"keycardProbe"');
  });

  it("refuses while Array.prototype has an index, which every hole in an array reads", () => {
    Object.defineProperty(Array.prototype, "0", {
      get: () => "x",
      configurable: true,
    });
    let thrown: unknown;
    try {
      assertPrototypeClean();
    } catch (error) {
      thrown = error;
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>)["0"];
    }
    expect(thrown).toBeInstanceOf(UnreadableInputError);
    expect(String(thrown)).toContain("Array.prototype has the index 0");
    expect(() => assertPrototypeClean()).not.toThrow();
  });
});
