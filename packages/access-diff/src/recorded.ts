import { ENTRYPOINT, type EvaluationInput } from "@keycard/engine";
import { jsonDepth, MAX_JSON_DEPTH, type SetFile } from "./policy-set.js";
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
      const skipped = (message: string): Finding => ({
        check: "iam",
        severity: "warning",
        rule: "RecordedLine",
        message,
        file: displayDir ? `${displayDir}/${file.path}` : file.path,
        line: index + 1,
      });
      // Every reader after this one recurses into the input: a line nested thousands deep
      // would exhaust the stack, so it is skipped where it is read.
      if (jsonDepth(line) > MAX_JSON_DEPTH) {
        findings.push(
          skipped(
            `this decision-log line is nested more than ${MAX_JSON_DEPTH} levels deep and was not replayed`,
          ),
        );
        continue;
      }
      let entry: { path?: unknown; input?: unknown };
      try {
        entry = JSON.parse(line) as { path?: unknown; input?: unknown };
      } catch {
        findings.push(skipped("this decision-log line is not JSON and was not replayed"));
        continue;
      }
      if (typeof entry.path === "string" && entry.path.replace(/^\/+|\/+$/g, "") !== ENTRYPOINT)
        continue;
      const input = toEvaluationInput(entry.input);
      if (input) inputs.push(input);
    }
  }
  return { inputs, findings };
}
