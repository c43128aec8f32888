import { createHash } from "node:crypto";
import { lstat, readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** A file of a policy set, read into memory. @internal */
export interface SetFile {
  /** Path inside the policy set, with `/` separators. */
  path: string;
  text: string;
}

/** The files of one version of a policy set, sorted by role. @internal */
export interface PolicySetFiles {
  dir: string;
  /** IAM JSON identity policies. */
  documents: SetFile[];
  /** IAM JSON permissions boundaries: `boundary.json` or `*.boundary.json`. */
  boundaries: SetFile[];
  /** Rego modules other than tests. */
  modules: SetFile[];
  /** `*_test.rego` files. */
  tests: SetFile[];
  /** `data.json` / `data.yaml` files the custom rules read. */
  data: SetFile[];
  /** Decision logs under `recorded/`. */
  recorded: SetFile[];
}

const MAX_FILE_BYTES = 8 * 1024 * 1024;

async function walk(dir: string, base: string, out: string[]): Promise<void> {
  let entries: Array<import("node:fs").Dirent>;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    // Symbolic links are never followed: a pull request could point one at a file outside
    // the repository and have its content shown in a comment.
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) await walk(full, base, out);
    else if (entry.isFile()) out.push(relative(base, full).split(sep).join("/"));
  }
}

/** True when the path names a permissions boundary document. @internal */
export function isBoundaryPath(path: string): boolean {
  const name = path.split("/").pop() ?? path;
  return name === "boundary.json" || name.endsWith(".boundary.json");
}

/** Reads the files of a policy set; an absent directory reads as an empty set. @internal */
export async function readPolicySet(dir: string): Promise<PolicySetFiles> {
  const set: PolicySetFiles = {
    dir,
    documents: [],
    boundaries: [],
    modules: [],
    tests: [],
    data: [],
    recorded: [],
  };
  const paths: string[] = [];
  await walk(dir, dir, paths);
  paths.sort();
  for (const path of paths) {
    const full = join(dir, path);
    const info = await lstat(full);
    if (!info.isFile() || info.size > MAX_FILE_BYTES) continue;
    const name = path.split("/").pop() ?? path;
    const inRecorded = path.split("/").includes("recorded");
    let bucket: SetFile[] | undefined;
    if (inRecorded && name.endsWith(".jsonl")) bucket = set.recorded;
    else if (inRecorded) bucket = undefined;
    else if (name.endsWith("_test.rego")) bucket = set.tests;
    else if (name.endsWith(".rego")) bucket = set.modules;
    else if (name === "data.json" || name === "data.yaml" || name === "data.yml") bucket = set.data;
    else if (name.endsWith(".json")) bucket = isBoundaryPath(path) ? set.boundaries : set.documents;
    if (bucket) bucket.push({ path, text: await readFile(full, "utf8") });
  }
  return set;
}

/** True when the directory holds nothing a policy set is made of. @internal */
export function isEmptySet(set: PolicySetFiles): boolean {
  return set.documents.length + set.boundaries.length + set.modules.length + set.tests.length === 0;
}

/** Hash of the files that decide what Rego does: modules and data. @internal */
export function regoFingerprint(set: PolicySetFiles | undefined): string {
  const hash = createHash("sha256");
  for (const file of [...(set?.modules ?? []), ...(set?.data ?? [])]) {
    hash.update(file.path).update("\0").update(file.text).update("\0");
  }
  return hash.digest("hex");
}

/** True when a Rego module declares the keycard decision package: the IAM library itself. @internal */
export function declaresLibrary(text: string): boolean {
  return /^\s*package\s+keycard\.authz\b/m.test(text);
}
