import type { AwsCredentialIdentity } from "@smithy/types";

/**
 * SDK clients treat credentials that expire within five minutes as expired and ask again on every
 * request, so a refresh has to have finished before then.
 * @internal
 */
export const SDK_EXPIRY_WINDOW_MS = 5 * 60_000;

/** After a failed background refresh, wait this long before trying again. */
const RETRY_AFTER_FAILURE_MS = 10_000;

/** Options of {@link refreshingCache}. @internal */
export interface RefreshingCacheOptions {
  /** Start a background refresh this long before expiry (at least {@link SDK_EXPIRY_WINDOW_MS}). */
  refreshBeforeMs: number;
  /** Called when a background refresh fails; the current credentials stay in use. */
  onBackgroundError: (error: unknown) => void;
}

/**
 * Wraps a loader so that callers share one set of credentials:
 * - concurrent callers share one load (a thousand callers make one request);
 * - credentials without `expiration` are kept for the life of the process;
 * - from `refreshBeforeMs` before expiry, callers get the current credentials at once while one
 *   background load replaces them;
 * - within the SDK's five-minute window, callers wait for the new credentials, and get the
 *   current ones if that load fails while they are still valid.
 * @internal
 */
export function refreshingCache<T extends AwsCredentialIdentity>(
  load: () => Promise<T>,
  options: RefreshingCacheOptions,
): (identityProperties?: { forceRefresh?: boolean }) => Promise<T> {
  const refreshBeforeMs = Math.max(options.refreshBeforeMs, SDK_EXPIRY_WINDOW_MS);
  let current: T | undefined;
  let pending: Promise<T> | undefined;
  let lastFailureAt = Number.NEGATIVE_INFINITY;

  const reload = (): Promise<T> => {
    pending ??= load().then(
      (next) => {
        current = next;
        pending = undefined;
        return next;
      },
      (error: unknown) => {
        lastFailureAt = Date.now();
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };

  return async (identityProperties) => {
    if (!current || identityProperties?.forceRefresh) return reload();
    const expiration = current.expiration?.getTime();
    if (expiration === undefined) return current;
    const now = Date.now();
    const remaining = expiration - now;
    if (remaining > refreshBeforeMs) return current;
    if (remaining > SDK_EXPIRY_WINDOW_MS) {
      if (!pending && now - lastFailureAt >= RETRY_AFTER_FAILURE_MS) {
        reload().catch(options.onBackgroundError);
      }
      return current;
    }
    const stale = current;
    try {
      return await reload();
    } catch (error) {
      // Still valid: better to sign with them than to fail the caller's request.
      if (expiration > Date.now()) {
        options.onBackgroundError(error);
        return stale;
      }
      throw error;
    }
  };
}
