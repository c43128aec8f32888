import type { EvaluationInput } from "@keycard/engine";
import type { SetFile } from "./policy-set.js";
import { toEvaluationInput } from "./test-inputs.js";
import type { Finding } from "./types.js";

/** Most decision-log lines read per set: enough for a picture of real traffic, bounded in time. @internal */
export const MAX_RECORDED_LINES = 20_000;

/**
 * Reads decision logs recorded by keycard's audit and learn modes (OPA decision-log JSON
 * lines) and returns the inputs to replay. Lines for other entrypoints are skipped.
 * @internal
 */
export function readRecorded(
  files: ReadonlyArray<SetFile>,
  displayDir: string,
): { inputs: EvaluationInput[]; findings: Finding[] } {
  const inputs: EvaluationInput[] = [];
  const findings: Finding[] = [];
  let lines = 0;
  for (const file of files) {
    for (const [index, line] of file.text.split("\n").entries()) {
      if (!line.trim()) continue;
      if (lines++ >= MAX_RECORDED_LINES) return { inputs, findings };
      let entry: { path?: unknown; input?: unknown };
      try {
        entry = JSON.parse(line) as { path?: unknown; input?: unknown };
      } catch {
        findings.push({
          check: "iam",
          severity: "warning",
          rule: "RecordedLine",
          message: "this decision-log line is not JSON and was not replayed",
          file: displayDir ? `${displayDir}/${file.path}` : file.path,
          line: index + 1,
        });
        continue;
      }
      if (
        typeof entry.path === "string" &&
        entry.path.replace(/^\/+|\/+$/g, "") !== "keycard/authz/decision"
      )
        continue;
      const input = toEvaluationInput(entry.input);
      if (input) inputs.push(input);
    }
  }
  return { inputs, findings };
}
