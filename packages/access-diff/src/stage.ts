import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { compilePolicyData, type PolicyDocument } from "@keycard/engine";
import { libraryOutline } from "./library-outline.js";
import type { PolicySetFiles, SetFile } from "./policy-set.js";

/** An IAM document as the bundle carries it under `keycard.documents`. @internal */
export interface BundleDocument {
  name: string;
  document: PolicyDocument;
  boundary: boolean;
}

/** What to stage: the library, the set, its valid documents, and whether tests come too. @internal */
export interface StageInput {
  /** The keycard library's non-test modules. */
  library: ReadonlyArray<SetFile>;
  set: PolicySetFiles;
  documents: ReadonlyArray<BundleDocument>;
  /** Copy `*_test.rego` files (for `opa test`); a bundle never carries them. */
  tests: boolean;
  /**
   * Also put the compiled documents at `data.keycard.policy`, as the engine does at load
   * time, so a set's tests can ask `data.keycard.authz.decision` about its own IAM JSON.
   */
  compiled: boolean;
}

/** The folders of a staged workspace, relative to it: OPA is run from the workspace with these. @internal */
export const STAGED_LIBRARY = "lib";
/** @internal */
export const STAGED_SET = "set";
/** The library's outline for Regal, staged with tests (see `libraryOutline`). @internal */
export const STAGED_OUTLINE = "outline";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The set's root `data.json` with its IAM documents added under `keycard.documents`, where
 * `loadPolicy({ bundle })` finds them: the bundle then carries everything. The reader has
 * already refused a root `data.json` that is not an object or sets `keycard`.
 * @internal
 */
export function bundleData(
  set: PolicySetFiles,
  documents: ReadonlyArray<BundleDocument>,
  compiled: boolean,
): Record<string, unknown> {
  const root = set.data.find((file) => file.path === "data.json");
  let data: Record<string, unknown> = {};
  if (root) {
    try {
      const parsed: unknown = JSON.parse(root.text);
      if (isPlainObject(parsed)) data = parsed;
    } catch {
      // Reported by the reader as MalformedData; the set does not pass with it.
    }
  }
  const listed = documents.map((d) => ({
    name: d.name,
    document: d.document,
    ...(d.boundary ? { boundary: true } : {}),
  }));
  const policy = compiled ? { policy: compilePolicyData(documents.map((d) => ({ ...d }))) } : {};
  return { ...data, keycard: { documents: listed, ...policy } };
}

/** Writes files under `dir`, creating folders; paths come from the set reader. */
async function writeFiles(dir: string, files: ReadonlyArray<SetFile>): Promise<void> {
  for (const file of files) {
    // Set paths come from a directory walk, so they never climb out; checked anyway.
    if (file.path.split("/").includes("..")) continue;
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.text);
  }
}

/**
 * Lays out a set for OPA in `dir`: the library under `lib/`, the set's modules (and tests when
 * asked) and data under `set/`, with the generated root `data.json`. `keycard build`,
 * `keycard test` and the gate all stage with this one function, so they compile and test the
 * same files. Only what the reader accepted is copied: IAM JSON and decision logs are never
 * loaded as data.
 * @internal
 */
export async function stageSet(dir: string, input: StageInput): Promise<void> {
  const setDir = join(dir, STAGED_SET);
  await writeFiles(join(dir, STAGED_LIBRARY), input.library);
  if (input.tests) await writeFiles(join(dir, STAGED_OUTLINE), libraryOutline(input.library));
  await writeFiles(setDir, [
    ...input.set.modules,
    ...(input.tests ? input.set.tests : []),
    ...input.set.data.filter((f) => f.path !== "data.json"),
  ]);
  await mkdir(setDir, { recursive: true });
  await writeFile(
    join(setDir, "data.json"),
    JSON.stringify(bundleData(input.set, input.documents, input.compiled)),
  );
}
