import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compilePolicyData } from "@keycard/engine";
import { CliError } from "./errors.js";
import { displayPath, type PolicySet } from "./policy-set.js";
import type { ValidDocument } from "./validate.js";

/** A temporary copy of the library and a set, laid out for `opa build` and `opa test`. @internal */
export interface Staged {
  /** The keycard library's modules, tests left out. */
  libraryDir: string;
  /** The set's modules (and tests when asked), with the generated `data.json`. */
  setDir: string;
  /** Rewrites temporary paths in OPA's output to the paths the user knows. */
  rewritePaths(text: string): string;
  cleanup(): Promise<void>;
}

/** What to put in the staged copy. @internal */
export interface StageOptions {
  library: string;
  documents: ReadonlyArray<ValidDocument>;
  /** Copy `*_test.rego` files too (for `opa test`). */
  tests: boolean;
  /**
   * Also put the compiled documents at `data.keycard.policy`, as the engine does at load
   * time, so a set's tests can ask `data.keycard.authz.decision` about its own IAM JSON.
   */
  compiled: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The set's root `data.json` with its IAM documents added under `keycard.documents`,
 * where `loadPolicy({ bundle })` finds them: the bundle then carries everything.
 * @internal
 */
export function bundleData(
  set: PolicySet,
  options: Pick<StageOptions, "documents" | "compiled">,
  verb: string,
): Record<string, unknown> {
  const rootData = set.data.find((file) => file.path === "data.json");
  let data: Record<string, unknown> = {};
  if (rootData) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rootData.text);
    } catch (cause) {
      throw new CliError(
        "InputError",
        `${displayPath(set, rootData)}: not valid JSON: ${(cause as Error).message}`,
        { cause, verb },
      );
    }
    if (!isPlainObject(parsed)) {
      throw new CliError("InputError", `${displayPath(set, rootData)}: must hold a JSON object`, {
        verb,
      });
    }
    data = parsed;
  }
  const keycard = isPlainObject(data.keycard) ? data.keycard : {};
  const documents = options.documents.map((d) => ({
    name: d.name,
    document: d.document,
    ...(d.boundary ? { boundary: true } : {}),
  }));
  const policy = options.compiled
    ? { policy: compilePolicyData(options.documents.map((d) => ({ ...d }))) }
    : {};
  return { ...data, keycard: { ...keycard, documents, ...policy } };
}

async function copyLibrary(from: string, to: string): Promise<void> {
  await cp(from, to, {
    recursive: true,
    filter: (source) => !source.endsWith("_test.rego") && !/\.(json|ya?ml)$/.test(source),
  });
}

/** Copies the library and the set into a temporary directory. @internal */
export async function stage(set: PolicySet, options: StageOptions, verb: string): Promise<Staged> {
  const data = bundleData(set, options, verb);
  const root = await mkdtemp(join(tmpdir(), "keycard-"));
  const libraryDir = join(root, "keycard");
  const setDir = join(root, "set");
  try {
    await copyLibrary(options.library, libraryDir);
    const files = [
      ...set.modules,
      ...(options.tests ? set.tests : []),
      ...set.data.filter((f) => f.path !== "data.json"),
    ];
    for (const file of files) {
      const target = join(setDir, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.text);
    }
    await mkdir(setDir, { recursive: true });
    await writeFile(join(setDir, "data.json"), JSON.stringify(data));
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const setPrefix = set.display === "." ? "" : `${set.display}/`;
  return {
    libraryDir,
    setDir,
    rewritePaths: (text) =>
      text.split(`${setDir}/`).join(setPrefix).split(`${libraryDir}/`).join("<keycard library>/"),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
