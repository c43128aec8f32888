import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, for tests that read `policies/` or the bootstrapped tools. @internal */
export const repoRoot: string = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Path of a tool the bootstrap installed (`opa`, `regal`, `moto_server`). @internal */
export function toolPath(name: "opa" | "regal" | "moto_server"): string {
  if (name === "moto_server") return join(repoRoot, ".tools", "venv", "bin", "moto_server");
  return join(repoRoot, ".tools", "bin", name);
}

/**
 * A fresh temporary directory and a function that removes it; pass the remover to
 * `onTestFinished` or `afterAll`. @internal
 */
export function makeTempDir(prefix = "keycard-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
