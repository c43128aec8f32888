import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { AccessDiffError } from "./errors.js";

/** Where the OPA and Regal CLIs are and how long each run may take. @public */
export interface ToolOptions {
  /** Path of the `opa` binary; found on PATH when omitted. */
  opa?: string;
  /** Path of the `regal` binary; found on PATH when omitted. Without Regal, linting is skipped with a note. */
  regal?: string;
  /** Longest a single CLI run may take, in milliseconds. Defaults to 60 seconds. */
  timeoutMs?: number;
}

/** Resolved tools. @internal */
export interface Tools {
  opa: string;
  regal: string | undefined;
  timeoutMs: number;
}

/** Output of a finished child process. @internal */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds a command on PATH, as a shell would. @internal */
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

/** Resolves the CLIs, failing with a message that says how to provide OPA. @internal */
export async function resolveTools(options: ToolOptions = {}): Promise<Tools> {
  const opa = options.opa ?? (await findOnPath("opa"));
  if (!opa || !(await isExecutable(opa))) {
    throw new AccessDiffError(
      "ToolNotFound",
      `the OPA CLI was not found${options.opa ? ` at ${options.opa}` : " on PATH"}; install it (for example with open-policy-agent/setup-opa) or pass its path`,
    );
  }
  let regal = options.regal ?? (await findOnPath("regal"));
  if (regal && !(await isExecutable(regal))) {
    if (options.regal)
      throw new AccessDiffError("ToolNotFound", `Regal was not found at ${options.regal}`);
    regal = undefined;
  }
  return { opa, regal, timeoutMs: options.timeoutMs ?? 60_000 };
}

/**
 * The only environment child processes get. Policy content is untrusted, so no tokens or
 * other secrets from this process reach a CLI, and Regal does not call home for updates.
 */
function childEnvironment(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    REGAL_DISABLE_CHECK_VERSION: "true",
    NO_COLOR: "1",
  };
}

/**
 * Runs a CLI with a time limit. A non-zero exit is returned, not thrown: the OPA tools use it
 * to report findings. A missing binary or a timeout throws {@link AccessDiffError}.
 * @internal
 */
export function runTool(
  file: string,
  args: ReadonlyArray<string>,
  options: { cwd: string; timeoutMs: number; home?: string; input?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: childEnvironment(options.home ?? options.cwd),
        timeout: options.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: 256 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
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
    // A tool may exit without reading its input; that shows in its exit code, not as EPIPE.
    child.stdin?.on("error", () => {});
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
