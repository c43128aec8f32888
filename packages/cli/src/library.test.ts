import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { findLibrary } from "./library.js";
import { repoRoot, tempDir, writeFiles } from "./test-utils/index.js";

describe("findLibrary", () => {
  it("prefers the copy shipped beside the compiled modules", () => {
    const dir = tempDir();
    writeFiles(dir, { "dist/rego/keycard/authz/authz.rego": "package keycard.authz\n" });
    const moduleUrl = pathToFileURL(join(dir, "dist", "library.js")).href;
    expect(findLibrary(moduleUrl)).toBe(join(dir, "dist", "rego", "keycard"));
  });

  it("uses the repository's policies/keycard when run from source", () => {
    expect(findLibrary()).toBe(join(repoRoot, "policies", "keycard"));
  });

  it("says the installation is broken when there is no library", () => {
    const dir = tempDir();
    const moduleUrl = pathToFileURL(join(dir, "a", "b", "c", "d", "e", "f", "library.js")).href;
    expect(() => findLibrary(moduleUrl)).toThrow(
      expect.objectContaining({ name: "CliError", code: "LibraryNotFound" }),
    );
  });
});
