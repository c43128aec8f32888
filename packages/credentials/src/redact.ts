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
