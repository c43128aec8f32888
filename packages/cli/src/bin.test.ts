import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./test-utils/index.js";

const bin = join(repoRoot, "packages", "cli", "src", "bin.ts");

function runBin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--conditions=@keycard/source", "--import", "tsx", bin, ...args],
      { cwd: repoRoot, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

describe("the keycard executable", () => {
  it("starts with a shebang, so the built file runs as a command", () => {
    expect(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("exits with the code run returns", async () => {
    const help = await runBin(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: keycard <command>");
    const unknown = await runBin(["deploy"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown command "deploy"');
  });
});
