import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { commands } from "./run.js";
import { runCli } from "./test-utils/index.js";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

describe("keycard", () => {
  it("lists every verb in --help and exits 0", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    for (const name of ["build", "test", "explain", "learn", "diff", "gate"]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    }
    expect(result.stdout).toContain(
      "Exit codes: 0 pass, 1 policy verdict fail, 2 usage or input error.",
    );
  });

  it("prints the package version", async () => {
    for (const flag of ["--version", "-v"]) {
      const result = await runCli([flag]);
      expect(result).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: "" });
    }
  });

  it("shows the help with a usage exit code when run without a command", async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("Usage: keycard <command>");
  });

  it("rejects an unknown command with exit 2 and a pointer to --help", async () => {
    const result = await runCli(["deploy"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: unknown command "deploy"\nRun `keycard --help` for usage.\n',
    );
  });

  it.each(commands.map((c) => c.name))("has --help for %s", async (name) => {
    for (const argv of [
      [name, "--help"],
      [name, "-h"],
      ["help", name],
    ]) {
      const result = await runCli(argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: keycard ${name}`);
      expect(result.stdout).toContain("Exit codes:");
      expect(result.stderr).toBe("");
    }
  });

  it("turns an unknown option into a usage error that names the verb", async () => {
    const result = await runCli(["build", "--frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: Unknown option '--frobnicate'");
    expect(result.stderr).toContain("Run `keycard build --help` for usage.");
  });

  it("never colours output that is not a terminal, and never under NO_COLOR", async () => {
    const plain = await runCli(["deploy"]);
    expect(plain.stderr).not.toContain("\u001b[");
    const tty = await runCli(["deploy"], { tty: true });
    expect(tty.stderr).toContain("\u001b[31merror:");
    const noColor = await runCli(["deploy"], { tty: true, env: { NO_COLOR: "1" } });
    expect(noColor.stderr).not.toContain("\u001b[");
  });
});
