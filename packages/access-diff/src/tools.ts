import { type ChildProcess, execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { AccessDiffError } from "./errors.js";

/** Where the OPA and Regal CLIs are and how long each run may take. @public */
export interface ToolOptions {
  /** Path of the `opa` binary; found on PATH when omitted. */
  opa?: string;
  /** Path of the `regal` binary; found on PATH when omitted. Without Regal, linting is skipped with a note. */
  regal?: string;
  /** Longest a single CLI run may take, in milliseconds. Defaults to {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /**
   * Most memory (resident set size, in bytes) a single CLI run may use before it is stopped.
   * Defaults to {@link DEFAULT_MEMORY_BYTES}.
   */
  memoryBytes?: number;
  /** Directories searched for `opa` and `regal` when no path is given. Defaults to `PATH`. */
  searchPath?: string;
}

/** How long one OPA or Regal run may take unless told otherwise: two minutes. @public */
export const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * How much memory one OPA or Regal run may use unless told otherwise: 2 GiB. Rego from a pull
 * request can build huge values (`numbers.range(1, 1e9)`); the run is stopped at this size
 * rather than taking the runner down.
 * @public
 */
export const DEFAULT_MEMORY_BYTES = 2 * 1024 * 1024 * 1024;

/** Resolved tools. @internal */
export interface Tools {
  opa: string;
  regal: string | undefined;
  timeoutMs: number;
  memoryBytes: number;
}

/** Output of a finished child process. @internal */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** True when `path` is a file this process may execute. @public */
export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds a command on a search path (PATH by default), as a shell would. @public */
export async function findOnPath(
  command: string,
  path = process.env.PATH ?? "",
): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Resolves the CLIs, failing with a message that says how to provide OPA. An explicit path
 * that does not work is an error rather than a silent fallback, so a typo is noticed.
 * @public
 */
export async function resolveTools(options: ToolOptions = {}): Promise<Tools> {
  const searchPath = options.searchPath ?? process.env.PATH ?? "";
  const opa = options.opa ?? (await findOnPath("opa", searchPath));
  if (!opa || !(await isExecutable(opa))) {
    throw new AccessDiffError(
      "ToolNotFound",
      `the OPA CLI was not found${options.opa ? ` at ${options.opa}` : " on PATH"}; install it (for example with open-policy-agent/setup-opa) or pass its path`,
    );
  }
  let regal = options.regal ?? (await findOnPath("regal", searchPath));
  if (regal && !(await isExecutable(regal))) {
    if (options.regal)
      throw new AccessDiffError("ToolNotFound", `Regal was not found at ${options.regal}`);
    regal = undefined;
  }
  return {
    opa,
    regal,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    memoryBytes: options.memoryBytes ?? DEFAULT_MEMORY_BYTES,
  };
}

/**
 * The only environment child processes get. Policy content is untrusted, so no tokens or
 * other secrets from this process reach a CLI, and Regal does not call home for updates.
 */
function childEnvironment(home: string, memoryBytes: number | undefined): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    REGAL_DISABLE_CHECK_VERSION: "true",
    NO_COLOR: "1",
    // Go's collector works harder as the heap nears this, so a tool stays under the hard cap
    // while it can; the cap itself is enforced by watching the process (see watchMemory).
    ...(memoryBytes !== undefined ? { GOMEMLIMIT: `${Math.floor(memoryBytes * 0.75)}B` } : {}),
  };
}

/** Resident set size of a process in bytes, or undefined where `/proc` cannot tell. */
async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Kills the child when its resident memory passes `limit`. An address-space limit
 * (`ulimit -v`) cannot be used: Go reserves far more virtual memory than it touches, so OPA
 * would fail at start. Where `/proc` is missing, only the time limit applies.
 */
function watchMemory(child: ChildProcess, limit: number, onExceeded: (bytes: number) => void) {
  let stopped = false;
  const check = async () => {
    if (stopped || child.pid === undefined) return;
    const bytes = await residentBytes(child.pid);
    if (!stopped && bytes !== undefined && bytes > limit) {
      stopped = true;
      onExceeded(bytes);
      child.kill("SIGKILL");
    }
  };
  const timer = setInterval(() => void check(), MEMORY_POLL_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** How often a child's memory is looked at; a tool can grow by a few hundred MB in this time. */
const MEMORY_POLL_MS = 25;

function mib(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}

/**
 * Runs a CLI with a time and a memory limit. A non-zero exit is returned, not thrown: the OPA
 * tools use it to report findings. A missing binary, a timeout or a run over its memory limit
 * throws {@link AccessDiffError}.
 * @internal
 */
export function runTool(
  file: string,
  args: ReadonlyArray<string>,
  options: { cwd: string; timeoutMs: number; memoryBytes?: number; home?: string; input?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let overMemory: number | undefined;
    const child = execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: childEnvironment(options.home ?? options.cwd, options.memoryBytes),
        timeout: options.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: 256 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        stopWatching();
        if (overMemory !== undefined && options.memoryBytes !== undefined) {
          return reject(
            new AccessDiffError(
              "ToolOutOfMemory",
              `${file} ${args[0] ?? ""} used ${mib(overMemory)}, over the limit of ${mib(options.memoryBytes)}, and was stopped`,
              ...(error ? [{ cause: error }] : []),
            ),
          );
        }
        if (!error) return resolve({ code: 0, stdout, stderr });
        const failure = error as NodeJS.ErrnoException & {
          killed?: boolean;
          code?: number | string;
        };
        if (failure.code === "ENOENT") {
          return reject(
            new AccessDiffError("ToolNotFound", `${file} was not found`, { cause: error }),
          );
        }
        if (failure.killed) {
          return reject(
            new AccessDiffError(
              "ToolTimeout",
              `${file} ${args[0] ?? ""} did not finish within ${Math.round(options.timeoutMs / 1000)} s`,
              { cause: error },
            ),
          );
        }
        if (typeof failure.code === "number")
          return resolve({ code: failure.code, stdout, stderr });
        reject(
          new AccessDiffError("ToolFailed", `${file} ${args[0] ?? ""} failed: ${error.message}`, {
            cause: error,
          }),
        );
      },
    );
    const stopWatching =
      options.memoryBytes === undefined
        ? () => {}
        : watchMemory(child, options.memoryBytes, (bytes) => {
            overMemory = bytes;
          });
    // A tool may exit without reading its input; that shows in its exit code, not as EPIPE.
    child.stdin?.on("error", () => {});
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
