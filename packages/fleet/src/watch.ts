import { createHash } from "node:crypto";
import {
  type Decision,
  type EvaluationInput,
  type LoadPolicyOptions,
  loadPolicy,
  type Policy,
  type PolicyStats,
  type PolicyWarning,
} from "@keycard/engine";
import { DEFAULT_LIMITS, readBundleFilesAsync } from "./archive.js";
import { asError, FleetError } from "./errors.js";
import { denyingPolicy } from "./live-policy.js";
import { persistBundle, readPersistedBundle } from "./persist.js";
import { type BundleSource, httpSource, type S3ClientLike, s3Source } from "./sources.js";
import { checkVerificationOptions, type VerificationOptions, verifyBundleAsync } from "./verify.js";

/** Options for {@link watchPolicy}. @public */
export interface WatchPolicyOptions {
  /**
   * The bundle: an OPA bundle service resource over HTTP(S) (`https://bundles.example.com/bundles/orders.tar.gz`)
   * or `s3://bucket/key`, read with the S3 client and the application's credentials.
   */
  url: string;
  /** Request headers for HTTP(S) sources. */
  headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer <token>`, as OPA's bearer credentials. */
  bearerToken?: string;
  /** How bundles are verified; required unless `insecureSkipVerification` is set. */
  verification?: VerificationOptions;
  /** Load unsigned bundles. Only for local development: anyone on the path can change the policy. */
  insecureSkipVerification?: boolean;
  /**
   * Delay between polls: a random time between the two, as OPA's `polling` settings. Failed
   * polls back off exponentially up to `maxDelaySeconds`. Defaults 60 and 120.
   * `longPollingTimeoutSeconds` asks the server to hold the request open until the bundle
   * changes (OPA's long polling); honoured when the server answers with OPA's bundle media type.
   */
  polling?: {
    minDelaySeconds?: number;
    maxDelaySeconds?: number;
    longPollingTimeoutSeconds?: number;
  };
  /** Largest bundle downloaded, bytes. Defaults to 32 MiB. */
  maxBytes?: number;
  /** Largest uncompressed bundle, bytes. Defaults to 64 MiB. */
  maxUnpackedBytes?: number;
  /** Time allowed for one download, seconds (long polling adds its wait). Defaults to 30. */
  timeoutSeconds?: number;
  /** Keeps the last good bundle here and loads it at start-up when the server cannot be reached. */
  persistDir?: string;
  /**
   * Without a bundle at start-up (server down, nothing persisted), `watchPolicy` rejects.
   * `true` starts anyway with a policy that denies every request, saying why, until a bundle arrives.
   */
  startWithoutBundle?: boolean;
  /** Name of the bundle in decision logs and status. Defaults to `keycard`. */
  name?: string;
  /** Passed to `loadPolicy` for every bundle: cache size, `assumeUnknown`, `checkActions`. */
  load?: Omit<LoadPolicyOptions, "bundle" | "iam" | "boundary" | "onWarning">;
  /** The S3 client for `s3://` URLs; by default one is made with the default credential chain. */
  s3Client?: S3ClientLike;
  /** Called after a new bundle is in force. */
  onUpdate?: (update: PolicyUpdate) => void;
  /** Called when a poll fails or a bundle is rejected; the previous policy stays in force. */
  onError?: (error: FleetError) => void;
  /** Receives each loaded bundle's warnings. */
  onWarning?: (warning: PolicyWarning) => void;
}

/** What {@link WatchPolicyOptions.onUpdate} receives. @public */
export interface PolicyUpdate {
  revision: string;
  previousRevision: string | undefined;
  /** Where the bundle came from: the server, or the persisted copy at start-up. */
  origin: "server" | "disk";
  /** Milliseconds spent verifying and compiling it. */
  activationMs: number;
}

/** A live policy's state, for health checks and monitoring. @public */
export interface WatchStatus {
  name: string;
  /** The revision in force, or undefined while no bundle is. */
  revision: string | undefined;
  /** Where the bundle in force came from. */
  origin: "server" | "disk" | "none";
  etag: string | undefined;
  lastRequest: Date | undefined;
  lastSuccessfulRequest: Date | undefined;
  lastActivation: Date | undefined;
  /** The last failure, until a poll succeeds: a rejected bundle or an unreachable server. */
  lastError: { code: string; message: string; at: Date } | undefined;
  /** Whether the server said it supports long polling. */
  longPolling: boolean;
  activations: number;
  rejections: number;
  closed: boolean;
}

/**
 * A policy that follows a bundle server. It has `loadPolicy`'s `evaluate`, so the middleware
 * takes it as its `policy`; a new bundle replaces the old between two calls, never during one.
 * @public
 */
export interface LivePolicy extends Policy {
  /** The revision in force, or undefined while none is. */
  readonly revision: string | undefined;
  /**
   * Goes up by one each time a bundle is swapped in, and at no other time; 0 while none is.
   * Unlike `revision`, which a publisher may reuse, it tells a cache keyed on it (such as the
   * middleware's decision memo) that answers from before the swap are stale.
   */
  readonly generation: number;
  /** The bundle's name, as in decision logs. */
  readonly name: string;
  status(): WatchStatus;
  /** Polls now instead of waiting for the next poll; resolves when that poll is done. */
  refresh(): Promise<void>;
  /** Stops polling. The last policy stays usable. */
  close(): Promise<void>;
}

const DEFAULT_POLLING = { minDelaySeconds: 60, maxDelaySeconds: 120 };
/**
 * The least time between two requests after a long poll that ended well before its wait with
 * a new bundle: a server that answers at once, whatever it claims, cannot drive a busy loop.
 */
const MIN_LONG_POLL_GAP_MS = 1000;

/** What one poll found, and when the next one should be sent. */
type PollResult = { ok: true; next: "now" | "soon" | "later" } | { ok: false; error: FleetError };

/**
 * Follows an OPA bundle: downloads, verifies, compiles and swaps it in, then polls for new
 * revisions. Resolves once a bundle is in force (from the server, else from `persistDir`), or
 * at once with a deny-everything policy when `startWithoutBundle` is set; otherwise rejects
 * with a {@link FleetError} `NoBundle` saying why.
 *
 * @example
 * ```ts
 * const policy = await watchPolicy({
 *   url: "https://bundles.example.com/bundles/orders.tar.gz",
 *   verification: { key: await readFile("bundle-signing.pub", "utf8") },
 *   polling: { minDelaySeconds: 10, maxDelaySeconds: 30 },
 *   persistDir: "/var/lib/orders/keycard",
 * });
 * const client = new S3Client({});
 * client.middlewareStack.use(keycardPlugin({ policy }));
 * ```
 * @public
 */
export async function watchPolicy(options: WatchPolicyOptions): Promise<LivePolicy> {
  const watcher = new Watcher(options);
  await watcher.start();
  return watcher;
}

class Watcher implements LivePolicy {
  readonly name: string;
  readonly #options: WatchPolicyOptions;
  readonly #source: BundleSource;
  readonly #min: number;
  readonly #max: number;
  readonly #longPollSeconds: number;
  readonly #abort = new AbortController();
  #policy: Policy;
  #revision: string | undefined;
  #generation = 0;
  /** SHA-256 of the bundle in force, so the same bytes are never verified and compiled twice. */
  #sha256: string | undefined;
  #origin: WatchStatus["origin"] = "none";
  #etag: string | undefined;
  #lastRequest: Date | undefined;
  #lastSuccess: Date | undefined;
  #lastActivation: Date | undefined;
  #lastError: WatchStatus["lastError"];
  #longPolling = false;
  #activations = 0;
  #rejections = 0;
  #failures = 0;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  /** Aborts the request in flight when `refresh` supersedes it (a long poll may be held open). */
  #inflight: AbortController | undefined;

  constructor(options: WatchPolicyOptions) {
    this.#options = options;
    this.name = options.name ?? "keycard";
    if (!options.verification && options.insecureSkipVerification !== true) {
      throw new FleetError(
        "InvalidOptions",
        "watchPolicy needs verification options (or insecureSkipVerification for local development)",
      );
    }
    if (options.verification) checkVerificationOptions(options.verification);
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (cause) {
      throw new FleetError("InvalidOptions", "url must be an http(s):// or s3:// URL", { cause });
    }
    const headers: Record<string, string> = { ...options.headers };
    if (options.bearerToken) headers.Authorization = `Bearer ${options.bearerToken}`;
    if (url.protocol === "s3:") this.#source = s3Source(url, options.s3Client);
    else if (url.protocol === "http:" || url.protocol === "https:")
      this.#source = httpSource(url, headers);
    else
      throw new FleetError(
        "InvalidOptions",
        `url must be an http(s):// or s3:// URL (got ${url.protocol})`,
      );
    const polling = { ...DEFAULT_POLLING, ...options.polling };
    this.#min = polling.minDelaySeconds * 1000;
    this.#max = Math.max(polling.maxDelaySeconds * 1000, this.#min);
    this.#longPollSeconds = polling.longPollingTimeoutSeconds ?? 0;
    if (!(this.#min >= 0) || !(this.#longPollSeconds >= 0))
      throw new FleetError("InvalidOptions", "polling delays must be non-negative numbers");
    this.#policy = denyingPolicy(() => this.#lastError?.message ?? "waiting for the first bundle");
  }

  async start(): Promise<void> {
    // Start-up wants an answer at once, not a request the server may hold open.
    const first = await this.#poll(false);
    if (!first.ok) {
      const fromDisk = await this.#loadPersisted();
      if (!fromDisk && this.#options.startWithoutBundle !== true) {
        this.#closed = true;
        throw new FleetError(
          "NoBundle",
          `no policy bundle: ${first.error.message}${this.#options.persistDir ? ", and no persisted bundle could be loaded" : ""}`,
          { cause: first.error },
        );
      }
    }
    // With long polling configured, the next request asks for it at once: the server's answer
    // tells whether it holds requests open. One that does not is then polled normally.
    this.#schedule(first.ok && this.#longPollSeconds > 0 ? "now" : "later");
  }

  // --- Policy ---------------------------------------------------------------------------
  evaluate(input: EvaluationInput): Decision {
    return this.#policy.evaluate(input);
  }
  get warnings(): ReadonlyArray<PolicyWarning> {
    return this.#policy.warnings;
  }
  get documents(): ReadonlyArray<string> {
    return this.#policy.documents;
  }
  get statementCount(): number {
    return this.#policy.statementCount;
  }
  get source(): "builtin" | "bundle" {
    return this.#policy.source;
  }
  stats(): PolicyStats {
    return this.#policy.stats();
  }

  // --- LivePolicy -----------------------------------------------------------------------
  get revision(): string | undefined {
    return this.#revision;
  }

  get generation(): number {
    return this.#generation;
  }

  status(): WatchStatus {
    return {
      name: this.name,
      revision: this.#revision,
      origin: this.#origin,
      etag: this.#etag,
      lastRequest: this.#lastRequest,
      lastSuccessfulRequest: this.#lastSuccess,
      lastActivation: this.#lastActivation,
      lastError: this.#lastError,
      longPolling: this.#longPolling,
      activations: this.#activations,
      rejections: this.#rejections,
      closed: this.#closed,
    };
  }

  async refresh(): Promise<void> {
    if (this.#closed) throw new FleetError("Closed", "the live policy is closed");
    clearTimeout(this.#timer);
    this.#inflight?.abort();
    await this.#polling;
    const result = await this.#poll(false);
    this.#schedule(result.ok && this.#longPolling ? result.next : "later");
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#polling?.catch(() => undefined);
  }

  // --- polling --------------------------------------------------------------------------
  #schedule(next: "now" | "soon" | "later"): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    const delay = next === "now" ? 0 : next === "soon" ? MIN_LONG_POLL_GAP_MS : this.#delay();
    this.#timer = setTimeout(() => {
      this.#polling = this.#poll(true).then((result) => {
        this.#polling = undefined;
        this.#schedule(result.ok ? result.next : "later");
      });
    }, delay);
    // The watcher must not keep a process alive on its own.
    this.#timer.unref?.();
  }

  #delay(): number {
    if (this.#failures === 0) return this.#min + Math.random() * (this.#max - this.#min);
    // Back off from failures, so a struggling server is not hammered by every service at once.
    const backoff = Math.min(
      this.#max,
      Math.max(this.#min, 1000) * 2 ** Math.min(this.#failures - 1, 16),
    );
    return backoff / 2 + Math.random() * (backoff / 2);
  }

  async #poll(longPoll: boolean): Promise<PollResult> {
    this.#lastRequest = new Date();
    const started = Date.now();
    const inflight = new AbortController();
    this.#inflight = inflight;
    // Scheduled polls ask for long polling, as OPA does; the answer says whether the server
    // honours it. Start-up and refresh() want an answer at once.
    const wait = longPoll ? this.#longPollSeconds : 0;
    try {
      const result = await this.#source.fetch({
        etag: this.#etag,
        longPollSeconds: wait,
        maxBytes: this.#options.maxBytes ?? DEFAULT_LIMITS.maxBytes,
        timeoutMs: (this.#options.timeoutSeconds ?? 30) * 1000,
        signal: AbortSignal.any([this.#abort.signal, inflight.signal]),
      });
      // Long polling only once the server has shown it supports it, as OPA does.
      if (longPoll) this.#longPolling = this.#longPollSeconds > 0 && result.longPoll;
      let swapped = false;
      if (result.kind === "bundle")
        swapped = await this.#activate(result.bytes, "server", result.etag);
      else if (this.#origin === "none")
        // "Unchanged" from a server that was never sent an ETag says nothing about a bundle.
        throw new FleetError(
          "FetchFailed",
          `${this.#source.display} answered "not modified", but no bundle is in force`,
        );
      this.#lastSuccess = new Date();
      this.#failures = 0;
      this.#lastError = undefined;
      // A long poll answered well before its wait is not being held, whatever the server
      // claims: with nothing new, wait as for an ordinary poll; with a new bundle, briefly.
      const early = wait > 0 && Date.now() - started < (wait * 1000) / 2;
      const next = !this.#longPolling ? "later" : !early ? "now" : swapped ? "soon" : "later";
      return { ok: true, next };
    } catch (thrown) {
      if (this.#closed)
        return { ok: false, error: new FleetError("Closed", "the live policy is closed") };
      // Superseded by refresh(), which polls again at once: not a failure.
      if (inflight.signal.aborted) return { ok: true, next: "later" };
      const error =
        thrown instanceof FleetError
          ? thrown
          : new FleetError("FetchFailed", asError(thrown).message, { cause: thrown });
      this.#failures++;
      this.#lastError = { code: error.code, message: error.message, at: new Date() };
      if (error.code !== "FetchFailed") this.#rejections++;
      this.#report(error);
      return { ok: false, error };
    } finally {
      if (this.#inflight === inflight) this.#inflight = undefined;
    }
  }

  /**
   * Verifies and compiles a bundle, then swaps it in; throws without touching the policy in
   * force. Returns false when nothing was swapped: the same bytes as the bundle in force, or
   * the watcher closed meanwhile.
   */
  async #activate(
    bytes: Uint8Array,
    origin: "server" | "disk",
    etag: string | undefined,
  ): Promise<boolean> {
    const started = performance.now();
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (sha256 === this.#sha256) {
      // A server that ignores If-None-Match costs a download, never a verify and compile.
      if (origin === "server") {
        this.#etag = etag;
        this.#origin = "server";
      }
      return false;
    }
    const limits = {
      maxBytes: this.#options.maxBytes,
      maxUnpackedBytes: this.#options.maxUnpackedBytes,
    };
    let verified: Awaited<ReturnType<typeof verifyBundleAsync>> | undefined;
    if (this.#options.verification)
      verified = await verifyBundleAsync(bytes, { ...this.#options.verification, ...limits });
    // Unverified bundles still go through the bounded reader before the engine's unbounded one.
    else await readBundleFilesAsync(bytes, limits);
    let policy: Policy;
    try {
      policy = await loadPolicy({
        ...this.#options.load,
        bundle: bytes,
        ...(this.#options.onWarning ? { onWarning: this.#options.onWarning } : {}),
      });
    } catch (cause) {
      throw new FleetError(
        "CompileFailed",
        `the bundle${verified ? ` revision ${JSON.stringify(verified.revision)}` : ""} does not load: ${asError(cause).message}`,
        { cause },
      );
    }
    validate(policy);
    if (this.#closed) return false;
    const previousRevision = this.#revision;
    // One assignment: calls before it use the old policy, calls after it the new one.
    this.#policy = policy;
    this.#generation++;
    this.#sha256 = sha256;
    this.#revision = verified?.revision ?? "";
    this.#origin = origin;
    if (origin === "server") this.#etag = etag;
    this.#lastActivation = new Date();
    this.#activations++;
    if (origin === "server" && this.#options.persistDir) {
      await persistBundle(this.#options.persistDir, bytes).catch((cause) =>
        this.#report(
          new FleetError(
            cause instanceof FleetError ? cause.code : "FetchFailed",
            `cannot persist the bundle in ${this.#options.persistDir}: ${asError(cause).message}`,
            { cause },
          ),
        ),
      );
    }
    const update: PolicyUpdate = {
      revision: this.#revision,
      previousRevision,
      origin,
      activationMs: performance.now() - started,
    };
    try {
      this.#options.onUpdate?.(update);
    } catch {
      // A failing callback must not undo an activation or stop the watcher.
    }
    return true;
  }

  async #loadPersisted(): Promise<boolean> {
    const dir = this.#options.persistDir;
    if (!dir) return false;
    try {
      const bytes = await readPersistedBundle(
        dir,
        this.#options.maxBytes ?? DEFAULT_LIMITS.maxBytes,
      );
      if (!bytes) return false;
      await this.#activate(bytes, "disk", undefined);
      return true;
    } catch (thrown) {
      const error =
        thrown instanceof FleetError
          ? thrown
          : new FleetError("InvalidBundle", asError(thrown).message, { cause: thrown });
      this.#report(
        new FleetError(error.code, `the persisted bundle in ${dir} is refused: ${error.message}`, {
          cause: error,
        }),
      );
      return false;
    }
  }

  #report(error: FleetError): void {
    try {
      this.#options.onError?.(error);
    } catch {
      // A failing callback must not stop the watcher.
    }
  }
}

/** A probe request every keycard policy decides: a bundle that cannot is not swapped in. */
const PROBE: EvaluationInput = {
  region: "us-east-1",
  requests: [{ action: "sts:GetCallerIdentity", resource: "*" }],
};

function validate(policy: Policy): void {
  const decision = policy.evaluate(PROBE);
  const reason = decision.requests[0]?.reason ?? "";
  if (decision.requests.length !== 1 || reason.startsWith("cannot evaluate")) {
    throw new FleetError(
      "CompileFailed",
      `the bundle loads but cannot decide a request (${reason || "no decision"})`,
    );
  }
}
