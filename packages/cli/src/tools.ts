import { isAbsolute, resolve } from "node:path";
import { AccessDiffError, findOnPath, isExecutable, type ToolOptions } from "@keycard/access-diff";
import { CliError } from "./errors.js";
import type { CliIo } from "./io.js";

/** The OPA release keycard is tested with. @internal */
export const OPA_VERSION = "v1.22.2";

const INSTALL_HINT =
  "Install it from https://www.openpolicyagent.org/docs/latest/#running-opa " +
  `or with \`go install github.com/open-policy-agent/opa@${OPA_VERSION}\`, ` +
  "then put it on PATH, set OPA_PATH or pass --opa <path>.";

/** The flags that name tools, as each verb parses them. @internal */
export interface ToolFlags {
  opa?: string | undefined;
  regal?: string | undefined;
}

function absolute(io: CliIo, path: string): string {
  return isAbsolute(path) ? path : resolve(io.cwd, path);
}

/**
 * Where access-diff should find OPA and Regal: `--opa`, then `OPA_PATH`, then `opa` on the
 * caller's PATH (and the same for Regal). Nothing is looked up here; access-diff resolves the
 * tools when a set needs them, so a set of IAM JSON alone needs no OPA.
 * @internal
 */
export function toolOptions(
  flags: ToolFlags,
  io: CliIo,
  limits: { timeoutMs?: number; memoryBytes?: number } = {},
): ToolOptions {
  const opa = flags.opa ?? (io.env.OPA_PATH || undefined);
  const regal = flags.regal ?? (io.env.REGAL_PATH || undefined);
  return {
    ...(opa !== undefined ? { opa: absolute(io, opa) } : {}),
    ...(regal !== undefined ? { regal: absolute(io, regal) } : {}),
    searchPath: io.env.PATH ?? "",
    ...limits,
  };
}

/**
 * The message for a missing OPA, naming where keycard looked (the flag, the variable, or
 * PATH) and how to install it.
 */
async function missingOpa(flags: ToolFlags, io: CliIo): Promise<CliError | undefined> {
  const explicit = flags.opa ?? (io.env.OPA_PATH || undefined);
  if (explicit !== undefined) {
    if (await isExecutable(absolute(io, explicit))) return undefined;
    const source = flags.opa !== undefined ? "--opa" : "OPA_PATH";
    return new CliError(
      "OpaNotFound",
      `the OPA CLI was not found at ${explicit} (from ${source}). ${INSTALL_HINT}`,
    );
  }
  if (await findOnPath("opa", io.env.PATH ?? "")) return undefined;
  return new CliError("OpaNotFound", `the OPA CLI (opa) was not found on PATH. ${INSTALL_HINT}`);
}

/**
 * Runs work that may need OPA, and turns access-diff's "tool not found" into the CLI's message
 * with the install hint.
 * @internal
 */
export async function withTools<T>(
  flags: ToolFlags,
  io: CliIo,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (thrown) {
    if (thrown instanceof AccessDiffError && thrown.code === "ToolNotFound") {
      const missing = await missingOpa(flags, io);
      if (missing) throw missing;
    }
    throw thrown;
  }
}

/** Fails now, with the install hint, when OPA cannot be found. @internal */
export async function requireOpa(flags: ToolFlags, io: CliIo): Promise<void> {
  const missing = await missingOpa(flags, io);
  if (missing) throw missing;
}
