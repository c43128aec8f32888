import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { ENTRYPOINT } from "@keycard/engine";

/** An authorization request read back from a decision log. @internal */
export interface LoggedRequest {
  action: string;
  resource: string;
}

/** A line that could not be used, and why. @internal */
export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

/** What reading decision logs found. @internal */
export interface DecisionLogRead {
  requests: LoggedRequest[];
  lines: number;
  /** Entries for other OPA paths: not keycard decisions, skipped without complaint. */
  otherPaths: number;
  /**
   * Requests left out because their call was denied: enforce mode refused it (`keycard.sent`
   * false) or audit mode would have (`result.allow` false). Learning from them would turn
   * what the policy refused into an Allow. Zero when `includeDenied` is set.
   */
  denied: number;
  skipped: SkippedLine[];
}

/**
 * Reads keycard decision logs (JSON lines in OPA's decision-log format, as the
 * middleware's audit and learn modes write them) one line at a time, so logs larger
 * than memory still work. Each entry's `input.requests` are the calls that were made;
 * calls that were denied (refused in enforce mode, would-deny in audit mode) are counted and
 * left out unless `includeDenied` is set.
 * @internal
 */
export async function readDecisionLogs(
  files: ReadonlyArray<{ path: string; shown: string }>,
  onLine?: (lines: number) => void,
  options: { includeDenied?: boolean } = {},
): Promise<DecisionLogRead> {
  const out: DecisionLogRead = {
    requests: [],
    lines: 0,
    otherPaths: 0,
    denied: 0,
    skipped: [],
  };
  for (const file of files) {
    const lines = createInterface({
      input: createReadStream(file.path, "utf8"),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let number = 0;
    for await (const text of lines) {
      number++;
      if (!text.trim()) continue;
      out.lines++;
      if (out.lines % 1000 === 0) onLine?.(out.lines);
      const skip = (reason: string) => out.skipped.push({ file: file.shown, line: number, reason });
      let entry: {
        path?: unknown;
        input?: { requests?: unknown };
        result?: { allow?: unknown };
        labels?: { mode?: unknown };
        keycard?: { sent?: unknown };
      };
      try {
        entry = JSON.parse(text) as typeof entry;
      } catch {
        skip("not JSON");
        continue;
      }
      if (typeof entry !== "object" || entry === null) {
        skip("not a decision-log entry");
        continue;
      }
      if (typeof entry.path === "string" && entry.path.replace(/^\/+|\/+$/g, "") !== ENTRYPOINT) {
        out.otherPaths++;
        continue;
      }
      const requests = entry.input?.requests;
      if (!Array.isArray(requests)) {
        skip("no input.requests");
        continue;
      }
      const refused = entry.keycard?.sent === false;
      const wouldDeny = entry.labels?.mode === "audit" && entry.result?.allow === false;
      if (!options.includeDenied && (refused || wouldDeny)) {
        out.denied += requests.length;
        continue;
      }
      for (const [i, request] of requests.entries()) {
        const r = request as { action?: unknown; resource?: unknown } | null;
        if (typeof r?.action !== "string" || typeof r.resource !== "string" || r.resource === "") {
          skip(`input.requests[${i}] lacks an action or resource`);
          continue;
        }
        out.requests.push({ action: r.action, resource: r.resource });
      }
    }
  }
  return out;
}
