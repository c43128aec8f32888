import { execFileSync } from "node:child_process";
import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/** The engine's sources and what its build reads, as paths in the repository. */
const PATHS = [
  "packages/engine",
  "policies/keycard",
  "tsconfig.base.json",
  "tsconfig.build.base.json",
];
/** The shared bundle step, which revisions before it did not have. */
const SHARED_BUNDLE_STEP = "scripts/bundle-package.mjs";

/**
 * Builds the engine as it was at `rev` (its IAM library too) in `work`, with that revision's own
 * `npm run build`, and returns its entry point. Needs git, `opa` and the repository's
 * node_modules, which the copy shares.
 */
export function engineAt(root: string, rev: string, work: string): string {
  const paths = [...PATHS];
  const hasShared = execFileSync("git", ["ls-tree", "--name-only", rev, SHARED_BUNDLE_STEP], {
    cwd: root,
  });
  if (hasShared.toString().trim()) paths.push(SHARED_BUNDLE_STEP);
  const archive = execFileSync("git", ["archive", rev, ...paths], { cwd: root });
  execFileSync("tar", ["-x", "-C", work], { input: archive });
  symlinkSync(join(root, "node_modules"), join(work, "node_modules"));
  const opa = join(root, ".tools", "bin", "opa");
  const env = { ...process.env, ...(existsSync(opa) ? { OPA_PATH: opa } : {}) };
  const engine = join(work, "packages", "engine");
  const entry = join(engine, "dist", "index.js");
  try {
    execFileSync("npm", ["run", "build"], { cwd: engine, env, stdio: "ignore" });
  } catch (error) {
    // Type errors in files the benchmarks do not use still leave JavaScript behind.
    if (!existsSync(entry)) throw error;
  }
  return entry;
}
