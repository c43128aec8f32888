import { spawn } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { AccessDiffError } from "./errors.js";

/** Runs git in `root` and returns stdout as bytes; failures throw {@link AccessDiffError}. @internal */
export function git(
  root: string,
  args: ReadonlyArray<string>,
  input?: Uint8Array | string,
  timeoutMs = 120_000,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-c", "core.quotepath=off", ...args], {
      cwd: root,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      // Hooks and filters are never run: nothing in the checked-out change executes.
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (cause) => {
      clearTimeout(timer);
      reject(new AccessDiffError("GitFailed", `cannot run git: ${cause.message}`, { cause }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(Buffer.concat(out));
      const message = Buffer.concat(err).toString("utf8").trim();
      reject(
        new AccessDiffError(
          "GitFailed",
          signal
            ? `git ${args[0]} did not finish within ${timeoutMs / 1000} s`
            : `git ${args.join(" ")} failed: ${message}`,
        ),
      );
    });
    if (input !== undefined && child.stdin) {
      // git may exit before reading everything (a bad ref); that surfaces as its exit code.
      child.stdin.on("error", () => {});
      child.stdin.end(input);
    }
  });
}

/** Resolves a ref to a commit, with advice when a shallow clone lacks it. @internal */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  try {
    return (await git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]))
      .toString("utf8")
      .trim();
  } catch (cause) {
    throw new AccessDiffError(
      "GitFailed",
      `the base ref ${ref} is not in this clone; check out with full history (actions/checkout with fetch-depth: 0) or fetch the base commit first`,
      { cause },
    );
  }
}

/** NUL-separated names from git, split into those that are UTF-8 and those that are not. */
function splitNames(output: Buffer, into: { paths: string[]; undecodable: string[] }): void {
  const strict = new TextDecoder("utf-8", { fatal: true });
  let start = 0;
  while (start < output.length) {
    let end = output.indexOf(0, start);
    if (end === -1) end = output.length;
    const bytes = output.subarray(start, end);
    start = end + 1;
    if (bytes.length === 0) continue;
    try {
      into.paths.push(strict.decode(bytes));
    } catch {
      // Decoded with replacement characters only to name it in the finding.
      into.undecodable.push(bytes.toString("utf8"));
    }
  }
}

/**
 * Paths (under `paths`) that differ between a commit and the working tree or another commit.
 * Names that are not valid UTF-8 are returned apart: decoded they would name a folder that
 * does not exist, and a set the gate cannot open must fail it, not vanish from it.
 * @internal
 */
export async function changedPaths(
  root: string,
  base: string,
  head: string | undefined,
  paths: ReadonlyArray<string>,
): Promise<{ paths: string[]; undecodable: string[] }> {
  const range = head ? [base, head] : [base];
  const found = { paths: [] as string[], undecodable: [] as string[] };
  splitNames(
    await git(root, ["diff", "--name-only", "--no-renames", "-z", ...range, "--", ...paths]),
    found,
  );
  if (!head) {
    splitNames(
      await git(root, ["ls-files", "--others", "--exclude-standard", "-z", "--", ...paths]),
      found,
    );
  }
  return {
    paths: [...new Set(found.paths)].sort(),
    undecodable: [...new Set(found.undecodable)].sort(),
  };
}

/**
 * Writes the regular files under `paths` at `commit` into `dir` with `git ls-tree` and
 * `git cat-file --batch`: nothing is checked out and no hook or filter runs. A symbolic link
 * is written as a link to the same target, never followed, so the policy-set reader refuses
 * it as it would in a working tree (skipping it would let a link read as a deleted file).
 * @internal
 */
export async function materialize(
  root: string,
  commit: string,
  paths: ReadonlyArray<string>,
  dir: string,
): Promise<void> {
  const listing = (
    await git(root, ["ls-tree", "-r", "-z", "--full-tree", commit, "--", ...paths])
  ).toString("utf8");
  const blobs: Array<{ sha: string; path: string; link: boolean }> = [];
  for (const entry of listing.split("\0")) {
    if (!entry) continue;
    const tab = entry.indexOf("\t");
    const [mode, type, sha] = entry.slice(0, tab).split(" ");
    const path = entry.slice(tab + 1);
    const link = mode === "120000";
    if (type !== "blob" || !sha || (mode !== "100644" && mode !== "100755" && !link)) continue;
    if (path.split("/").some((part) => part === ".." || part === "")) continue;
    blobs.push({ sha, path, link });
  }
  if (blobs.length === 0) return;
  const output = await git(root, ["cat-file", "--batch"], blobs.map((b) => `${b.sha}\n`).join(""));
  let offset = 0;
  for (const blob of blobs) {
    const headerEnd = output.indexOf(10, offset);
    const header = output.subarray(offset, headerEnd).toString("utf8");
    const size = Number(header.split(" ")[2]);
    const start = headerEnd + 1;
    const target = join(dir, blob.path);
    await mkdir(dirname(target), { recursive: true });
    const content = output.subarray(start, start + size);
    if (blob.link) await symlink(content.toString("utf8"), target);
    else await writeFile(target, content);
    offset = start + size + 1;
  }
}
