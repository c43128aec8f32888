import * as core from "@actions/core";
import {
  ALL_FAIL_ON,
  DEFAULT_APPROVAL_LABEL,
  DEFAULT_COVERAGE_THRESHOLD,
  DEFAULT_MEMORY_BYTES,
  DEFAULT_TIMEOUT_MS,
  type FailOn,
  parseFailOn,
} from "@keycard/access-diff";

/** The action's inputs, validated. @internal */
export interface ActionInputs {
  paths: string[];
  baseRef: string | undefined;
  githubToken: string | undefined;
  approvalLabel: string;
  coverageThreshold: number;
  failOn: FailOn[];
  opaPath: string | undefined;
  regalPath: string | undefined;
  timeoutSeconds: number;
  memoryLimitMb: number;
}

/** A problem with the inputs, reported as such rather than as a crash. @internal */
export class InputError extends Error {
  override readonly name = "InputError" as const;
  readonly code = "InvalidInput" as const;
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
  }
}

function optional(name: string): string | undefined {
  const value = core.getInput(name).trim();
  return value === "" ? undefined : value;
}

function number(name: string, fallback: number, min: number, max: number): number {
  const raw = optional(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new InputError(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/** Reads and checks the inputs declared in action.yml. @internal */
export function readInputs(): ActionInputs {
  const paths = (optional("paths") ?? "policies")
    .split(/[\n,]/)
    .map((p) => p.trim())
    .filter(Boolean);
  const failOnText = optional("fail-on") ?? ALL_FAIL_ON.join(",");
  const { failOn, unknown } = parseFailOn(failOnText);
  if (unknown.length > 0) {
    throw new InputError(
      `fail-on has unknown checks: ${unknown.join(", ")} (use ${ALL_FAIL_ON.join(", ")})`,
    );
  }
  const token = optional("github-token");
  if (token) core.setSecret(token);
  return {
    paths,
    baseRef: optional("base-ref"),
    githubToken: token,
    approvalLabel: optional("approval-label") ?? DEFAULT_APPROVAL_LABEL,
    coverageThreshold: number("coverage-threshold", DEFAULT_COVERAGE_THRESHOLD, 0, 100),
    failOn,
    opaPath: optional("opa-path"),
    regalPath: optional("regal-path"),
    timeoutSeconds: number("timeout-seconds", DEFAULT_TIMEOUT_MS / 1000, 1, 3600),
    memoryLimitMb: number("memory-limit-mb", DEFAULT_MEMORY_BYTES / (1024 * 1024), 64, 65_536),
  };
}
