import { deadline } from "./deadline.js";
import { FleetError } from "./errors.js";

/** What a bundle source returned for one request. @internal */
export type FetchResult =
  | { kind: "unchanged"; longPoll: boolean }
  | { kind: "bundle"; bytes: Uint8Array; etag: string | undefined; longPoll: boolean };

/** One request for the bundle. @internal */
export interface FetchRequest {
  etag: string | undefined;
  /** Seconds the server may hold the request open (OPA's long polling); 0 for none. */
  longPollSeconds: number;
  maxBytes: number;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Where bundles come from. @internal */
export interface BundleSource {
  readonly display: string;
  fetch(request: FetchRequest): Promise<FetchResult>;
}

/** OPA's media type for bundles; a server that sends it supports long polling. */
export const BUNDLE_MEDIA_TYPE = "application/vnd.openpolicyagent.bundles";

/** Reads a body stream, stopping as soon as it passes the limit. */
async function readBounded(
  body: AsyncIterable<Uint8Array> | null | undefined,
  maxBytes: number,
  display: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!body) return new Uint8Array();
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new FleetError(
        "InvalidBundle",
        `${display} sent more than ${maxBytes} bytes; the bundle is refused`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Runs one request under its time limit (long polling adds its wait), cleared when it ends. */
async function limited<T>(
  request: FetchRequest,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const limit = deadline(request.timeoutMs + request.longPollSeconds * 1000, request.signal);
  try {
    return await run(limit.signal);
  } finally {
    limit.clear();
  }
}

/** Redirects followed for one request; a bundle server needs one at most, a loop needs many. */
const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Never shows a URL's credentials or query, which may carry tokens. */
function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * An OPA bundle service resource over HTTP(S): `If-None-Match` with the last ETag so an
 * unchanged bundle costs one 304, and `Prefer: modes=long-poll;wait=N` as OPA sends it.
 * @internal
 */
export function httpSource(url: URL, headers: Readonly<Record<string, string>>): BundleSource {
  const display = displayUrl(url);
  return {
    display,
    fetch(request) {
      return limited(request, async (signal) => {
        const requestHeaders: Record<string, string> = { ...headers };
        if (request.etag) requestHeaders["If-None-Match"] = request.etag;
        if (request.longPollSeconds > 0)
          requestHeaders.Prefer = `modes=long-poll;wait=${request.longPollSeconds}`;
        let response: Response;
        let target = url;
        for (let redirects = 0; ; redirects++) {
          try {
            // Redirects are followed here, not by fetch, which would send the configured headers
            // (credentials among them) to any origin and from https:// down to http://.
            response = await fetch(target, { headers: requestHeaders, signal, redirect: "manual" });
          } catch (cause) {
            throw new FleetError("FetchFailed", `cannot reach ${display}: ${describe(cause)}`, {
              cause,
            });
          }
          if (!REDIRECTS.has(response.status)) break;
          await response.body?.cancel();
          const location = response.headers.get("location");
          let next: URL | undefined;
          try {
            next = location ? new URL(location, target) : undefined;
          } catch {
            next = undefined;
          }
          if (!next)
            throw new FleetError(
              "FetchFailed",
              `${display} answered ${response.status} without a valid Location`,
            );
          if (next.origin !== url.origin)
            throw new FleetError(
              "FetchFailed",
              `${display} redirects to another origin (${next.protocol}//${next.host}); only redirects within ${url.origin} are followed`,
            );
          if (redirects + 1 > MAX_REDIRECTS)
            throw new FleetError(
              "FetchFailed",
              `${display} redirects more than ${MAX_REDIRECTS} times`,
            );
          target = next;
        }
        const longPoll = (response.headers.get("content-type") ?? "").startsWith(BUNDLE_MEDIA_TYPE);
        if (response.status === 304) {
          await response.body?.cancel();
          return { kind: "unchanged", longPoll };
        }
        if (response.status !== 200) {
          await response.body?.cancel();
          throw new FleetError("FetchFailed", `${display} answered ${response.status}`);
        }
        const length = Number(response.headers.get("content-length") ?? "0");
        if (length > request.maxBytes) {
          await response.body?.cancel();
          throw new FleetError(
            "InvalidBundle",
            `${display} offers ${length} bytes, more than the limit of ${request.maxBytes}`,
          );
        }
        let bytes: Uint8Array;
        try {
          bytes = await readBounded(
            response.body as AsyncIterable<Uint8Array> | null,
            request.maxBytes,
            display,
          );
        } catch (cause) {
          if (cause instanceof FleetError) throw cause;
          throw new FleetError(
            "FetchFailed",
            `the download from ${display} failed: ${describe(cause)}`,
            { cause },
          );
        }
        return { kind: "bundle", bytes, etag: response.headers.get("etag") ?? undefined, longPoll };
      });
    },
  };
}

function describe(thrown: unknown): string {
  if (thrown instanceof Error) {
    if (thrown.name === "TimeoutError") return "timed out";
    const cause = (thrown as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? thrown.message;
  }
  return String(thrown);
}

/** The parts of an S3 client keycard uses, so any configured client (or a test double) fits. @public */
export interface S3ClientLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/**
 * `s3://bucket/key`, read with the SDK's S3 client and the application's credentials.
 * `IfNoneMatch` makes an unchanged object a 304, as over HTTP.
 * @internal
 */
export function s3Source(url: URL, client: S3ClientLike | undefined): BundleSource {
  const bucket = url.hostname;
  const key = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!bucket || !key)
    throw new FleetError("InvalidOptions", `an S3 bundle URL is s3://bucket/key (got ${url.href})`);
  const display = `s3://${bucket}/${key}`;
  let s3:
    | Promise<{
        client: S3ClientLike;
        GetObjectCommand: new (input: {
          Bucket: string;
          Key: string;
          IfNoneMatch?: string;
        }) => unknown;
      }>
    | undefined;
  const load = () => {
    s3 ??= import("@aws-sdk/client-s3").then((sdk) => ({
      client: client ?? (new sdk.S3Client({}) as S3ClientLike),
      GetObjectCommand: sdk.GetObjectCommand,
    }));
    return s3;
  };
  return {
    display,
    fetch(request) {
      return limited(request, async (signal) => {
        let sdk: Awaited<ReturnType<typeof load>>;
        try {
          sdk = await load();
        } catch (cause) {
          throw new FleetError(
            "InvalidOptions",
            "s3:// bundle URLs need @aws-sdk/client-s3 installed",
            { cause },
          );
        }
        let output: { Body?: unknown; ETag?: string; ContentLength?: number };
        try {
          output = (await sdk.client.send(
            new sdk.GetObjectCommand({
              Bucket: bucket,
              Key: key,
              ...(request.etag ? { IfNoneMatch: request.etag } : {}),
            }),
            { abortSignal: signal },
          )) as typeof output;
        } catch (cause) {
          const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata
            ?.httpStatusCode;
          if (status === 304) return { kind: "unchanged", longPoll: false };
          throw new FleetError(
            "FetchFailed",
            `cannot read ${display}: ${(cause as Error).name ?? describe(cause)}`,
            { cause },
          );
        }
        if ((output.ContentLength ?? 0) > request.maxBytes) {
          (output.Body as { destroy?: () => void } | undefined)?.destroy?.();
          throw new FleetError(
            "InvalidBundle",
            `${display} has ${output.ContentLength} bytes, more than the limit of ${request.maxBytes}`,
          );
        }
        const bytes = await readBounded(
          output.Body as AsyncIterable<Uint8Array> | undefined,
          request.maxBytes,
          display,
        );
        return { kind: "bundle", bytes, etag: output.ETag, longPoll: false };
      });
    },
  };
}
