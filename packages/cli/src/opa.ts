import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { CliError } from "./errors.js";
import type { CliIo } from "./io.js";

/** The OPA release keycard is tested with. @internal */
export const OPA_VERSION = "v1.22.2";

const INSTALL_HINT =
  "Install it from https://www.openpolicyagent.org/docs/latest/#running-opa " +
  `or with \`go install github.com/open-policy-agent/opa@${OPA_VERSION}\`, ` +
  "then put it on PATH, set OPA_PATH or pass --opa <path>.";

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the OPA CLI: `--opa <path>`, then `OPA_PATH`, then `opa` on PATH. An explicit
 * path that does not work is an error rather than a silent fallback, so a typo is noticed.
 * @internal
 */
export async function findOpa(flag: string | undefined, io: CliIo): Promise<string> {
  const explicit = flag ?? (io.env.OPA_PATH || undefined);
  if (explicit !== undefined) {
    const path = isAbsolute(explicit) ? explicit : resolve(io.cwd, explicit);
    if (await isExecutable(path)) return path;
    const source = flag !== undefined ? "--opa" : "OPA_PATH";
    throw new CliError(
      "OpaNotFound",
      `the OPA CLI was not found at ${explicit} (from ${source}). ${INSTALL_HINT}`,
    );
  }
  for (const dir of (io.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "opa");
    if (await isExecutable(candidate)) return candidate;
  }
  throw new CliError("OpaNotFound", `the OPA CLI (opa) was not found on PATH. ${INSTALL_HINT}`);
}

/** Output of one OPA run. @internal */
export interface OpaResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs OPA without blocking, so the progress spinner keeps turning. A non-zero exit is
 * returned: `opa test` uses it for failing tests. Only a run that could not start throws.
 * @internal
 */
export function runOpa(opa: string, args: string[], cwd: string): Promise<OpaResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      opa,
      args,
      {
        cwd,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, NO_COLOR: "1" },
      },
      (error, stdout, stderr) => {
        if (!error) return resolvePromise({ code: 0, stdout, stderr });
        const failure = error as NodeJS.ErrnoException;
        if (typeof failure.code === "number") {
          return resolvePromise({ code: failure.code, stdout, stderr });
        }
        if (failure.code === "ENOENT") {
          return reject(
            new CliError(
              "OpaNotFound",
              `the OPA CLI at ${opa} could not be started. ${INSTALL_HINT}`,
              { cause: error },
            ),
          );
        }
        reject(
          new CliError("OpaFailed", `opa ${args[0] ?? ""} failed: ${error.message}`, {
            cause: error,
          }),
        );
      },
    );
  });
}
