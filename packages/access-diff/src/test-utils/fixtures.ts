import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { onTestFinished } from "vitest";
import { emptySetDiff } from "../set-diff.js";
import type { GateReport, PolicySetDiff } from "../types.js";

/** Root of the monorepo, for the pinned CLIs and the Rego library. */
export const MONOREPO = join(import.meta.dirname, "..", "..", "..", "..");
/** The pinned OPA CLI. */
export const OPA = join(MONOREPO, ".tools", "bin", "opa");
/** The pinned Regal CLI. */
export const REGAL = join(MONOREPO, ".tools", "bin", "regal");
/** The keycard Rego library. */
export const LIBRARY = join(MONOREPO, "policies", "keycard");
/** Tools options the tests pass explicitly. */
export const TOOLS = { opa: OPA, regal: REGAL };

/** A temporary directory removed when the test finishes. */
export function tempDir(prefix = "keycard-access-diff-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes files (path → text) under `dir`; `null` deletes. */
export function writeTree(dir: string, files: Record<string, string | null>): string {
  for (const [path, text] of Object.entries(files)) {
    const target = join(dir, path);
    if (text === null) rmSync(target, { force: true });
    else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
  }
  return dir;
}

/** A formatted IAM document. */
export function iam(...statements: Array<Record<string, unknown>>): string {
  return `${JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2)}\n`;
}

/** Runs git with a fixed identity in `dir`. */
export function git(dir: string, ...args: string[]): string {
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
    },
  }).trim();
}

/** A repository with a base commit of `base` and a head commit applying `head`. */
export function tempRepo(
  base: Record<string, string>,
  head: Record<string, string | null>,
): { dir: string; base: string; head: string } {
  const dir = tempDir("keycard-access-diff-repo-");
  git(dir, "init", "-q", "-b", "main");
  writeTree(dir, base);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "base");
  const baseSha = git(dir, "rev-parse", "HEAD");
  writeTree(dir, head);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", "head");
  return { dir, base: baseSha, head: git(dir, "rev-parse", "HEAD") };
}

/** An empty set diff, for report and renderer tests. */
export function emptyDiff(name = "policies/orders"): PolicySetDiff {
  return emptySetDiff(name, "modified");
}

/** Lists every action mentioned in new access of a report or diff. */
export function newActions(diff: PolicySetDiff | GateReport): string[] {
  const sets = "sets" in diff ? diff.sets : [diff];
  return sets.flatMap((s) => s.newAccess.flatMap((c) => c.actions)).sort();
}
