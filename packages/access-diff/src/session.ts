import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ENTRYPOINT } from "@keycard/engine";
import { writeRestrictedCapabilities } from "./capabilities.js";
import { AccessDiffError } from "./errors.js";
import { emptySet, type PolicySetFiles, type SetFile } from "./policy-set.js";
import { packageFindings, parseRego } from "./rego-parse.js";
import { reproducibleBundle } from "./reproducible.js";
import { type BundleDocument, STAGED_LIBRARY, STAGED_SET, stageSet } from "./stage.js";
import { resolveTools, runTool, type ToolOptions, type Tools } from "./tools.js";

/** The keycard Rego library, read once. @internal */
export interface PreparedLibrary {
  files: SetFile[];
  fingerprint: string;
}

/**
 * State shared by the diffs of one run: resolved tools, the restricted capabilities file,
 * a scratch directory, and compiled libraries (compiled once, reused by every IAM-only set).
 * @internal
 */
export interface DiffSession {
  tools: Tools;
  capabilities: string;
  scratch: string;
  libraries: Map<string, Promise<PreparedLibrary>>;
  libraryBundles: Map<string, Promise<Uint8Array>>;
  next: number;
}

/** Opens a session; close it with {@link closeSession}. @internal */
export async function openSession(options: ToolOptions = {}): Promise<DiffSession> {
  const tools = await resolveTools(options);
  const scratch = await mkdtemp(join(tmpdir(), "keycard-access-diff-"));
  try {
    const capabilities = await writeRestrictedCapabilities(tools, scratch);
    return {
      tools,
      capabilities,
      scratch,
      libraries: new Map(),
      libraryBundles: new Map(),
      next: 0,
    };
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

/** Removes the session's scratch directory. @internal */
export async function closeSession(session: DiffSession): Promise<void> {
  await rm(session.scratch, { recursive: true, force: true });
}

/** A fresh directory inside the session's scratch space. @internal */
export async function scratchDir(session: DiffSession, prefix: string): Promise<string> {
  const dir = join(session.scratch, `${prefix}-${session.next++}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Reads a library directory (once per session). @internal */
export function prepareLibrary(session: DiffSession, dir: string): Promise<PreparedLibrary> {
  let pending = session.libraries.get(dir);
  if (!pending) {
    pending = (async () => {
      let files: SetFile[];
      try {
        files = await readLibrary(dir);
      } catch (cause) {
        throw new AccessDiffError(
          "LibraryNotFound",
          `cannot read the keycard Rego library at ${dir}`,
          { cause },
        );
      }
      const hash = createHash("sha256");
      for (const f of files) hash.update(f.path).update("\0").update(f.text).update("\0");
      return { files, fingerprint: hash.digest("hex") };
    })();
    session.libraries.set(dir, pending);
  }
  return pending;
}

/**
 * `opa build -t wasm` of a staged workspace (see {@link stageSet}) with the restricted
 * capabilities, made reproducible: the same set always gives the same bytes, with no
 * temporary path inside. This is the one compiler `keycard build` and the gate share.
 * Returns the bundle, or the compiler's message.
 * @internal
 */
export async function compileStaged(
  session: DiffSession,
  workspace: string,
  withSet = true,
): Promise<{ bundle: Uint8Array } | { error: string }> {
  const out = join(workspace, "bundle.tar.gz");
  // Relative roots, run from the workspace: OPA stores the paths it is given.
  const result = await runTool(
    session.tools.opa,
    [
      "build",
      "-t",
      "wasm",
      "-e",
      ENTRYPOINT,
      "--capabilities",
      session.capabilities,
      "--ignore",
      "*_test.rego",
      "-o",
      out,
      STAGED_LIBRARY,
      ...(withSet ? [STAGED_SET] : []),
    ],
    {
      cwd: workspace,
      timeoutMs: session.tools.timeoutMs,
      memoryBytes: session.tools.memoryBytes,
      home: workspace,
    },
  );
  if (result.code !== 0) return { error: (result.stderr || result.stdout).trim() };
  return { bundle: reproducibleBundle(await readFile(out)) };
}

/**
 * Stages a set with its valid documents and compiles it: the bundle `keycard build` writes,
 * byte for byte.
 * @internal
 */
export async function buildSetBundle(
  session: DiffSession,
  library: PreparedLibrary,
  set: PolicySetFiles,
  documents: ReadonlyArray<BundleDocument>,
): Promise<{ bundle: Uint8Array } | { error: string }> {
  const workspace = await scratchDir(session, "bundle");
  await stageSet(workspace, {
    library: library.files,
    set,
    documents,
    tests: false,
    compiled: false,
  });
  // The package each module ships in is read from OPA's parse tree, as the gate reads it:
  // a module outside keycard.custom.<name> would add to or replace part of the library.
  const parsed = await parseRego(session.tools, set.modules, workspace);
  const refused = packageFindings({ ...set, tests: [] }, parsed);
  if (refused.length > 0)
    return { error: refused.map((f) => `${STAGED_SET}/${f.file}: ${f.message}`).join("\n") };
  return compileStaged(session, workspace);
}

/**
 * The library alone, compiled once per distinct library content. Its `policy.wasm` is the one
 * `keycard build` produces for a set without custom Rego (the set's documents are data, not
 * code), so IAM-only sets load it with their documents instead of compiling each set.
 * @internal
 */
export function libraryBundle(session: DiffSession, library: PreparedLibrary): Promise<Uint8Array> {
  let pending = session.libraryBundles.get(library.fingerprint);
  if (!pending) {
    pending = (async () => {
      const workspace = await scratchDir(session, "library");
      await stageSet(workspace, {
        library: library.files,
        set: emptySet(""),
        documents: [],
        tests: false,
        compiled: false,
      });
      const built = await compileStaged(session, workspace, false);
      if ("error" in built) {
        throw new AccessDiffError(
          "ToolFailed",
          `the keycard Rego library does not compile: ${built.error}`,
        );
      }
      // Every IAM-only set loads this bundle, and the engine unpacks it on each load: stored
      // (level 0) gzip unpacks at memory speed, where the compressed one costs milliseconds.
      return gzipSync(gunzipSync(built.bundle), { level: 0 });
    })();
    session.libraryBundles.set(library.fingerprint, pending);
  }
  return pending;
}

/** Reads the non-test Rego modules of a library directory (no links followed). */
async function readLibrary(dir: string): Promise<SetFile[]> {
  const files: SetFile[] = [];
  const visit = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith(".")) await visit(full);
      else if (
        entry.isFile() &&
        entry.name.endsWith(".rego") &&
        !entry.name.endsWith("_test.rego")
      ) {
        files.push({
          path: relative(dir, full).split(sep).join("/"),
          text: await readFile(full, "utf8"),
        });
      }
    }
  };
  await visit(dir);
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}
