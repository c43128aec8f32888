import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { writeRestrictedCapabilities } from "./capabilities.js";
import { AccessDiffError } from "./errors.js";
import type { SetFile } from "./policy-set.js";
import { resolveTools, runTool, type ToolOptions, type Tools } from "./tools.js";
import { readLibrary, writeFiles } from "./workspace.js";

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
 * `opa build -t wasm` of a workspace holding `lib/` and optionally `set/`, with the
 * restricted capabilities. Returns the bundle bytes, or the compiler's message.
 * @internal
 */
export async function buildBundle(
  session: DiffSession,
  workspace: string,
  withSet: boolean,
): Promise<{ bundle: Uint8Array } | { error: string }> {
  const out = join(workspace, "bundle.tar.gz");
  const result = await runTool(
    session.tools.opa,
    [
      "build",
      "-t",
      "wasm",
      "-e",
      "keycard/authz/decision",
      "--capabilities",
      session.capabilities,
      "--ignore",
      "*_test.rego",
      "-o",
      out,
      "lib",
      ...(withSet ? ["set"] : []),
    ],
    { cwd: workspace, timeoutMs: session.tools.timeoutMs, home: workspace },
  );
  if (result.code !== 0) return { error: (result.stderr || result.stdout).trim() };
  return { bundle: await readFile(out) };
}

/** The library alone, compiled once per distinct library content. @internal */
export function libraryBundle(session: DiffSession, library: PreparedLibrary): Promise<Uint8Array> {
  let pending = session.libraryBundles.get(library.fingerprint);
  if (!pending) {
    pending = (async () => {
      const workspace = await scratchDir(session, "library");
      await writeFiles(join(workspace, "lib"), library.files);
      const built = await buildBundle(session, workspace, false);
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
