import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { ENTRYPOINT } from "@keycard/engine";
import type { UnknownResourcePart } from "@keycard/iam-map";

/** An authorization request read back from a decision log. @internal */
export interface LoggedRequest {
  action: string;
  resource: string;
  /** Known text and unknown parts of the resource, when part of it was unknown to the caller. */
  resourceParts?: Array<string | UnknownResourcePart>;
}

/**
 * The logged `resourceParts` as the policy generator reads them, or a reason they are unusable.
 * The parts must spell the logged resource (each unknown part shown as `*`): a line whose parts
 * and resource disagree cannot say which one was checked.
 */
function loggedParts(
  parts: unknown,
  resource: string,
): Array<string | UnknownResourcePart> | string {
  if (!Array.isArray(parts) || parts.length === 0) return "resourceParts is not a list of parts";
  const out: Array<string | UnknownResourcePart> = [];
  let display = "";
  for (const part of parts) {
    if (typeof part === "string") {
      out.push(part);
      display += part;
      continue;
    }
    const p = part as { unknown?: unknown; length?: unknown } | null;
    if (typeof p?.unknown !== "string")
      return "resourceParts holds a part that is not text or unknown";
    if (p.length === undefined) out.push({ unknown: p.unknown });
    else if (typeof p.length === "number" && Number.isSafeInteger(p.length) && p.length > 0)
      out.push({ unknown: p.unknown, length: p.length });
    else return "resourceParts holds an unknown part with an unusable length";
    display += "*";
  }
  if (display !== resource) return "resourceParts does not spell the resource";
  return out;
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
        const r = request as {
          action?: unknown;
          resource?: unknown;
          resourceParts?: unknown;
        } | null;
        if (typeof r?.action !== "string" || typeof r.resource !== "string" || r.resource === "") {
          skip(`input.requests[${i}] lacks an action or resource`);
          continue;
        }
        if (r.resourceParts === undefined) {
          out.requests.push({ action: r.action, resource: r.resource });
          continue;
        }
        // Without its parts, a resource with an unknown part would be learned as a literal `*`.
        const parts = loggedParts(r.resourceParts, r.resource);
        if (typeof parts === "string") {
          skip(`input.requests[${i}]: ${parts}`);
          continue;
        }
        out.requests.push({ action: r.action, resource: r.resource, resourceParts: parts });
      }
    }
  }
  return out;
}
