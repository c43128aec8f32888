import { isStreamLike } from "./body-shapes.js";
/**
 * Input members kept out of decision logs by default: data bodies and payloads (they can be
 * large and hold customer data), and anything that looks like a secret. The names that only
 * identify a secret (`SecretId`, `SecretArn`, `SecretName`, `SecretIdList`) stay in the log:
 * they say what was accessed.
 * @public
 */
export const DEFAULT_REDACTED_FIELDS: ReadonlyArray<string> = [
  "Body",
  "*Body",
  "Payload",
  "Message",
  "Item",
  "ExpressionAttributeValues",
  "Plaintext",
  "SecretString",
  "SecretBinary",
  "*Secret*",
  "Password",
  "*Password*",
  "*Token*",
  "*CustomerKey*",
  "*PrivateKey*",
  "*Credentials*",
];

const REDACTED = "[redacted]";

/** Identifiers the default `*Secret*` pattern would otherwise hide. */
const SECRET_IDENTIFIERS = new Set(["secretid", "secretarn", "secretname", "secretidlist"]);
const MAX_DEPTH = 4;
const MAX_KEYS = 50;
const MAX_ITEMS = 10;
const MAX_STRING = 256;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * One test for all redaction patterns: strings are whole-name globs (`*` for any run of
 * characters), compared case-insensitively.
 * @internal
 */
export function redactionMatcher(
  extra: ReadonlyArray<string | RegExp> = [],
): (name: string) => boolean {
  const defaults = globRegExp(DEFAULT_REDACTED_FIELDS);
  const globs = extra.filter((p): p is string => typeof p === "string");
  const added = globs.length > 0 ? globRegExp(globs) : undefined;
  const regexps = extra.filter((p): p is RegExp => p instanceof RegExp);
  return (name) =>
    (defaults.test(name) && !SECRET_IDENTIFIERS.has(name.toLowerCase())) ||
    added?.test(name) === true ||
    regexps.some((r) => r.test(name));
}

/** One regular expression for whole-name globs (`*` for any run of characters), any case. */
function globRegExp(globs: ReadonlyArray<string>): RegExp {
  return new RegExp(
    `^(?:${globs.map((g) => g.split("*").map(escapeRegExp).join(".*")).join("|")})$`,
    "i",
  );
}

function isBinary(value: object): value is ArrayBufferView | ArrayBuffer {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

function clipString(value: string): string {
  return value.length > MAX_STRING
    ? `${value.slice(0, MAX_STRING)}…(+${value.length - MAX_STRING} chars)`
    : value;
}

/**
 * A bounded, JSON-safe summary of a command input for the decision log: redacted members say
 * `[redacted]`, bytes and streams only their kind and size, long strings and lists are clipped,
 * deep nesting is cut. Never throws, whatever the input holds (getters that throw, proxies,
 * cycles, bigints).
 * @internal
 */
export function summarizeInput(input: unknown, redacted: (name: string) => boolean): unknown {
  const seen = new WeakSet<object>();
  const walk = (value: unknown, depth: number): unknown => {
    switch (typeof value) {
      case "string":
        return clipString(value);
      case "number":
        return Number.isFinite(value) ? value : String(value);
      case "boolean":
        return value;
      case "bigint":
        return value.toString();
      case "object":
        break;
      default:
        return undefined;
    }
    if (value === null) return null;
    if (value instanceof Date)
      return Number.isNaN(value.getTime()) ? "[invalid date]" : value.toISOString();
    if (isBinary(value)) return `[binary ${value.byteLength} bytes]`;
    if (isStreamLike(value)) return "[stream]";
    if (seen.has(value)) return "[circular]";
    if (depth >= MAX_DEPTH) return "[…]";
    seen.add(value);
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ITEMS).map((item) => walk(item, depth + 1));
      if (value.length > MAX_ITEMS) items.push(`…(+${value.length - MAX_ITEMS} more)`);
      return items;
    }
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    for (const key of keys.slice(0, MAX_KEYS)) {
      let member: unknown;
      try {
        member = (value as Record<string, unknown>)[key];
      } catch {
        out[clipString(key)] = "[unreadable]";
        continue;
      }
      if (member === undefined) continue;
      out[clipString(key)] = redacted(key) ? REDACTED : walk(member, depth + 1);
    }
    if (keys.length > MAX_KEYS) out["…"] = `+${keys.length - MAX_KEYS} more members`;
    return out;
  };
  try {
    return walk(input, 0);
  } catch {
    return "[unreadable]";
  }
}

/**
 * Condition context with secret-looking keys redacted (for example a KMS encryption context
 * entry named `token`). Returns the same object when nothing needs hiding.
 * @internal
 */
export function redactContext<T extends Readonly<Record<string, unknown>>>(
  context: T,
  redacted: (name: string) => boolean,
): T {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(context)) {
    // Only the part after the service prefix names the member (`kms:EncryptionContext:token`).
    const name = key.slice(key.lastIndexOf(":") + 1);
    if (name && redacted(name)) {
      copy ??= { ...context };
      copy[key] = REDACTED;
    }
  }
  return (copy as T | undefined) ?? context;
}
