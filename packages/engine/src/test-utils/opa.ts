import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: `policies/keycard` and the bootstrapped tools live there. @internal */
export const repoRoot: string = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "..",
);

/** The keycard Rego library. @internal */
export const libraryDir: string = join(repoRoot, "policies", "keycard");

/** The OPA CLI: `OPA_PATH`, else the bootstrapped copy in the repository, else `opa` on PATH. @internal */
export function opaPath(): string {
  if (process.env.OPA_PATH) return process.env.OPA_PATH;
  const bootstrapped = join(repoRoot, ".tools", "bin", "opa");
  return existsSync(bootstrapped) ? bootstrapped : "opa";
}

/**
 * Runs the OPA CLI and returns its standard output. A missing CLI fails the test with a
 * message saying how to install it; these tests are never skipped.
 * @internal
 */
export function runOpa(args: string[]): string {
  try {
    return execFileSync(opaPath(), args, {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (e.code === "ENOENT") {
      throw new Error(
        `the OPA CLI was not found at "${opaPath()}": run scripts/bootstrap.sh or set OPA_PATH`,
      );
    }
    // `opa eval --format json` reports errors on standard output.
    throw new Error(
      `opa ${args[0]} failed: ${[e.stderr, e.stdout].filter(Boolean).join("\n") || e.message}`,
    );
  }
}

/** A temporary directory and its remover. @internal */
export function makeTempDir(prefix = "keycard-engine-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What {@link buildBundle} puts in a bundle. @internal */
export interface BundleSpec {
  /** Custom Rego modules by file name, for example `{ "team.rego": "package keycard.custom.team ..." }`. */
  modules?: Record<string, string>;
  /** The bundle's `data.json`. */
  data?: unknown;
  /** Entrypoint to compile; the keycard decision unless a test needs another. */
  entrypoint?: string;
  /** Leave the keycard library out (for bundles that must lack the decision entrypoint). */
  withoutLibrary?: boolean;
}

/** Builds a wasm bundle with `opa build` in `dir` and returns its path. @internal */
export function buildBundle(dir: string, spec: BundleSpec): string {
  const root = join(dir, "bundle-src");
  mkdirSync(root, { recursive: true });
  for (const [name, text] of Object.entries(spec.modules ?? {}))
    writeFileSync(join(root, name), text);
  if (spec.data !== undefined) writeFileSync(join(root, "data.json"), JSON.stringify(spec.data));
  const out = join(dir, "bundle.tar.gz");
  const sources = spec.withoutLibrary ? [root] : [libraryDir, root];
  runOpa([
    "build",
    "-t",
    "wasm",
    "-e",
    spec.entrypoint ?? "keycard/authz/decision",
    "--ignore",
    "*_test.rego",
    "-o",
    out,
    ...sources,
  ]);
  return out;
}
