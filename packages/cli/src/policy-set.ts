import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { CliError } from "./errors.js";

/** A file of a policy set, read into memory. @internal */
export interface SetFile {
  /** Path inside the policy set, with `/` separators. */
  path: string;
  text: string;
}

/**
 * A policy set: a directory of IAM JSON documents, permissions boundaries
 * (`boundary.json`, `*.boundary.json`), custom Rego modules with their `*_test.rego`
 * tests, `data.json` for the rules, and decision logs under `recorded/`. The same layout
 * the pull-request gate reads.
 * @internal
 */
export interface PolicySet {
  /** Absolute directory (the file's directory when a single document was given). */
  dir: string;
  /** How to show the set's files to the user: the path as given, relative to the working directory. */
  display: string;
  documents: SetFile[];
  boundaries: SetFile[];
  modules: SetFile[];
  tests: SetFile[];
  data: SetFile[];
  recorded: SetFile[];
}

/** Path of a set file as the user should see it. @internal */
export function displayPath(set: PolicySet, file: SetFile | string): string {
  const path = typeof file === "string" ? file : file.path;
  return set.display === "." || set.display === "" ? path : `${set.display}/${path}`;
}

function isBoundary(path: string): boolean {
  const name = basename(path);
  return name === "boundary.json" || name.endsWith(".boundary.json");
}

async function walk(dir: string, base: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, base, out);
    else if (entry.isFile()) out.push(relative(base, full).split(sep).join("/"));
  }
}

/**
 * Reads a policy set from a directory, or a single IAM JSON document. A path that does
 * not exist is an input error naming it.
 * @internal
 */
export async function readPolicySet(path: string, cwd: string, verb: string): Promise<PolicySet> {
  const absolute = resolve(cwd, path);
  const shown = (relative(cwd, absolute) || ".").split(sep).join("/");
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(absolute);
  } catch (cause) {
    throw new CliError("InputError", `policy set ${path} does not exist`, { cause, verb });
  }
  const empty = { documents: [], boundaries: [], modules: [], tests: [], data: [], recorded: [] };
  if (info.isFile()) {
    if (!absolute.endsWith(".json")) {
      throw new CliError(
        "InputError",
        `${path} is neither a policy-set directory nor an IAM JSON document`,
        { verb },
      );
    }
    const dir = resolve(absolute, "..");
    const set: PolicySet = {
      dir,
      display: (relative(cwd, dir) || ".").split(sep).join("/"),
      ...empty,
    };
    const file = { path: basename(absolute), text: await readFile(absolute, "utf8") };
    (isBoundary(file.path) ? set.boundaries : set.documents).push(file);
    return set;
  }
  const set: PolicySet = { dir: absolute, display: shown, ...empty };
  const paths: string[] = [];
  await walk(absolute, absolute, paths);
  paths.sort();
  for (const file of paths) {
    const name = basename(file);
    const inRecorded = file.split("/").includes("recorded");
    let bucket: SetFile[] | undefined;
    if (inRecorded) bucket = name.endsWith(".jsonl") ? set.recorded : undefined;
    else if (name.endsWith("_test.rego")) bucket = set.tests;
    else if (name.endsWith(".rego")) bucket = set.modules;
    else if (name === "data.json") bucket = set.data;
    else if (name.endsWith(".json")) bucket = isBoundary(file) ? set.boundaries : set.documents;
    if (!bucket) continue;
    const full = join(absolute, file);
    if (!(await lstat(full)).isFile()) continue;
    bucket.push({ path: file, text: await readFile(full, "utf8") });
  }
  if (set.documents.length + set.boundaries.length + set.modules.length === 0) {
    throw new CliError(
      "InputError",
      `${path} holds no IAM JSON documents and no Rego modules; is it a policy set?`,
      { verb },
    );
  }
  return set;
}
