import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, normalize } from "node:path";
import type { CorpusLimits } from "./corpus.js";
import { diffInSession } from "./diff.js";
import { AccessDiffError, asError, failureRule } from "./errors.js";
import { changedPaths, materialize, resolveCommit } from "./git.js";
import { isEmptySet, readPolicySet } from "./policy-set.js";
import { ALL_FAIL_ON, buildReport, DEFAULT_APPROVAL_LABEL } from "./report.js";
import { closeSession, openSession, scratchDir } from "./session.js";
import { emptySetDiff } from "./set-diff.js";
import type { ToolOptions } from "./tools.js";
import type { FailOn, GateReport, PolicySetDiff } from "./types.js";

/** The first of `locations` that is a directory in `tree`. */
async function firstDirectory(
  tree: string,
  locations: ReadonlyArray<string>,
): Promise<string | undefined> {
  for (const location of locations) {
    if (await isDirectory(join(tree, location))) return location;
  }
  return undefined;
}

/** Options for {@link runGate}. @public */
export interface GateOptions {
  /** Root of the git repository. */
  root: string;
  /** The version to compare against: a commit SHA, branch or tag. */
  baseRef: string;
  /** The version under review; the working tree when omitted. */
  headRef?: string;
  /** How to name the head version in reports (for example a commit SHA), when it is the working tree. */
  headLabel?: string;
  /** Folders (relative to `root`) whose subfolders are policy sets. Default `["policies"]`. */
  paths?: ReadonlyArray<string>;
  /**
   * Repository path of the keycard Rego library. Default: the `keycard` folder of each of
   * `paths` (`policies/keycard`). The location is fixed, never inferred from what a folder
   * holds, so a pull request cannot turn a policy set into "the library" and out of the diff.
   */
  library?: string;
  /** A library directory to use when the repository has none (the action ships one). */
  fallbackLibrary?: string;
  /** True when the change is approved (for a pull request: it carries the approval label). */
  approved?: boolean;
  approvalLabel?: string;
  failOn?: ReadonlyArray<FailOn>;
  coverageThreshold?: number;
  tools?: ToolOptions;
  limits?: CorpusLimits;
  /** Policy sets diffed at the same time. Default 2. */
  concurrency?: number;
  /** Progress messages, for logs. */
  onProgress?: (message: string) => void;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && e.name !== REGAL_FOLDER)
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Whether repository path `file` is `dir` or lies under it (`""` holds everything). */
function within(file: string, dir: string): boolean {
  return dir === "" || file === dir || file.startsWith(`${dir}/`);
}

/** The folder name that holds the keycard Rego library under each of the gate's paths. */
const LIBRARY_FOLDER = "keycard";

/**
 * Where the library may live, by repository path: the explicit option, or `<path>/keycard`.
 * Every other folder under `paths` is a policy set, whatever it holds.
 */
function libraryLocations(paths: ReadonlyArray<string>, explicit: string | undefined): string[] {
  if (explicit) return normalizePaths([explicit], "library");
  return paths.map((p) => (p ? `${p}/${LIBRARY_FOLDER}` : LIBRARY_FOLDER));
}

async function readRegalConfig(
  tree: string,
  paths: ReadonlyArray<string>,
): Promise<string | undefined> {
  for (const candidate of [
    ...paths.map((p) => join(p, ".regal", "config.yaml")),
    join(".regal", "config.yaml"),
  ]) {
    try {
      const full = join(tree, candidate);
      // Only a regular file: a link could point at anything on the machine.
      if (!(await lstat(full)).isFile()) continue;
      return await readFile(full, "utf8");
    } catch {
      // Try the next place a Regal configuration may live.
    }
  }
  return undefined;
}

/**
 * Diffs one set, turning anything that stops it (a tool over its time or memory limit, input
 * that exhausts a reader) into an error finding on that set: the gate then fails with a
 * comment that says what happened, instead of aborting the run. A missing tool or git failure
 * still stops the gate, since it says nothing about the pull request.
 */
async function guardedDiff(
  name: string,
  work: () => Promise<PolicySetDiff>,
): Promise<PolicySetDiff> {
  try {
    return await work();
  } catch (thrown) {
    if (
      thrown instanceof AccessDiffError &&
      (thrown.code === "ToolNotFound" || thrown.code === "GitFailed")
    )
      throw thrown;
    return {
      ...emptySetDiff(name, "modified"),
      findings: [
        {
          check: "build",
          severity: "error",
          rule: failureRule(thrown),
          message: `the gate could not check this policy set: ${asError(thrown).message}`,
        },
      ],
    };
  }
}

async function pool<T, R>(
  items: ReadonlyArray<T>,
  size: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  return results;
}

/** The folder under a policies path that holds the Regal configuration, not a set. */
const REGAL_FOLDER = ".regal";

/** True when a path below a policies folder is a Regal configuration file. */
function isRegalConfig(rest: ReadonlyArray<string>): boolean {
  return rest[0] === REGAL_FOLDER;
}

/** A set the gate cannot read at all: an error on that set, so the gate fails. */
function unreadableSet(name: string, message: string): PolicySetDiff {
  return {
    ...emptySetDiff(name, "modified"),
    findings: [{ check: "build", severity: "error", rule: "UnreadablePath", message }],
  };
}

function normalizePaths(paths: ReadonlyArray<string>, option = "paths"): string[] {
  return paths.map((p) => {
    const clean = normalize(p).replace(/\\/g, "/").replace(/\/+$/, "");
    if (isAbsolute(clean) || clean.startsWith("..")) {
      throw new AccessDiffError(
        "InvalidOptions",
        `${option} must be inside the repository (got ${p})`,
      );
    }
    return clean === "." ? "" : clean;
  });
}

/**
 * Runs the policy gate between two versions of a repository: finds the policy sets the
 * change touches, diffs each (validity, tests, access, risks) and decides the verdict. The
 * base version is read from git objects into a temporary directory; nothing from either
 * version is executed, and Rego is compiled and tested without network or runtime builtins.
 *
 * @example
 * ```ts
 * const report = await runGate({ root: ".", baseRef: "origin/main", paths: ["policies"] });
 * console.log(renderTerminal(report, { color: true }));
 * process.exitCode = report.verdict === "pass" ? 0 : 1;
 * ```
 * @public
 */
export async function runGate(options: GateOptions): Promise<GateReport> {
  const paths = normalizePaths(options.paths ?? ["policies"]);
  const progress = options.onProgress ?? (() => {});
  const base = await resolveCommit(options.root, options.baseRef);
  const head = options.headRef ? await resolveCommit(options.root, options.headRef) : undefined;
  // The library is trusted content: it comes from the base commit's git objects (or the
  // copy the caller ships), never from the head. Its location is fixed; a head folder that
  // declares a keycard package is an ordinary policy set, and reading it reports the
  // reserved package. A library kept outside the gate's paths is read and watched as well.
  const locations = libraryLocations(paths, options.library);
  const libraryDirs = new Set(locations);
  const outsidePaths = locations.filter((dir) => !paths.some((p) => within(dir, p)));
  const { paths: changed, undecodable } = await changedPaths(options.root, base, head, [
    ...paths,
    ...outsidePaths,
  ]);
  const session = await openSession(options.tools);
  try {
    const baseTree = await scratchDir(session, "base");
    // The base commit's Regal configuration is trusted; the root one is read from there too.
    await materialize(options.root, base, [...paths, ...outsidePaths, ".regal"], baseTree);
    let headTree = options.root;
    if (head) {
      headTree = await scratchDir(session, "head");
      await materialize(options.root, head, paths, headTree);
    }
    const baseLibrary = await firstDirectory(baseTree, locations);
    const notes: string[] = [];
    const approvalNeeded: string[] = [];

    const touched = new Set<string>();
    const unreadable = new Map<string, string>();
    let libraryChanged = false;
    let regalChanged = false;
    const inPaths = (file: string) => {
      for (const path of paths) {
        const prefix = path ? `${path}/` : "";
        if (!file.startsWith(prefix)) continue;
        const rest = file.slice(prefix.length).split("/");
        if (rest.length < 2) continue;
        return { set: `${prefix}${rest[0]}`, rest };
      }
      return undefined;
    };
    for (const file of changed) {
      if (locations.some((dir) => within(file, dir))) {
        libraryChanged = true;
        continue;
      }
      const found = inPaths(file);
      if (!found) continue;
      if (isRegalConfig(found.rest)) regalChanged = true;
      else touched.add(found.set);
    }
    // A name git cannot give as UTF-8 names no folder the gate can open, so the set it
    // belongs to would read as empty: that is an error, never a skipped set.
    for (const file of undecodable) {
      const found = inPaths(file);
      const name = found?.set ?? file;
      unreadable.set(
        name,
        `${file} changed, but its path is not valid UTF-8, so the gate cannot read the policy set it belongs to: rename it`,
      );
      touched.delete(name);
    }
    if (regalChanged) {
      notes.push(
        "The Regal configuration changed; the gate lints with the base commit's configuration, so the change takes effect once merged.",
      );
    }
    if (libraryChanged) {
      approvalNeeded.push(
        "the keycard Rego library changed: every policy set is built with it, so the change needs approval (the gate evaluated the sets with the base commit's library)",
      );
      notes.push(
        "The keycard Rego library changed; the gate evaluates every policy set with the base commit's library, so review the library change itself.",
      );
      for (const [tree, path] of paths.flatMap((p) => [
        [baseTree, p] as const,
        [headTree, p] as const,
      ])) {
        for (const name of await subdirectories(join(tree, path))) {
          const set = path ? `${path}/${name}` : name;
          if (!libraryDirs.has(set)) touched.add(set);
        }
      }
    }
    const trusted = baseLibrary ? join(baseTree, baseLibrary) : options.fallbackLibrary;
    const library = { base: trusted, head: trusted };
    const regalConfig = await readRegalConfig(baseTree, paths);
    const sets = [...touched].sort();
    progress(
      `${sets.length} policy set${sets.length === 1 ? "" : "s"} touched: ${sets.join(", ") || "none"}`,
    );
    const diffs = await pool(
      sets,
      options.concurrency ?? 2,
      async (set): Promise<PolicySetDiff | undefined> => {
        const baseDir = join(baseTree, set);
        const headDir = join(headTree, set);
        // A changed path whose folder is in neither version (an unreadable name, a file
        // that is no folder) cannot be judged, and what cannot be judged fails.
        if (!(await isDirectory(baseDir)) && !(await isDirectory(headDir)))
          return unreadableSet(
            set,
            "files under this path changed, but the gate cannot find its folder in either version, so it cannot judge it",
          );
        // A folder without policy documents or Rego (only a README, say) is not a policy set.
        if (isEmptySet(await readPolicySet(baseDir)) && isEmptySet(await readPolicySet(headDir)))
          return undefined;
        const diff = await guardedDiff(set, async () =>
          diffInSession(session, {
            ...((await isDirectory(baseDir)) ? { base: baseDir } : {}),
            ...((await isDirectory(headDir)) ? { head: headDir } : {}),
            name: set,
            library: {
              ...(library.base ? { base: library.base } : {}),
              ...(library.head ? { head: library.head } : {}),
            },
            ...(options.coverageThreshold !== undefined
              ? { coverageThreshold: options.coverageThreshold }
              : {}),
            ...(regalConfig !== undefined ? { regalConfig } : {}),
            ...(options.limits ? { limits: options.limits } : {}),
          }),
        );
        progress(
          `${set}: ${diff.newAccess.length} new, ${diff.removedAccess.length} removed, ${diff.risks.length} risks, ${diff.findings.length} findings`,
        );
        return diff;
      },
    );
    for (const [name, message] of unreadable) diffs.push(unreadableSet(name, message));
    return buildReport(
      diffs.filter((d): d is PolicySetDiff => d !== undefined),
      {
        approved: options.approved ?? false,
        approvalLabel: options.approvalLabel ?? DEFAULT_APPROVAL_LABEL,
        failOn: options.failOn ?? ALL_FAIL_ON,
        base,
        head: head ?? options.headLabel ?? "working tree",
        notes,
        approvalNeeded,
      },
    );
  } finally {
    await closeSession(session);
  }
}
