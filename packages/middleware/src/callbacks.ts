import type { KeycardLogger } from "./options.js";

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Settles what a user callback returned: a promise (or any thenable) that rejects is reported
 * through `onError` instead of becoming an unhandled rejection, which would end the host
 * process. Never throws.
 * @internal
 */
export function settleCallback(result: unknown, onError: (error: unknown) => void): void {
  if ((typeof result !== "object" && typeof result !== "function") || result === null) return;
  try {
    // Promise.resolve reads `then` itself and turns a throwing thenable into a rejection.
    Promise.resolve(result).then(undefined, (error: unknown) => {
      try {
        onError(error);
      } catch {
        // The error handler is the last resort; nothing is left to report to.
      }
    });
  } catch (error) {
    onError(error);
  }
}

/**
 * The application's logger, made safe to call from inside an SDK call: a logger that throws or
 * returns a rejected promise never fails the call or crashes the host. What it throws is lost
 * (there is nowhere left to report it).
 * @internal
 */
export function safeLogger(logger: KeycardLogger): KeycardLogger {
  const call = (level: "warn" | "error", message: string): void => {
    try {
      settleCallback(logger[level](message), () => undefined);
    } catch {
      // Logging must never fail the application's call.
    }
  };
  return { warn: (message) => call("warn", message), error: (message) => call("error", message) };
}

/** Calls a user callback; what it throws or rejects with is logged with `label`. @internal */
export function callSafely<A>(
  callback: (arg: A) => unknown,
  arg: A,
  label: string,
  logger: KeycardLogger,
): void {
  const report = (error: unknown) => logger.error(`keycard: ${label} failed: ${describe(error)}`);
  try {
    settleCallback(callback(arg), report);
  } catch (error) {
    report(error);
  }
}
