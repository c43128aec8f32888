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

/** A request whose condition failures show no value of a secret-looking key. */
function redactFailures(
  request: KeycardDecision["requests"][number],
  redacted: (name: string) => boolean,
): KeycardDecision["requests"][number] {
  if (!request.conditionFailures) return request;
  return {
    ...request,
    conditionFailures: request.conditionFailures.map((f) =>
      f.seen !== undefined && redacted(f.key.slice(f.key.lastIndexOf(":") + 1))
        ? { ...f, seen: "[redacted]" }
        : f,
    ),
  };
}

/**
 * A request as the log carries it: action, resource, the resource's parts when some were unknown
 * (so a policy learned from the log marks them as a live recorder does) and the condition
 * context with secret-looking values redacted.
 */
function loggedRequest(
  request: AuthorizationRequest,
  redacted: (name: string) => boolean,
): AuthorizationRequest {
  const out: { -readonly [K in keyof AuthorizationRequest]: AuthorizationRequest[K] } = {
    action: request.action,
    resource: request.resource,
  };
  if (request.resourceParts) out.resourceParts = request.resourceParts;
  if (request.context) out.context = redactContext(request.context, redacted);
  return out;
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
      requests: details.requests.map((r) => loggedRequest(r, redacted)),
    },
    result: {
      allow: decision.allow,
      requests: decision.requests.some((r) => r.conditionFailures)
        ? decision.requests.map((r) => redactFailures(r, redacted))
        : decision.requests,
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

/** Default bytes of decision log lines held while the stream is full. */
export const DEFAULT_LOG_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Appends JSON lines to a file or stream, respecting backpressure: while the stream is full
 * (its `write` returned false and it has not drained), lines wait in a buffer bounded in bytes;
 * beyond that they are dropped and counted, with one warning when a burst of drops starts and
 * one with the count when the stream drains. A write failure is reported once and turns logging
 * off rather than failing the application's calls.
 * @internal
 */
export class DecisionLogWriter {
  readonly #stream: NodeJS.WritableStream;
  readonly #owned: boolean;
  readonly #logger: KeycardLogger;
  readonly #maxBuffered: number;
  readonly #queue: string[] = [];
  #buffered = 0;
  #waiting = false;
  #burst = 0;
  #dropped = 0;
  #failed = false;
  #closed: Promise<void> | undefined;

  constructor(
    target: string | NodeJS.WritableStream,
    logger: KeycardLogger,
    maxBufferedBytes: number = DEFAULT_LOG_BUFFER_BYTES,
  ) {
    this.#logger = logger;
    this.#maxBuffered = maxBufferedBytes;
    this.#owned = typeof target === "string";
    this.#stream = typeof target === "string" ? createWriteStream(target, { flags: "a" }) : target;
    if (typeof this.#stream.on === "function") {
      this.#stream.on("error", (error) => this.#fail(error));
      this.#stream.on("drain", () => this.#drain());
    }
  }

  /** Lines dropped since the writer was made because the stream could not keep up. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Bytes (UTF-16 code units) of lines waiting for the stream to drain. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  write(line: string): void {
    if (this.#failed || this.#closed) return;
    const text = `${line}\n`;
    if (this.#waiting) {
      if (this.#buffered + text.length > this.#maxBuffered) {
        this.#drop();
        return;
      }
      this.#queue.push(text);
      this.#buffered += text.length;
      return;
    }
    this.#send(text);
  }

  /** Ends a file this writer opened (a stream passed in is left open) once its lines are written. */
  close(): Promise<void> {
    if (!this.#owned || this.#failed) return Promise.resolve();
    this.#closed ??= new Promise((resolve) => {
      // Lines still waiting go first: end() flushes them before closing.
      const rest = this.#queue.splice(0).join("");
      this.#buffered = 0;
      if (rest) this.#stream.write(rest);
      this.#stream.end(() => resolve());
    });
    return this.#closed;
  }

  #send(text: string): void {
    try {
      // A stream without drain events cannot signal backpressure; it is written to as before.
      if (this.#stream.write(text) === false && typeof this.#stream.on === "function") {
        this.#waiting = true;
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  #drain(): void {
    this.#waiting = false;
    while (this.#queue.length > 0 && !this.#waiting && !this.#failed) {
      const text = this.#queue.shift()!;
      this.#buffered -= text.length;
      this.#send(text);
    }
    if (!this.#waiting && this.#burst > 0) {
      this.#logger.warn(
        `keycard: the decision log dropped ${this.#burst} decision${this.#burst === 1 ? "" : "s"} while its stream was full`,
      );
      this.#burst = 0;
    }
  }

  #drop(): void {
    this.#dropped++;
    if (this.#burst++ === 0) {
      this.#logger.warn(
        `keycard: the decision log is not keeping up (${this.#maxBuffered} bytes waiting); dropping decisions until it drains`,
      );
    }
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#queue.length = 0;
    this.#buffered = 0;
    const message = error instanceof Error ? error.message : String(error);
    this.#logger.error(
      `keycard: the decision log cannot be written (${message}); decision logging is off`,
    );
  }
}
