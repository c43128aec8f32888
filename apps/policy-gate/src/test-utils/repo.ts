import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Repository root of this monorepo, for the OPA CLI and the Rego library. @internal */
export const MONOREPO = join(import.meta.dirname, "..", "..", "..", "..");
/** The pinned OPA CLI the tests pass explicitly. @internal */
export const OPA = join(MONOREPO, ".tools", "bin", "opa");
/** The pinned Regal CLI the tests pass explicitly. @internal */
export const REGAL = join(MONOREPO, ".tools", "bin", "regal");

/** A temporary git repository with a base and a head commit. @internal */
export interface TempRepo {
  dir: string;
  base: string;
  head: string;
  remove(): void;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      GIT_AUTHOR_NAME: "test",
      GIT_AUTHOR_EMAIL: "test@example.com",
      GIT_COMMITTER_NAME: "test",
      GIT_COMMITTER_EMAIL: "test@example.com",
      GIT_CONFIG_NOSYSTEM: "1",
    },
  }).trim();
}

function write(dir: string, files: Record<string, string | null>): void {
  for (const [path, text] of Object.entries(files)) {
    const target = join(dir, path);
    if (text === null) {
      rmSync(target, { force: true });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}

/**
 * Creates a repository whose first commit holds `base` (plus the keycard Rego library under
 * `policies/keycard` when `library` is set) and whose second commit applies `head` (a null
 * value deletes the file, and `links` become symbolic links). The head commit is checked out.
 * @internal
 */
export function createRepo(
  base: Record<string, string>,
  head: Record<string, string | null>,
  options: { library?: boolean; links?: Record<string, string> } = {},
): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), "keycard-gate-repo-"));
  git(dir, "init", "-q", "-b", "main");
  if (options.library !== false)
    cpSync(join(MONOREPO, "policies", "keycard"), join(dir, "policies", "keycard"), {
      recursive: true,
    });
  write(dir, base);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "base");
  const baseSha = git(dir, "rev-parse", "HEAD");
  write(dir, head);
  for (const [path, target] of Object.entries(options.links ?? {})) {
    rmSync(join(dir, path), { force: true });
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    symlinkSync(target, join(dir, path));
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", "head");
  const headSha = git(dir, "rev-parse", "HEAD");
  return {
    dir,
    base: baseSha,
    head: headSha,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An IAM JSON document with the given statements, formatted one statement per line block. @internal */
export function iamDocument(statements: ReadonlyArray<Record<string, unknown>>): string {
  return `${JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2)}\n`;
}
