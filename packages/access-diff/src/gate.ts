import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, normalize } from "node:path";
import type { CorpusLimits } from "./corpus.js";
import { diffInSession } from "./diff.js";
import { AccessDiffError, asError, failureRule } from "./errors.js";
import { changedPaths, materialize, resolveCommit } from "./git.js";
import { declaresLibrary, isEmptySet, readPolicySet } from "./policy-set.js";
import { ALL_FAIL_ON, buildReport, DEFAULT_APPROVAL_LABEL } from "./report.js";
import { closeSession, openSession, scratchDir } from "./session.js";
import { emptySetDiff } from "./set-diff.js";
import type { ToolOptions } from "./tools.js";
import type { FailOn, GateReport, PolicySetDiff } from "./types.js";

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
   * Repository path of the keycard Rego library. By default a folder under `paths` whose
   * Rego declares `package keycard.authz` is used, and it is not treated as a policy set.
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
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function isLibrary(dir: string): Promise<boolean> {
  const visit = async (current: string, depth: number): Promise<boolean> => {
    if (depth > 3) return false;
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (
        entry.isFile() &&
        entry.name.endsWith(".rego") &&
        declaresLibrary(await readFile(full, "utf8"))
      )
        return true;
      if (entry.isDirectory() && !entry.name.startsWith(".") && (await visit(full, depth + 1)))
        return true;
    }
    return false;
  };
  return (await isDirectory(dir)) && visit(dir, 0);
}

/** Libraries found in one version of the tree, by repository path. */
async function findLibraries(
  tree: string,
  paths: ReadonlyArray<string>,
  explicit: string | undefined,
): Promise<string[]> {
  if (explicit) return (await isDirectory(join(tree, explicit))) ? [normalize(explicit)] : [];
  const found: string[] = [];
  for (const path of paths) {
    for (const name of await subdirectories(join(tree, path))) {
      if (await isLibrary(join(tree, path, name))) found.push(`${path}/${name}`);
    }
  }
  return found;
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

/** True when a path below a policies folder is a Regal configuration file. */
function isRegalConfig(rest: ReadonlyArray<string>): boolean {
  return rest[0] === ".regal";
}

function normalizePaths(paths: ReadonlyArray<string>): string[] {
  return paths.map((p) => {
    const clean = normalize(p).replace(/\\/g, "/").replace(/\/+$/, "");
    if (isAbsolute(clean) || clean.startsWith("..")) {
      throw new AccessDiffError("InvalidOptions", `paths must be inside the repository (got ${p})`);
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
  const changed = await changedPaths(options.root, base, head, paths);
  const session = await openSession(options.tools);
  try {
    const baseTree = await scratchDir(session, "base");
    // The base commit's Regal configuration is trusted; the root one is read from there too.
    await materialize(options.root, base, [...paths, ".regal"], baseTree);
    let headTree = options.root;
    if (head) {
      headTree = await scratchDir(session, "head");
      await materialize(options.root, head, paths, headTree);
    }
    // The library is trusted content: it comes from the base commit's git objects (or the
    // copy the caller ships), never from the head. A head folder that declares a keycard
    // package is an ordinary policy set there, and reading it reports the reserved package.
    const baseLibraries = await findLibraries(baseTree, paths, options.library);
    const libraryDirs = new Set(baseLibraries);
    const notes: string[] = [];

    const touched = new Set<string>();
    let libraryChanged = false;
    let regalChanged = false;
    for (const file of changed) {
      for (const path of paths) {
        const prefix = path ? `${path}/` : "";
        if (!file.startsWith(prefix)) continue;
        const rest = file.slice(prefix.length).split("/");
        if (rest.length < 2) continue;
        const set = `${prefix}${rest[0]}`;
        if (libraryDirs.has(set)) libraryChanged = true;
        else if (isRegalConfig(rest)) regalChanged = true;
        else if (!rest[0]?.startsWith(".")) touched.add(set);
      }
    }
    if (regalChanged) {
      notes.push(
        "The Regal configuration changed; the gate lints with the base commit's configuration, so the change takes effect once merged.",
      );
    }
    if (libraryChanged) {
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
    const pickLibrary = (tree: string, found: string[]) =>
      found[0] ? join(tree, found[0]) : options.fallbackLibrary;
    const trusted = pickLibrary(baseTree, baseLibraries);
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
    return buildReport(
      diffs.filter((d): d is PolicySetDiff => d !== undefined),
      {
        approved: options.approved ?? false,
        approvalLabel: options.approvalLabel ?? DEFAULT_APPROVAL_LABEL,
        failOn: options.failOn ?? ALL_FAIL_ON,
        base,
        head: head ?? options.headLabel ?? "working tree",
        notes,
      },
    );
  } finally {
    await closeSession(session);
  }
}
