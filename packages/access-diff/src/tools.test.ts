import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { restrictCapabilities, writeRestrictedCapabilities } from "./capabilities.js";
import { OPA, tempDir, writeTree } from "./test-utils/fixtures.js";
import { resolveTools, runTool } from "./tools.js";
import { wasmBuiltins } from "./wasm-builtins.js";

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeTree(dir, { [name]: `#!/bin/sh\n${body}\n` });
  chmodSync(path, 0o755);
  return path;
}

afterEach(() => {
  delete process.env.KEYCARD_TEST_SECRET;
});

describe("runTool", () => {
  it("stops a tool that runs past its time limit", async () => {
    const dir = tempDir();
    const slow = script(dir, "slow", "sleep 30");
    await expect(runTool(slow, ["build"], { cwd: dir, timeoutMs: 200 })).rejects.toMatchObject({
      name: "AccessDiffError",
      code: "ToolTimeout",
    });
  });

  it("gives tools a minimal environment without this process's secrets", async () => {
    const dir = tempDir();
    process.env.KEYCARD_TEST_SECRET = "do-not-leak";
    const result = await runTool(script(dir, "env", "env"), [], { cwd: dir, timeoutMs: 10_000 });
    expect(result.stdout).not.toContain("do-not-leak");
    expect(result.stdout).toContain("REGAL_DISABLE_CHECK_VERSION=true");
  });

  it("returns a non-zero exit as a result, not an error", async () => {
    const dir = tempDir();
    const result = await runTool(script(dir, "fail", "echo found >&2; exit 3"), [], {
      cwd: dir,
      timeoutMs: 10_000,
    });
    expect(result).toEqual({ code: 3, stdout: "", stderr: "found\n" });
  });
});

describe("resolveTools", () => {
  it("says how to install OPA when it is missing", async () => {
    await expect(resolveTools({ opa: "/nonexistent/opa" })).rejects.toMatchObject({
      code: "ToolNotFound",
      message: expect.stringMatching(/setup-opa/),
    });
  });
});

describe("writeRestrictedCapabilities", () => {
  it("removes network and runtime builtins and allows no hosts", async () => {
    const dir = tempDir();
    const tools = await resolveTools({ opa: OPA });
    const capabilities = JSON.parse(
      readFileSync(await writeRestrictedCapabilities(tools, dir), "utf8"),
    ) as {
      builtins: Array<{ name: string }>;
      allow_net: string[];
    };
    const names = new Set(capabilities.builtins.map((b) => b.name));
    for (const forbidden of ["http.send", "net.lookup_ip_addr", "opa.runtime"])
      expect(names.has(forbidden)).toBe(false);
    expect(names.has("startswith")).toBe(true);
    expect(capabilities.allow_net).toEqual([]);
  });

  it("keeps only builtins the WebAssembly runtime can run", async () => {
    const dir = tempDir();
    const tools = await resolveTools({ opa: OPA });
    const capabilities = JSON.parse(
      readFileSync(await writeRestrictedCapabilities(tools, dir), "utf8"),
    ) as { builtins: Array<{ name: string }> };
    const runnable = wasmBuiltins();
    for (const builtin of capabilities.builtins) expect(runnable.has(builtin.name)).toBe(true);
    const names = new Set(capabilities.builtins.map((b) => b.name));
    expect(names.has("crypto.x509.parse_certificates")).toBe(false);
    expect(names.has("time.now_ns")).toBe(false);
    expect(names.has("rand.intn")).toBe(false);
  });
});

describe("restrictCapabilities", () => {
  it("intersects OPA's builtins with the runtime's, then removes the forbidden ones", () => {
    const opa = {
      builtins: [
        { name: "startswith" },
        { name: "units.parse" },
        { name: "http.send" },
        { name: "rand.intn" },
      ],
      allow_net: ["example.com"],
    };
    const runnable = new Set(["startswith", "http.send", "rand.intn", "only.in.wasm"]);
    expect(restrictCapabilities(opa, runnable)).toEqual({
      builtins: [{ name: "startswith" }],
      allow_net: [],
    });
  });
});

describe("wasmBuiltins", () => {
  it("reads the installed runtime's own list", () => {
    const names = wasmBuiltins();
    expect(names.size).toBeGreaterThan(50);
    expect(names.has("glob.match")).toBe(true);
    expect(names.has("time.now_ns")).toBe(false);
  });
});

describe("runTool's memory limit", () => {
  it("stops a run whose memory grows past the limit, with a typed error", async () => {
    const dir = tempDir();
    const error = await runTool(
      OPA,
      ["eval", "--format", "raw", "count(numbers.range(1, 200000000))"],
      {
        cwd: dir,
        timeoutMs: 120_000,
        memoryBytes: 96 * 1024 * 1024,
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "AccessDiffError",
      code: "ToolOutOfMemory",
      message: expect.stringMatching(/over the limit of 96 MiB/),
    });
  });

  it("tells Go tools the soft limit, below the hard one", async () => {
    const dir = tempDir();
    const result = await runTool(script(dir, "env", "env"), [], {
      cwd: dir,
      timeoutMs: 10_000,
      memoryBytes: 1024 * 1024 * 1024,
    });
    expect(result.stdout).toContain(`GOMEMLIMIT=${Math.floor(1024 * 1024 * 1024 * 0.75)}B`);
  });
});
