import { stat } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import { CliError } from "./errors.js";

/** A policy set named on the command line. @internal */
export interface SetPath {
  /** Absolute path of the directory or single IAM document. */
  absolute: string;
  /** The set's folder as the user sees it, relative to the working directory (`.` for it). */
  display: string;
  /** Prefix of file paths in findings: {@link display}, or nothing for the working directory. */
  name: string;
}

/**
 * Resolves a set path; a path that does not exist is an input error naming it. What is
 * inside is read (and refused) by access-diff's reader, the one the gate uses.
 * @internal
 */
export async function setPath(path: string, cwd: string, verb: string): Promise<SetPath> {
  const absolute = resolve(cwd, path);
  let directory: boolean;
  try {
    directory = (await stat(absolute)).isDirectory();
  } catch (cause) {
    throw new CliError("InputError", `policy set ${path} does not exist`, { cause, verb });
  }
  const folder = directory ? absolute : dirname(absolute);
  const display = (relative(cwd, folder) || ".").split(sep).join("/");
  return { absolute, display, name: display === "." ? "" : display };
}
