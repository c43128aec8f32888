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

/**
 * Members that hold secrets under names that look ordinary, by operation: the value of an SSM
 * parameter, a Lambda function's environment, Cognito's authentication flow members and
 * EventBridge event details. Each path is member names from the input, `*` for every item of a
 * list. The names that identify a resource (`Name`, `FunctionName`, `UserPoolId`, `Username`,
 * `Source`) stay in the log.
 */
const OPERATION_SECRETS: ReadonlyArray<{
  clients: ReadonlyArray<string>;
  operations: ReadonlyArray<string>;
  paths: ReadonlyArray<string>;
}> = [
  { clients: ["SSMClient", "ssm"], operations: ["PutParameter"], paths: ["Value"] },
  {
    clients: ["LambdaClient", "lambda"],
    operations: ["CreateFunction", "UpdateFunctionConfiguration"],
    paths: ["Environment.Variables"],
  },
  {
    clients: ["CognitoIdentityProviderClient", "cognito-idp"],
    operations: [
      "InitiateAuth",
      "AdminInitiateAuth",
      "RespondToAuthChallenge",
      "AdminRespondToAuthChallenge",
      "AssociateSoftwareToken",
      "VerifySoftwareToken",
      "ConfirmForgotPassword",
      "ConfirmSignUp",
      "SignUp",
      "VerifyUserAttribute",
      "ChangePassword",
      "AdminSetUserPassword",
      "AdminCreateUser",
      "StartWebAuthnRegistration",
      "CompleteWebAuthnRegistration",
    ],
    paths: [
      "AuthParameters",
      "ChallengeResponses",
      "Session",
      "UserCode",
      "ConfirmationCode",
      "Code",
      "TemporaryPassword",
      "Credential",
      "ClientMetadata",
    ],
  },
  {
    clients: ["CognitoIdentityClient", "cognito-identity"],
    operations: ["GetId", "GetCredentialsForIdentity", "GetOpenIdToken"],
    paths: ["Logins"],
  },
  {
    clients: ["EventBridgeClient", "CloudWatchEventsClient", "events"],
    operations: ["PutEvents", "PutPartnerEvents"],
    paths: ["Entries.*.Detail"],
  },
  {
    clients: ["EventBridgeClient", "CloudWatchEventsClient", "events"],
    operations: ["CreateConnection", "UpdateConnection"],
    paths: ["AuthParameters"],
  },
  { clients: ["EventBridgeClient", "events"], operations: ["TestEventPattern"], paths: ["Event"] },
  {
    clients: ["SecretsManagerClient", "secretsmanager"],
    operations: ["CreateSecret", "PutSecretValue", "UpdateSecret"],
    paths: ["SecretString", "SecretBinary"],
  },
];

const SECRET_PATHS: ReadonlyMap<string, ReadonlyArray<ReadonlyArray<string>>> = (() => {
  const map = new Map<string, Array<ReadonlyArray<string>>>();
  for (const entry of OPERATION_SECRETS) {
    for (const client of entry.clients) {
      for (const operation of entry.operations) {
        const key = `${client}\u0000${operation}`;
        const paths = map.get(key) ?? [];
        paths.push(...entry.paths.map((p) => p.split(".")));
        map.set(key, paths);
      }
    }
  }
  return map;
})();

/**
 * The member paths redacted for an operation, by SDK client name or IAM service prefix.
 * @internal
 */
export function secretPaths(
  client: string,
  operation: string,
): ReadonlyArray<ReadonlyArray<string>> | undefined {
  return SECRET_PATHS.get(`${client}\u0000${operation}`);
}

/** The paths that continue below `name` (`*` matches any member or list item). */
function below(
  paths: ReadonlyArray<ReadonlyArray<string>> | undefined,
  name: string | undefined,
): { redact: boolean; rest: ReadonlyArray<ReadonlyArray<string>> | undefined } {
  if (!paths) return { redact: false, rest: undefined };
  let redact = false;
  const rest: Array<ReadonlyArray<string>> = [];
  for (const path of paths) {
    if (path[0] !== "*" && path[0] !== name) continue;
    if (path.length === 1) redact = true;
    else rest.push(path.slice(1));
  }
  return { redact, rest: rest.length > 0 ? rest : undefined };
}

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
export function summarizeInput(
  input: unknown,
  redacted: (name: string) => boolean,
  paths?: ReadonlyArray<ReadonlyArray<string>>,
): unknown {
  const seen = new WeakSet<object>();
  const walk = (
    value: unknown,
    depth: number,
    within: ReadonlyArray<ReadonlyArray<string>> | undefined,
  ): unknown => {
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
      const { redact, rest } = below(within, undefined);
      const items = value
        .slice(0, MAX_ITEMS)
        .map((item) => (redact ? REDACTED : walk(item, depth + 1, rest)));
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
      const { redact, rest } = below(within, key);
      out[clipString(key)] = redact || redacted(key) ? REDACTED : walk(member, depth + 1, rest);
    }
    if (keys.length > MAX_KEYS) out["…"] = `+${keys.length - MAX_KEYS} more members`;
    return out;
  };
  try {
    return walk(input, 0, paths);
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
