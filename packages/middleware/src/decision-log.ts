import { createWriteStream } from "node:fs";
import type { AuthorizationRequest } from "@keycard/engine";
import type { KeycardDecision } from "./decision.js";
import type { KeycardLogger } from "./options.js";
import { redactContext } from "./redact.js";

/** The `path` of every line, as OPA names the rule a decision came from. @public */
export const DECISION_PATH = "keycard/authz/decision";

/**
 * One line of the decision log, in the shape of an OPA decision log event. `input.requests`
 * carries each IAM request with its condition context, so `keycard learn` can rebuild a policy
 * from any log; `keycard` holds the SDK call it came from and a redacted summary of its input.
 * @public
 */
export interface DecisionLogEntry {
  decision_id: string;
  /** RFC 3339 time of the decision. */
  timestamp: string;
  path: typeof DECISION_PATH;
  input: {
    principal: {
      arn?: string;
      accountId?: string;
      userId?: string;
      type?: string;
      source?: string;
      mfa?: boolean;
    };
    region?: string;
    requests: AuthorizationRequest[];
  };
  result: {
    allow: boolean;
    requests: KeycardDecision["requests"];
    alsoMayNeed?: KeycardDecision["alsoMayNeed"];
    reason?: string;
  };
  labels: { app: "keycard"; mode: KeycardDecision["mode"] };
  keycard: {
    service: string;
    operation: string;
    /** SDK client name, for example `S3Client`. */
    client: string;
    /** Whether the call was sent (false only for calls enforce mode refused). */
    sent: boolean;
    /** The command input with bodies and secrets redacted and long values clipped. */
    input: unknown;
  };
}

/** What the log needs beyond the decision itself. @internal */
export interface LogDetails {
  principal: DecisionLogEntry["input"]["principal"];
  region: string | undefined;
  requests: ReadonlyArray<AuthorizationRequest>;
  client: string;
  sent: boolean;
  input: unknown;
}

/** Builds one log line (without the newline). @internal */
export function decisionLogLine(
  decision: KeycardDecision,
  details: LogDetails,
  redacted: (name: string) => boolean,
): string {
  const entry: DecisionLogEntry = {
    decision_id: decision.decisionId,
    timestamp: new Date().toISOString(),
    path: DECISION_PATH,
    input: {
      principal: details.principal,
      ...(details.region ? { region: details.region } : {}),
      requests: details.requests.map((r) =>
        r.context
          ? { action: r.action, resource: r.resource, context: redactContext(r.context, redacted) }
          : { action: r.action, resource: r.resource },
      ),
    },
    result: {
      allow: decision.allow,
      requests: decision.requests,
      ...(decision.alsoMayNeed ? { alsoMayNeed: decision.alsoMayNeed } : {}),
      ...(decision.reason ? { reason: decision.reason } : {}),
    },
    labels: { app: "keycard", mode: decision.mode },
    keycard: {
      service: decision.service,
      operation: decision.operation,
      client: details.client,
      sent: details.sent,
      input: details.input,
    },
  };
  return JSON.stringify(entry);
}

/**
 * Appends JSON lines to a file or stream. A write failure is reported once and turns logging
 * off rather than failing the application's calls.
 * @internal
 */
export class DecisionLogWriter {
  readonly #stream: NodeJS.WritableStream;
  readonly #owned: boolean;
  readonly #logger: KeycardLogger;
  #failed = false;
  #closed: Promise<void> | undefined;

  constructor(target: string | NodeJS.WritableStream, logger: KeycardLogger) {
    this.#logger = logger;
    this.#owned = typeof target === "string";
    this.#stream = typeof target === "string" ? createWriteStream(target, { flags: "a" }) : target;
    if (typeof this.#stream.on === "function")
      this.#stream.on("error", (error) => this.#fail(error));
  }

  write(line: string): void {
    if (this.#failed || this.#closed) return;
    try {
      this.#stream.write(`${line}\n`);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Ends a file this writer opened (a stream passed in is left open) once its lines are written. */
  close(): Promise<void> {
    if (!this.#owned || this.#failed) return Promise.resolve();
    this.#closed ??= new Promise((resolve) => this.#stream.end(() => resolve()));
    return this.#closed;
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    const message = error instanceof Error ? error.message : String(error);
    this.#logger.error(
      `keycard: the decision log cannot be written (${message}); decision logging is off`,
    );
  }
}
