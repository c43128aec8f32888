import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("dist", () => {
  it("is what a fresh build of the sources produces", () => {
    const output = execFileSync(
      process.execPath,
      [join(import.meta.dirname, "..", "scripts", "check-dist.mjs")],
      { encoding: "utf8" },
    );
    expect(output).toContain("up to date");
  });
});
