import { EventEmitter } from "node:events";
import { gzipSync } from "node:zlib";
import { deadline } from "./deadline.js";
import { asError, FleetError } from "./errors.js";

/** Options for {@link opaDecisionLog}. @public */
export interface OpaDecisionLogOptions {
  /** The decision-log service, as OPA's `services.<name>.url`; batches go to `<service>/logs`. */
  service: string;
  /** The path under the service; defaults to `/logs`, as OPA's `decision_logs.resource`. */
  resource?: string;
  headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Added to every event's `labels` (OPA sends `id` and `version`; keycard adds `app` and `mode`). */
  labels?: Readonly<Record<string, string>>;
  /**
   * The live policies whose bundle revisions each event records under `bundles`, as OPA
   * records the bundles a decision was made with. The revision is read when the decision is
   * written, so a later swap does not change it.
   */
  bundles?: ReadonlyArray<{ readonly name: string; readonly revision: string | undefined }>;
  /** Bytes of events held while the service is slow or down; beyond it events are dropped and counted. Defaults to 8 MiB. */
  maxBufferBytes?: number;
  /** Uncompressed bytes per upload. Defaults to 1 MiB. */
  maxBatchBytes?: number;
  /** Delay between uploads: a random time between the two. Defaults to 5 and 10 seconds. */
  reporting?: { minDelaySeconds?: number; maxDelaySeconds?: number };
  /** Time allowed for one upload, seconds. Defaults to 10. */
  timeoutSeconds?: number;
  /** Upload failures and the start of each burst of drops. */
  onError?: (error: FleetError) => void;
}

/** Figures of an {@link OpaDecisionLog}, for monitoring. @public */
export interface DecisionLogStats {
  /** Events waiting to be uploaded. */
  buffered: number;
  /** Their size in UTF-16 code units, the unit of `maxBufferBytes`. */
  bufferedBytes: number;
  /** Events dropped because the buffer was full or because `close` ran out of time. */
  dropped: number;
  /** Events the service accepted. */
  sent: number;
  /** Lines that were not decision-log JSON and were skipped. */
  skipped: number;
  /** Uploads that failed (each is retried). */
  failedUploads: number;
}

/**
 * A decision-log sink that ships keycard's decisions to an OPA decision-log service. Pass it
 * as the middleware's `decisionLog`: its `write` only appends the line to a bounded buffer
 * (the middleware has already redacted it); batching, conversion, gzip and upload happen on a
 * timer off the calls' path.
 * @public
 */
export interface OpaDecisionLog extends NodeJS.WritableStream {
  /** Uploads what is buffered now. */
  flush(): Promise<void>;
  /** Stops the timer and uploads what is left, giving up after `timeoutSeconds`. */
  close(): Promise<DecisionLogStats>;
  stats(): DecisionLogStats;
}

/**
 * Creates a sink for the middleware's `decisionLog` that speaks OPA's decision-log protocol:
 * gzip-compressed JSON arrays of events POSTed to `<service>/logs`, retried with backoff.
 *
 * @example
 * ```ts
 * const log = opaDecisionLog({ service: "https://collector.example.com", bundles: [policy] });
 * client.middlewareStack.use(keycardPlugin({ policy, decisionLog: log }));
 * process.on("SIGTERM", () => log.close());
 * ```
 * @public
 */
export function opaDecisionLog(options: OpaDecisionLogOptions): OpaDecisionLog {
  return new Sink(options);
}

class Sink extends EventEmitter implements OpaDecisionLog {
  writable = true;
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #options: OpaDecisionLogOptions;
  readonly #maxBuffer: number;
  readonly #maxBatch: number;
  readonly #min: number;
  readonly #max: number;
  // Two parallel arrays: the hot path pushes a string and a revision snapshot, nothing more.
  #lines: string[] = [];
  #revisions: Array<Record<string, { revision: string }> | undefined> = [];
  #head = 0;
  #bytes = 0;
  #dropped = 0;
  #burst = 0;
  #sent = 0;
  #skipped = 0;
  #failed = 0;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The upload in flight; it never rejects, so any number of callers may wait for it. */
  #uploading: Promise<boolean> | undefined;
  #closed = false;
  /**
   * Bumped when `close` gives up on what is buffered: an upload that ends later belongs to a
   * buffer that no longer exists and must not touch the counters.
   */
  #generation = 0;
  /** Aborts the upload in flight when `close` runs out of time. */
  readonly #abort = new AbortController();

  constructor(options: OpaDecisionLogOptions) {
    super();
    this.#options = options;
    try {
      const base = options.service.replace(/\/+$/, "");
      this.#url = new URL(`${base}${options.resource ?? "/logs"}`);
    } catch (cause) {
      throw new FleetError("InvalidOptions", "service must be an http(s) URL", { cause });
    }
    if (this.#url.protocol !== "http:" && this.#url.protocol !== "https:") {
      throw new FleetError("InvalidOptions", "service must be an http(s) URL");
    }
    this.#headers = {
      ...options.headers,
      "content-type": "application/json",
      "content-encoding": "gzip",
      ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}),
    };
    this.#maxBuffer = options.maxBufferBytes ?? 8 * 1024 * 1024;
    this.#maxBatch = options.maxBatchBytes ?? 1024 * 1024;
    this.#min = (options.reporting?.minDelaySeconds ?? 5) * 1000;
    this.#max = Math.max((options.reporting?.maxDelaySeconds ?? 10) * 1000, this.#min);
    this.#schedule();
  }

  write(chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean {
    const line = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (this.#closed || this.#bytes + line.length > this.#maxBuffer) {
      this.#drop();
    } else {
      this.#lines.push(line);
      this.#revisions.push(this.#snapshot());
      this.#bytes += line.length;
    }
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") queueMicrotask(() => done(null));
    // Always true: the buffer is bounded here, so the caller never needs to wait for drain.
    return true;
  }

  end(...args: unknown[]): this {
    const last = args.find((a) => typeof a === "string" || a instanceof Uint8Array) as
      | string
      | Uint8Array
      | undefined;
    if (last !== undefined) this.write(last);
    void this.close().then(() => {
      const done = args.find((a) => typeof a === "function") as (() => void) | undefined;
      done?.();
    });
    return this;
  }

  stats(): DecisionLogStats {
    return {
      buffered: this.#lines.length - this.#head,
      bufferedBytes: this.#bytes,
      dropped: this.#dropped,
      sent: this.#sent,
      skipped: this.#skipped,
      failedUploads: this.#failed,
    };
  }

  async flush(): Promise<void> {
    // Never rejects: a failed upload is reported through onError and stats, and the sink's
    // timer, the application and close() may all be waiting on the same one.
    // An upload that just failed is retried on the backoff timer, not at once by every waiter.
    while (this.#uploading) if (!(await this.#uploading)) return;
    while (this.#head < this.#lines.length) {
      const uploading = this.#uploadBatch().then(
        () => true,
        () => false,
      );
      this.#uploading = uploading;
      const ok = await uploading;
      if (this.#uploading === uploading) this.#uploading = undefined;
      if (!ok) return;
    }
  }

  async close(): Promise<DecisionLogStats> {
    if (!this.#closed) {
      this.#closed = true;
      this.writable = false;
      clearTimeout(this.#timer);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.flush(),
        new Promise((resolve) => {
          timer = setTimeout(resolve, (this.#options.timeoutSeconds ?? 10) * 1000);
        }),
      ]);
      clearTimeout(timer);
      const left = this.#lines.length - this.#head;
      if (left > 0) {
        // Whatever could not be sent before the deadline or after a failure is counted and
        // reported, not silently lost; an upload still in flight is abandoned.
        this.#generation++;
        this.#abort.abort();
        this.#dropped += left;
        this.#lines = [];
        this.#revisions = [];
        this.#head = 0;
        this.#bytes = 0;
        this.#report(
          new FleetError(
            "LogDropped",
            `the decision log closed with ${left} decisions that could not be uploaded to ${this.#url.host}`,
          ),
        );
      }
    }
    return this.stats();
  }

  #snapshot(): Record<string, { revision: string }> | undefined {
    const bundles = this.#options.bundles;
    if (!bundles || bundles.length === 0) return undefined;
    const out: Record<string, { revision: string }> = {};
    for (const b of bundles) if (b.revision !== undefined) out[b.name] = { revision: b.revision };
    return out;
  }

  #drop(): void {
    this.#dropped++;
    if (this.#burst++ === 0) {
      this.#report(
        new FleetError(
          "LogDropped",
          `the decision log buffer is full (${this.#maxBuffer} bytes); dropping decisions until ${this.#url.host} accepts uploads again`,
        ),
      );
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    const base =
      this.#failures === 0 ? this.#min + Math.random() * (this.#max - this.#min) : this.#backoff();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // flush() does not reject; the second handler is there so a timer can never end the host.
      const next = () => this.#schedule();
      this.flush().then(next, next);
    }, base);
    this.#timer.unref?.();
  }

  #backoff(): number {
    const step = Math.min(
      this.#max * 6,
      Math.max(this.#min, 500) * 2 ** Math.min(this.#failures - 1, 16),
    );
    return step / 2 + Math.random() * (step / 2);
  }

  /** Converts and uploads the oldest events, up to one batch; on failure they stay for the next try. */
  async #uploadBatch(): Promise<void> {
    const generation = this.#generation;
    const start = this.#head;
    const events: unknown[] = [];
    let size = 0;
    let end = this.#head;
    while (end < this.#lines.length) {
      const line = this.#lines[end] as string;
      if (events.length > 0 && size + line.length > this.#maxBatch) break;
      size += line.length;
      const event = this.#event(line, this.#revisions[end]);
      if (event) events.push(event);
      else this.#skipped++;
      end++;
    }
    if (events.length > 0) {
      const body = gzipSync(JSON.stringify(events));
      const limit = deadline((this.#options.timeoutSeconds ?? 10) * 1000, this.#abort.signal);
      try {
        const response = await fetch(this.#url, {
          method: "POST",
          headers: this.#headers,
          body,
          signal: limit.signal,
          // A redirect would carry the decisions and the credentials to wherever it points.
          redirect: "manual",
        });
        await response.body?.cancel();
        if (response.status < 200 || response.status >= 300) {
          throw new Error(`the decision-log service answered ${response.status}`);
        }
      } catch (thrown) {
        if (generation !== this.#generation) throw thrown;
        this.#failed++;
        this.#failures++;
        const message =
          asError(thrown).name === "TimeoutError"
            ? "the upload timed out"
            : asError(thrown).message;
        const error = new FleetError(
          "UploadFailed",
          `cannot upload ${events.length} decisions to ${this.#url.host}: ${message}`,
          { cause: thrown },
        );
        this.#report(error);
        throw error;
      } finally {
        limit.clear();
      }
      if (generation !== this.#generation) {
        // close() counted these as dropped, but the collector took them after all.
        this.#dropped -= end - start;
        this.#sent += events.length;
        return;
      }
      this.#sent += events.length;
    } else if (generation !== this.#generation) return;
    this.#failures = 0;
    this.#burst = 0;
    this.#bytes -= size;
    this.#head = end;
    if (this.#head > 1024 && this.#head * 2 > this.#lines.length) {
      this.#lines = this.#lines.slice(this.#head);
      this.#revisions = this.#revisions.slice(this.#head);
      this.#head = 0;
    }
  }

  /** One OPA decision-log event from a middleware line: labels merged, bundle revisions added. */
  #event(line: string, bundles: Record<string, { revision: string }> | undefined): unknown {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (typeof entry !== "object" || entry === null || typeof entry.decision_id !== "string")
      return undefined;
    const labels = {
      ...this.#options.labels,
      ...(entry.labels as Record<string, string> | undefined),
    };
    return { ...entry, labels, ...(bundles ? { bundles } : {}) };
  }

  #report(error: FleetError): void {
    try {
      this.#options.onError?.(error);
    } catch {
      // A failing callback must not stop the sink.
    }
  }
}
