import type { Logger } from "@smithy/types";

/**
 * Shows enough of an access key ID to recognise it (`AKIA…WXYZ`) without writing it out; the
 * ID is not a secret, but it is half of one and has no place in shared logs.
 * @internal
 */
export function maskAccessKeyId(accessKeyId: string): string {
  if (accessKeyId.length <= 8) return "…";
  return `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
}

/**
 * Replaces every known secret in a text (an SDK error message we pass on) with `[redacted]`.
 * @internal
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would blank out ordinary words; real secrets are long.
    if (secret && secret.length >= 8) out = out.split(secret).join("[redacted]");
  }
  return out;
}

/**
 * A one-line description of an error for a message or a log line: its name and its message, with
 * known secrets removed.
 * @internal
 */
export function describeError(error: unknown, secrets: ReadonlyArray<string | undefined>): string {
  if (error instanceof Error) return redact(`${error.name}: ${error.message}`, secrets);
  return redact(String(error), secrets);
}

/** Keys whose values are secret in the SDK's logged inputs and outputs. */
const SECRET_KEY = /secret|token|password|^credentials$/i;

/**
 * exec's failure message, which the SDK's `fromProcess` logs and throws: `Command failed: <command
 * line>\n<stderr>`. Everything after the marker can hold a secret.
 */
const COMMAND_FAILED = /Command failed:[\s\S]*/;

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === "string") {
    return value.replace(COMMAND_FAILED, "Command failed: [command line and output not shown]");
  }
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (value instanceof Date || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== undefined ? "[redacted]" : scrub(item, depth + 1);
  }
  return out;
}

/**
 * Wraps the caller's logger for the SDK providers and clients the chain creates. The STS client
 * logs each call's output at `info` level and its redaction covers `SecretAccessKey` but not
 * `SessionToken`, so values under secret-looking keys are replaced before anything is written. The
 * SDK's `fromProcess` logs a failing helper's command line and stderr; those are cut off too.
 * @internal
 */
export function sdkSafeLogger(logger: Logger): Logger {
  const complete = completeLogger(logger);
  const wrap =
    (write: (...content: unknown[]) => void) =>
    (...content: unknown[]) =>
      write(...content.map((part) => scrub(part, 0)));
  return {
    debug: wrap((...c) => complete.debug(...c)),
    info: wrap((...c) => complete.info(...c)),
    warn: wrap((...c) => complete.warn(...c)),
    error: wrap((...c) => complete.error(...c)),
  };
}

/**
 * A logger with every level: loggers often implement only `warn` and `error`, and a missing
 * level must drop the line rather than crash the credential chain.
 * @internal
 */
export function completeLogger(logger: Partial<Logger>): Logger {
  const level =
    (name: keyof Logger) =>
    (...content: unknown[]) => {
      const write = logger[name];
      if (typeof write === "function")
        (write as (...args: unknown[]) => void).apply(logger, content);
    };
  return { debug: level("debug"), info: level("info"), warn: level("warn"), error: level("error") };
}
