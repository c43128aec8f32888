import {
  ALL_FAIL_ON,
  DEFAULT_APPROVAL_LABEL,
  type FailOn,
  parseFailOn,
  type ToolOptions,
} from "@keycard/access-diff";
import { CliError } from "./errors.js";
import type { CliIo } from "./io.js";
import { findOpa } from "./opa.js";

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
} as const;

/** Help text for {@link gateFlags}, shared by both verbs. @internal */
export const GATE_FLAGS_HELP = `      --fail-on <checks>          checks that fail: invalid, tests, new-access, escalation
                                  (comma-separated; default: all four)
      --coverage-threshold <pct>  minimum Rego test coverage of a set (default: 80)
      --approved                  treat the change as approved, as the action does when
                                  the pull request carries the approval label
      --approval-label <name>     the label named in the output (default: ${DEFAULT_APPROVAL_LABEL})
      --markdown                  print the pull-request comment's Markdown instead
  -v, --verbose                   show example requests under each access change
      --opa <path>                the OPA CLI (default: $OPA_PATH, then opa on PATH)
      --regal <path>              the Regal CLI (default: $REGAL_PATH, then regal on PATH;
                                  linting is skipped without it)
      --timeout-seconds <n>       longest a single OPA or Regal run may take (default: 120)
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
): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/%$/, ""));
  if (!Number.isFinite(n) || n < 0 || n > max) {
    throw new CliError("UsageError", `${flag} must be a number from 0 to ${max} (got "${value}")`, {
      verb,
    });
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
  const regal = values.regal ?? (io.env.REGAL_PATH || undefined);
  return {
    failOn,
    coverageThreshold: number(verb, "--coverage-threshold", values["coverage-threshold"], 80, 100),
    approved: values.approved ?? false,
    approvalLabel: values["approval-label"] ?? DEFAULT_APPROVAL_LABEL,
    tools: {
      opa: await findOpa(values.opa, io),
      ...(regal ? { regal } : {}),
      timeoutMs: number(verb, "--timeout-seconds", values["timeout-seconds"], 120, 86_400) * 1000,
    },
  };
}
