import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";

describe("dist", () => {
  it("is what a fresh build of the sources produces, and the check leaves nothing behind", () => {
    const temp = mkdtempSync(join(tmpdir(), "keycard-gate-dist-check-"));
    onTestFinished(() => rmSync(temp, { recursive: true, force: true }));
    const output = execFileSync(
      process.execPath,
      [join(import.meta.dirname, "..", "scripts", "check-dist.mjs")],
      { encoding: "utf8", env: { ...process.env, TMPDIR: temp } },
    );
    expect(output).toContain("up to date");
    expect(readdirSync(temp)).toEqual([]);
  });
});
