import { describe, expect, it } from "vitest";
import { colorEnabled, createStyle } from "./io.js";

describe("colour", () => {
  it("is on only for a terminal without NO_COLOR or a dumb terminal", () => {
    expect(colorEnabled({ write() {}, isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ write() {} }, {})).toBe(false);
    expect(colorEnabled({ write() {}, isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled({ write() {}, isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(colorEnabled({ write() {}, isTTY: true }, { TERM: "dumb" })).toBe(false);
  });

  it("leaves text alone when off", () => {
    const off = createStyle(false);
    expect(off.red("x") + off.bold("y")).toBe("xy");
    expect(createStyle(true).green("ok")).toBe("\u001b[32mok\u001b[39m");
  });
});
