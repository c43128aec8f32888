import { describe, expect, it } from "vitest";
import { logText, markdownCode, markdownText } from "./escape.js";

describe("markdownText", () => {
  it("leaves no HTML, mention, link or emphasis that the text did not mean", () => {
    const out = markdownText("<!-- hide --> @team *x* [a](b) `c` a|b\nnext");
    expect(out).not.toMatch(/<|>/);
    expect(out).not.toMatch(/@team/);
    expect(out).not.toContain("\n");
    expect(out).toContain("\\|");
    expect(out).toContain("\\*x\\*");
    expect(out).toContain("\\[a\\]");
    expect(out).toContain("\\`c\\`");
  });
});

describe("markdownCode", () => {
  it("uses a fence longer than any run of backticks in the text", () => {
    expect(markdownCode("a```b")).toBe("````a```b````");
    expect(markdownCode("`x")).toBe("`` `x ``");
    expect(markdownCode("plain")).toBe("`plain`");
  });

  it("keeps a table row intact and mentions inert", () => {
    const out = markdownCode("a|b\n@team");
    expect(out).not.toContain("\n");
    expect(out).toContain("a\\|b");
  });
});

describe("logText", () => {
  it("encodes line breaks and control characters so no workflow command can start a line", () => {
    const out = logText("policies/x\n::set-output name=result::pass\r\u001b[2J\u0085\u2028");
    for (const c of ["\r", "\n", "\u001b", "\u0085", "\u2028"]) expect(out).not.toContain(c);
    expect(out.split("\n")).toHaveLength(1);
    expect(out).toContain("\\n::set-output");
  });
});
