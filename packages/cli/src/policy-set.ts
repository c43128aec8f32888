import { lstat, readFile } from "node:fs/promises";
import { basename, relative, resolve, sep } from "node:path";
import {
  jsonDepth,
  MAX_FILE_BYTES,
  MAX_JSON_DEPTH,
  readPolicySetFiles,
} from "@keycard/access-diff";
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

function shownFile(display: string, file: string | undefined): string {
  return display === "." || display === "" ? (file ?? "") : `${display}/${file ?? ""}`;
}

/**
 * Reads a policy set from a directory, or a single IAM JSON document. A path that does
 * not exist is an input error naming it.
 * @internal
 */
export async function readPolicySet(path: string, cwd: string, verb: string): Promise<PolicySet> {
  const absolute = resolve(cwd, path);
  const shown = (relative(cwd, absolute) || ".").split(sep).join("/");
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(absolute);
  } catch (cause) {
    throw new CliError("InputError", `policy set ${path} does not exist`, { cause, verb });
  }
  if (info.isSymbolicLink()) {
    throw new CliError(
      "InputError",
      `${path} is a symbolic link: give the policy set's own directory or file`,
      { verb },
    );
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
    if (info.size > MAX_FILE_BYTES) {
      throw new CliError(
        "InputError",
        `${path} is ${info.size} bytes, over the limit of ${MAX_FILE_BYTES}: split it into smaller files`,
        { verb },
      );
    }
    const file = { path: basename(absolute), text: await readFile(absolute, "utf8") };
    const depth = jsonDepth(file.text);
    if (depth > MAX_JSON_DEPTH) {
      throw new CliError(
        "InputError",
        `${path} is nested ${depth} levels deep, more than the ${MAX_JSON_DEPTH} keycard reads`,
        { verb },
      );
    }
    (isBoundary(file.path) ? set.boundaries : set.documents).push(file);
    return set;
  }
  // The same reader as the gate, so what one refuses the other refuses too.
  const files = await readPolicySetFiles(absolute);
  if (files.problems.length > 0) {
    const lines = files.problems.map((p) => `  ${shownFile(shown, p.file)}: ${p.message}`);
    throw new CliError(
      "InputError",
      `${path} holds files keycard refuses (the pull-request gate refuses them too):\n${lines.join("\n")}`,
      { verb },
    );
  }
  const set: PolicySet = {
    dir: absolute,
    display: shown,
    documents: files.documents,
    boundaries: files.boundaries,
    modules: files.modules,
    tests: files.tests,
    data: files.data,
    recorded: files.recorded,
  };
  if (set.documents.length + set.boundaries.length + set.modules.length === 0) {
    throw new CliError(
      "InputError",
      `${path} holds no IAM JSON documents and no Rego modules; is it a policy set?`,
      { verb },
    );
  }
  return set;
}
