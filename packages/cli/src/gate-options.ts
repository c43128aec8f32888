import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import {
  ALL_FAIL_ON,
  DEFAULT_APPROVAL_LABEL,
  DEFAULT_COVERAGE_THRESHOLD,
  DEFAULT_MEMORY_BYTES,
  DEFAULT_TIMEOUT_MS,
  type FailOn,
  parseFailOn,
  type ToolOptions,
} from "@keycard/access-diff";
import { CliError } from "./errors.js";
import type { CliIo } from "./io.js";
import { requireOpa, toolOptions } from "./tools.js";

/** The smallest memory limit: below it OPA cannot start, and every run would fail. */
const MIN_MEMORY_MB = 64;
/** The largest memory limit the gate's action accepts as well. */
const MAX_MEMORY_MB = 65_536;

const MiB = (bytes: number) => bytes / (1024 * 1024);

/** Flags `diff` and `gate` share with the GitHub Action's inputs. @internal */
export const gateFlags = {
  "fail-on": { type: "string" },
  "coverage-threshold": { type: "string" },
  approved: { type: "boolean" },
  "approval-label": { type: "string" },
  markdown: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  opa: { type: "string" },
  regal: { type: "string" },
  "timeout-seconds": { type: "string" },
  "memory-limit-mb": { type: "string" },
} as const;

/** Help text for {@link gateFlags}, shared by both verbs. @internal */
export const GATE_FLAGS_HELP = `      --fail-on <checks>          checks that fail: invalid, tests, new-access, escalation
                                  (comma-separated; default: all four)
      --coverage-threshold <pct>  minimum Rego test coverage of a set (default: ${DEFAULT_COVERAGE_THRESHOLD})
      --approved                  treat the change as approved, as the action does when
                                  the pull request carries the approval label
      --approval-label <name>     the label named in the output (default: ${DEFAULT_APPROVAL_LABEL})
      --markdown                  print the pull-request comment's Markdown instead
  -v, --verbose                   show example requests under each access change
      --opa <path>                the OPA CLI (default: $OPA_PATH, then opa on PATH)
      --regal <path>              the Regal CLI (default: $REGAL_PATH, then regal on PATH;
                                  linting is skipped without it)
      --timeout-seconds <n>       longest a single OPA or Regal run may take (default: ${DEFAULT_TIMEOUT_MS / 1000})
      --memory-limit-mb <n>       most memory a single OPA or Regal run may use, in MiB; a run
                                  over it is stopped and reported (default: ${MiB(DEFAULT_MEMORY_BYTES)}, at least ${MIN_MEMORY_MB})
      --json                      print the full report as JSON`;

/** The parsed values of {@link gateFlags}. @internal */
export interface GateFlagValues {
  "fail-on"?: string | undefined;
  "coverage-threshold"?: string | undefined;
  approved?: boolean | undefined;
  "approval-label"?: string | undefined;
  opa?: string | undefined;
  regal?: string | undefined;
  "timeout-seconds"?: string | undefined;
  "memory-limit-mb"?: string | undefined;
}

/** Settings for access-diff, from the shared flags. @internal */
export interface GateSettings {
  failOn: FailOn[];
  coverageThreshold: number;
  approved: boolean;
  approvalLabel: string;
  tools: ToolOptions;
}

function number(
  verb: string,
  flag: string,
  value: string | undefined,
  fallback: number,
  max: number,
  min = 0,
): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/%$/, ""));
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new CliError(
      "UsageError",
      `${flag} must be a number from ${min} to ${max} (got "${value}")`,
      { verb },
    );
  }
  return n;
}

/** Reads the shared flags; the OPA CLI is looked up here so a missing one fails early. @internal */
export async function gateSettings(
  verb: string,
  values: GateFlagValues,
  io: CliIo,
): Promise<GateSettings> {
  let failOn = [...ALL_FAIL_ON];
  if (values["fail-on"] !== undefined) {
    const parsed = parseFailOn(values["fail-on"]);
    if (parsed.unknown.length > 0) {
      throw new CliError(
        "UsageError",
        `--fail-on does not know ${parsed.unknown.join(", ")}; use ${ALL_FAIL_ON.join(", ")}`,
        { verb },
      );
    }
    failOn = parsed.failOn;
  }
  await requireOpa(values, io);
  const timeoutSeconds = number(
    verb,
    "--timeout-seconds",
    values["timeout-seconds"],
    DEFAULT_TIMEOUT_MS / 1000,
    86_400,
  );
  return {
    failOn,
    coverageThreshold: number(
      verb,
      "--coverage-threshold",
      values["coverage-threshold"],
      DEFAULT_COVERAGE_THRESHOLD,
      100,
    ),
    approved: values.approved ?? false,
    approvalLabel: values["approval-label"] ?? DEFAULT_APPROVAL_LABEL,
    tools: toolOptions(values, io, {
      timeoutMs: timeoutSeconds * 1000,
      memoryBytes:
        number(
          verb,
          "--memory-limit-mb",
          values["memory-limit-mb"],
          MiB(DEFAULT_MEMORY_BYTES),
          MAX_MEMORY_MB,
          MIN_MEMORY_MB,
        ) *
        1024 *
        1024,
    }),
  };
}

/**
 * The Regal settings the gate would use for a set: `--regal-config`, else the nearest
 * `.regal/config.yaml` above the set, as the gate finds it in the repository. Without one,
 * access-diff's default applies (the one the action ships).
 * @internal
 */
export async function regalConfigFor(
  set: string,
  flag: string | undefined,
  cwd: string,
  verb: string,
): Promise<string | undefined> {
  if (flag !== undefined) {
    try {
      return await readFile(resolve(cwd, flag), "utf8");
    } catch (cause) {
      throw new CliError("InputError", `cannot read the Regal configuration ${flag}`, {
        cause,
        verb,
      });
    }
  }
  for (let dir = dirname(set); ; dir = dirname(dir)) {
    try {
      return await readFile(join(dir, ".regal", "config.yaml"), "utf8");
    } catch {
      // Not here; look one folder up.
    }
    if (dirname(dir) === dir) return undefined;
  }
}
