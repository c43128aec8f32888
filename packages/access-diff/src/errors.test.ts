import { describe, expect, it } from "vitest";
import { asError } from "./errors.js";

describe("asError", () => {
  it("keeps the message of a thrown plain object, as the opa-wasm SDK throws them", () => {
    const thrown = {
      message: "eval_conflict_error: complete rules must not produce multiple outputs",
    };
    const error = asError(thrown);
    expect(error.message).toBe(thrown.message);
    expect(error.message).not.toContain("[object Object]");
    expect(error.cause).toBe(thrown);
  });

  it("keeps errors as they are and describes anything else", () => {
    const original = new RangeError("too deep");
    expect(asError(original)).toBe(original);
    expect(asError("plain text").message).toBe("plain text");
    expect(asError({ code: 7 }).message).toBe('{"code":7}');
  });
});
