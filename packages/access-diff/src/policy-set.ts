import { createHash } from "node:crypto";
import { lstat, readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import type { Finding } from "./types.js";

/** A file of a policy set, read into memory. @public */
export interface SetFile {
  /** Path inside the policy set, with `/` separators. */
  path: string;
  text: string;
}

/** The files of one version of a policy set, sorted by role. @public */
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
  /** `data.json` files the custom rules read. */
  data: SetFile[];
  /** Decision logs under `recorded/`. */
  recorded: SetFile[];
  /**
   * Files refused while reading, as findings with paths inside the set: symbolic links,
   * files over {@link MAX_FILE_BYTES}, data files `keycard build` would not ship, data that
   * sets keycard's own keys, Rego that declares a `keycard.*` package other than
   * `keycard.custom.*`. Any of these makes the set invalid: what the gate sees must be what
   * the bundle holds.
   */
  problems: Finding[];
}

/** The largest file a policy set may hold; a larger one is an error, never skipped. @public */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

/**
 * The deepest nesting of arrays and objects a JSON file may have. IAM documents need about
 * six levels; a file nested thousands deep would exhaust the stack of every recursive reader
 * after it, so it is refused where it is read, with a message that says why.
 * @public
 */
export const MAX_JSON_DEPTH = 100;

/** How deeply a JSON text nests arrays and objects, counted outside strings. @public */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) deepest = Math.max(deepest, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return deepest;
}

/** The data file names that would be read if they were accepted; only `data.json` is. */
const DATA_NAMES = new Set(["data.json", "data.yaml", "data.yml"]);

function problem(file: string, rule: string, message: string): Finding {
  return { check: "build", severity: "error", rule, message, file };
}

function tooLarge(file: string, size: number): Finding {
  return problem(
    file,
    "FileTooLarge",
    `is ${size} bytes, over the limit of ${MAX_FILE_BYTES}: split it into smaller files`,
  );
}

/** A set with no files, at `dir`. @internal */
export function emptySet(dir: string): PolicySetFiles {
  return {
    dir,
    documents: [],
    boundaries: [],
    modules: [],
    tests: [],
    data: [],
    recorded: [],
    problems: [],
  };
}

/**
 * The `package` a Rego module declares, or undefined: a quick reading for the trusted
 * library's outline. A set's packages are judged from OPA's own parse tree
 * (`rego-parse.ts`), since only OPA decides where its lines end.
 * @internal
 */
export function declaredPackage(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const match = /^[ \t]*package[ \t]+([A-Za-z0-9_.[\]"]+)/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * Line breaks other than `\n`: OPA does not end a line (or a comment) at them, while
 * JavaScript and most line-based tools do, so a comment can hide a `package` line from one
 * and show it to the other. Rego in a policy set may not hold them.
 */
const FOREIGN_LINE_BREAK = /[\r\u2028\u2029]/;

/**
 * True when a set's module may declare this package: anything outside `keycard`, or a
 * custom rule under `keycard.custom.<name>`. Any other `keycard.*` package would replace
 * part of the IAM library.
 * @internal
 */
export function isAllowedSetPackage(name: string): boolean {
  if (name !== "keycard" && !name.startsWith("keycard.") && !name.startsWith("keycard["))
    return true;
  return /^keycard\.custom\.[A-Za-z0-9_]+/.test(name);
}

/** Problems in the content of an accepted file: reserved packages and reserved data keys. */
function contentProblems(path: string, name: string, text: string): Finding[] {
  if (name.endsWith(".json")) {
    const depth = jsonDepth(text);
    if (depth > MAX_JSON_DEPTH) {
      return [
        problem(
          path,
          "JsonTooDeep",
          `is nested ${depth} levels deep, more than the ${MAX_JSON_DEPTH} keycard reads`,
        ),
      ];
    }
  }
  if (name.endsWith(".rego")) {
    if (FOREIGN_LINE_BREAK.test(text)) {
      return [
        problem(
          path,
          "CarriageReturn",
          "holds a carriage return or Unicode line separator: OPA and line-based tools disagree on where its lines end, so save it with \\n line endings only",
        ),
      ];
    }
    const pkg = declaredPackage(text);
    if (pkg !== undefined && !isAllowedSetPackage(pkg)) {
      return [
        problem(
          path,
          "ReservedPackage",
          `declares package ${pkg}: a policy set may only add custom rules under keycard.custom.<name>; the keycard library is never taken from a policy set`,
        ),
      ];
    }
  }
  if (name === "data.json") {
    // OPA puts a folder's data.json under the folder's path: keycard/data.json would be
    // data.keycard, which only the build writes.
    if (path.split("/")[0] === "keycard") {
      return [
        problem(
          path,
          "ReservedDataKey",
          "data.json in a folder named keycard sets keycard's own data, which keycard build writes itself",
        ),
      ];
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return [problem(path, "MalformedData", "data.json is not valid JSON")];
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return [problem(path, "MalformedData", "data.json must hold a JSON object")];
    }
    if ("keycard" in value) {
      return [
        problem(
          path,
          "ReservedDataKey",
          "data.json sets the top-level key keycard: keycard build writes that key itself, so it cannot come from a policy set",
        ),
      ];
    }
  }
  return [];
}

async function walk(dir: string, base: string, out: string[], links: string[]): Promise<void> {
  let entries: Array<import("node:fs").Dirent>;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    // Hidden files are read like any other: skipping them would let a file the reader never
    // sees decide something (it once marked a set's folder as the library). Anything that is
    // read ships, and anything that ships was read.
    if (entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    // Symbolic links are never followed: a pull request could point one at a file outside
    // the repository and have its content shown in a comment. They are refused, not
    // skipped, so a link replacing a document cannot read as a deleted document.
    if (entry.isSymbolicLink()) links.push(relative(base, full).split(sep).join("/"));
    else if (entry.isDirectory()) await walk(full, base, out, links);
    else if (entry.isFile()) out.push(relative(base, full).split(sep).join("/"));
  }
}

/** True when the path names a permissions boundary document. @internal */
export function isBoundaryPath(path: string): boolean {
  const name = path.split("/").pop() ?? path;
  return name === "boundary.json" || name.endsWith(".boundary.json");
}

/**
 * Reads the files of a policy set; an absent directory reads as an empty set. This is the one
 * reader `keycard build`, `keycard test` and the gate share: whatever it refuses (see
 * {@link PolicySetFiles.problems}) is refused by all of them.
 * @public
 */
export async function readPolicySet(dir: string): Promise<PolicySetFiles> {
  const set = emptySet(dir);
  const paths: string[] = [];
  const links: string[] = [];
  await walk(dir, dir, paths, links);
  paths.sort();
  for (const link of links.sort()) {
    set.problems.push(
      problem(
        link,
        "SymbolicLink",
        "is a symbolic link: policy sets are read without following links, so replace it with the file itself",
      ),
    );
  }
  for (const path of paths) {
    const full = join(dir, path);
    const name = path.split("/").pop() ?? path;
    const inRecorded = path.split("/").includes("recorded");
    let bucket: SetFile[] | undefined;
    if (inRecorded && name.endsWith(".jsonl")) bucket = set.recorded;
    else if (inRecorded) bucket = undefined;
    else if (name.endsWith("_test.rego")) bucket = set.tests;
    else if (name.endsWith(".rego")) bucket = set.modules;
    else if (name === "data.json") bucket = set.data;
    else if (DATA_NAMES.has(name)) {
      set.problems.push(
        problem(
          path,
          "UnsupportedDataFile",
          `${name} is not shipped in the bundle: custom-rule data goes in data.json`,
        ),
      );
    } else if (name.endsWith(".json"))
      bucket = isBoundaryPath(path) ? set.boundaries : set.documents;
    if (!bucket) continue;
    const info = await lstat(full);
    if (!info.isFile()) continue;
    if (info.size > MAX_FILE_BYTES) {
      set.problems.push(tooLarge(path, info.size));
      continue;
    }
    const text = await readFile(full, "utf8");
    if (bucket !== set.recorded) set.problems.push(...contentProblems(path, name, text));
    bucket.push({ path, text });
  }
  return set;
}

/**
 * Reads what a command was pointed at: a policy-set directory, or a single IAM JSON document
 * (read as a set of that one file, with the same checks). Undefined when nothing is there. A
 * symbolic link is read as a set holding one refused link.
 * @public
 */
export async function readPolicyPath(path: string): Promise<PolicySetFiles | undefined> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(path);
  } catch {
    return undefined;
  }
  if (info.isDirectory()) return readPolicySet(path);
  const dir = dirname(path);
  const name = basename(path);
  const set = emptySet(dir);
  if (info.isSymbolicLink()) {
    set.problems.push(
      problem(
        name,
        "SymbolicLink",
        "is a symbolic link: give the policy set's own directory or file",
      ),
    );
    return set;
  }
  if (!info.isFile() || !name.endsWith(".json") || DATA_NAMES.has(name)) {
    set.problems.push(
      problem(name, "NotAPolicySet", "is neither a policy-set directory nor an IAM JSON document"),
    );
    return set;
  }
  if (info.size > MAX_FILE_BYTES) {
    set.problems.push(tooLarge(name, info.size));
    return set;
  }
  const text = await readFile(path, "utf8");
  set.problems.push(...contentProblems(name, name, text));
  (isBoundaryPath(name) ? set.boundaries : set.documents).push({ path: name, text });
  return set;
}

/** True when the directory holds nothing a policy set is made of. @internal */
export function isEmptySet(set: PolicySetFiles): boolean {
  return (
    set.documents.length +
      set.boundaries.length +
      set.modules.length +
      set.tests.length +
      set.problems.length ===
    0
  );
}

/** Hash of the files that decide what Rego does: modules and data. @internal */
export function regoFingerprint(set: PolicySetFiles | undefined): string {
  const hash = createHash("sha256");
  for (const file of [...(set?.modules ?? []), ...(set?.data ?? [])]) {
    hash.update(file.path).update("\0").update(file.text).update("\0");
  }
  return hash.digest("hex");
}
