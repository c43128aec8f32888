import { readSideDocuments, type SideDocuments } from "./documents.js";
import { AccessDiffError } from "./errors.js";
import { type PolicySetFiles, readPolicyPath } from "./policy-set.js";
import type { Finding } from "./types.js";

/** A set named by a command, read and validated, with what was wrong with it. @internal */
export interface ReadSide {
  set: PolicySetFiles;
  documents: SideDocuments;
  /** The reader's refusals and the invalid documents, with repository paths. */
  findings: Finding[];
}

/** Prefixes a path inside a set with the set's repository path. @internal */
export function inSet(displayDir: string, file: string | undefined): string | undefined {
  return displayDir && file !== undefined ? `${displayDir}/${file}` : file;
}

/**
 * Reads a set (a directory or one document) and validates its IAM documents, as the gate
 * reads a pull request's head. A path with nothing there is an {@link AccessDiffError}.
 * @internal
 */
export async function readSide(path: string, displayDir: string): Promise<ReadSide> {
  const set = await readPolicyPath(path);
  if (!set) throw new AccessDiffError("InvalidOptions", `policy set ${path} does not exist`);
  const documents = readSideDocuments(set, displayDir);
  return {
    set,
    documents,
    findings: [
      ...set.problems.map((f) => ({ ...f, file: inSet(displayDir, f.file) })),
      ...documents.findings,
    ],
  };
}
