import { isDate } from "./input-view.js";
import type { AuthorizationInput, ContextValue } from "./types.js";

/**
 * Condition keys AWS sets on every request of a call: time, transport, region and who is calling,
 * plus keycard's own credential keys when the caller knows them.
 * @internal
 */
export function globalContext(
  args: AuthorizationInput,
  region: string | undefined,
): Readonly<Record<string, ContextValue>> {
  const now = args.now;
  // The time a `Date` holds, read by the method taken when the module loaded: one of the
  // object's own would run code of the caller's.
  const held = isDate(now) ? getTime.call(now) : Number.NaN;
  const ms = Number.isNaN(held) ? Date.now() : held;
  const seconds = Math.floor(ms / 1000);
  const secure = args.secureTransport !== false;
  const p = args.principal;
  // Calls come many to the second from one caller: the last context is reused while nothing it
  // depends on has changed. The principal's members are compared (one caller's object is usually
  // the same each time, but may have changed); tags only by identity, so only frozen ones count.
  if (
    last !== undefined &&
    seconds === last.seconds &&
    region === last.region &&
    secure === last.secure &&
    samePrincipal(p, last.fields)
  ) {
    return last.context;
  }
  // Each member read once, and the context built from what was read: a getter that answered
  // one way for the fields kept and another for the context would file another principal's
  // context under this one's fields, for every call of the second.
  const fields = principalFields(p);
  const context = build(fields, seconds, secure, region);
  last = comparable(fields) ? { fields, seconds, region, secure, context } : undefined;
  return context;
}

const getTime = Date.prototype.getTime;

/** Where {@link principalFields} puts each member. */
const ARN = 0;
const ACCOUNT_ID = 1;
const TYPE = 2;
const USERNAME = 3;
const USER_ID = 4;
const TAGS = 5;
const CREDENTIAL_SOURCE = 6;
const MFA = 7;

/** The principal's members that the context depends on, each read once. */
function principalFields(p: unknown): readonly unknown[] {
  if (p === undefined || p === null) return NO_PRINCIPAL;
  if (typeof p !== "object") return NO_PRINCIPAL;
  const principal = p as Record<string, unknown>;
  return Object.freeze([
    principal["arn"],
    principal["accountId"],
    principal["type"],
    principal["username"],
    principal["userId"],
    principal["tags"],
    principal["credentialSource"],
    principal["mfa"],
  ]);
}

/** Whether a later call's principal can be compared with these fields: tags only by identity. */
function comparable(fields: readonly unknown[]): boolean {
  if (fields === NO_PRINCIPAL) return true;
  const tags = fields[TAGS];
  return tags === undefined || tags === null || (typeof tags === "object" && Object.isFrozen(tags));
}

const NO_PRINCIPAL: readonly unknown[] = Object.freeze([]);

/** Whether a principal has the members recorded by {@link principalFields}, without copying them. */
function samePrincipal(p: unknown, fields: readonly unknown[]): boolean {
  if (p === undefined || p === null || typeof p !== "object") return fields === NO_PRINCIPAL;
  if (fields === NO_PRINCIPAL) return false;
  const principal = p as Record<string, unknown>;
  return (
    principal["arn"] === fields[0] &&
    principal["accountId"] === fields[1] &&
    principal["type"] === fields[2] &&
    principal["username"] === fields[3] &&
    principal["userId"] === fields[4] &&
    principal["tags"] === fields[5] &&
    principal["credentialSource"] === fields[6] &&
    principal["mfa"] === fields[7]
  );
}

/** The last context made, and what it was made from. */
let last:
  | {
      readonly fields: readonly unknown[];
      readonly seconds: number;
      readonly region: string | undefined;
      readonly secure: boolean;
      readonly context: Readonly<Record<string, ContextValue>>;
    }
  | undefined;

/**
 * The context of a call, frozen. Every member is defined by a literal or a spread, never
 * assigned: the context serves every call of the same second, and an assignment of a member the
 * object does not have yet would hand it to a setter code in the process put on
 * `Object.prototype` under that name, to keep and change.
 */
function build(
  fields: readonly unknown[],
  seconds: number,
  secure: boolean,
  region: string | undefined,
): Readonly<Record<string, ContextValue>> {
  const time = {
    // AWS writes the time without milliseconds.
    "aws:CurrentTime": currentTime(seconds),
    "aws:EpochTime": seconds,
    "aws:SecureTransport": secure,
    ...(region ? { "aws:RequestedRegion": region } : undefined),
  };
  if (fields === NO_PRINCIPAL) return Object.freeze(time);
  const given = fields[ARN];
  const arn = typeof given === "string" ? given : undefined;
  const derived = arn !== undefined ? fromArn(arn) : undefined;
  const accountId = fields[ACCOUNT_ID];
  const account = typeof accountId === "string" ? accountId : derived?.account;
  const typeGiven = fields[TYPE];
  const type = typeof typeGiven === "string" ? typeGiven : derived?.type;
  const username = fields[USERNAME];
  const userId = fields[USER_ID];
  const tags = fields[TAGS];
  const credentialSource = fields[CREDENTIAL_SOURCE];
  const mfa = fields[MFA];
  return Object.freeze({
    ...time,
    ...(arn !== undefined ? { "aws:PrincipalArn": arn } : undefined),
    ...(account ? { "aws:PrincipalAccount": account } : undefined),
    ...(type ? { "aws:PrincipalType": type } : undefined),
    ...(typeof username === "string" ? { "aws:username": username } : undefined),
    ...(typeof userId === "string" ? { "aws:userid": userId } : undefined),
    ...(tags && typeof tags === "object" ? principalTags(tags) : undefined),
    ...(typeof credentialSource === "string"
      ? { "keycard:CredentialSource": credentialSource }
      : undefined),
    ...(typeof mfa === "boolean" ? { "keycard:MultiFactorAuthPresent": mfa } : undefined),
  });
}

/** `aws:PrincipalTag/…` for each tag with a text value (`Object.fromEntries` defines them). */
function principalTags(tags: object): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tags)
      .filter((entry): entry is [string, string] => typeof entry[1] === "string")
      .map(([k, v]) => [`aws:PrincipalTag/${k}`, v]),
  );
}

/** The last second formatted, since calls come many to the second. */
let lastSecond = Number.NaN;
let lastTime = "";

/** `aws:CurrentTime` for a second since the epoch: ISO 8601 without milliseconds. */
function currentTime(seconds: number): string {
  if (seconds !== lastSecond) {
    lastTime = `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
    lastSecond = seconds;
  }
  return lastTime;
}

/** What a principal ARN says, parsed once per ARN (a process has few callers). */
const principals = new Map<string, { account: string | undefined; type: string | undefined }>();

function fromArn(arn: string): { account: string | undefined; type: string | undefined } {
  let derived = principals.get(arn);
  if (!derived) {
    derived = { account: accountOf(arn), type: typeOf(arn) };
    // Bounded: past the limit the map starts over rather than growing.
    if (principals.size >= 1000) principals.clear();
    principals.set(arn, derived);
  }
  return derived;
}

/**
 * The account of a principal ARN: its fifth field when that is twelve digits. Found by position,
 * not split: splitting text runs what code in the process added to `String.prototype`, and the
 * answer is kept for later calls.
 */
function accountOf(arn: string): string | undefined {
  let start = 0;
  for (let field = 0; field < 4; field++) {
    const colon = arn.indexOf(":", start);
    if (colon < 0) return undefined;
    start = colon + 1;
  }
  const end = arn.indexOf(":", start);
  const account = end < 0 ? arn.slice(start) : arn.slice(start, end);
  return account.length === 12 && isDigits(account) ? account : undefined;
}

/**
 * `aws:PrincipalType` as AWS derives it from the principal's ARN: `arn:<partition>:iam::<account>:root`
 * or `…:iam::<account>:user/…`, `arn:<partition>:sts::<account>:assumed-role/…` or
 * `…:federated-user/…`. Read field by field (no expression to compile on the first call).
 */
function typeOf(arn: string): string | undefined {
  if (!arn.startsWith("arn:")) return undefined;
  const partitionEnd = arn.indexOf(":", 4);
  // The partition is at least one character.
  if (partitionEnd <= 4) return undefined;
  const service = arn.startsWith("iam::", partitionEnd + 1)
    ? "iam"
    : arn.startsWith("sts::", partitionEnd + 1)
      ? "sts"
      : undefined;
  if (service === undefined) return undefined;
  const accountStart = partitionEnd + 6;
  const accountEnd = arn.indexOf(":", accountStart);
  if (accountEnd <= accountStart || !isDigits(arn.slice(accountStart, accountEnd)))
    return undefined;
  const rest = arn.slice(accountEnd + 1);
  if (service === "iam") {
    if (rest === "root") return "Account";
    if (rest.startsWith("user/")) return "User";
  } else {
    if (rest.startsWith("assumed-role/")) return "AssumedRole";
    if (rest.startsWith("federated-user/")) return "FederatedUser";
  }
  return undefined;
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return text.length > 0;
}

/**
 * A request's own copy of a call's global context. Copying with `Object.assign` costs several
 * times as much as making an object literal, and every request needs a copy: the keys every call
 * has (time, transport, region, the principal's ARN, account and type) are written as a literal
 * and the rest added after them, in the same order. A context of another layout is copied whole.
 * @internal
 */
export function copyContext(
  context: Readonly<Record<string, ContextValue>>,
): Record<string, ContextValue> {
  let layout = layouts.get(context);
  if (layout === undefined) {
    layout = layoutOf(context);
    layouts.set(context, layout);
  }
  let copy: Record<string, ContextValue>;
  switch (layout.core) {
    case 7:
      copy = {
        "aws:CurrentTime": context["aws:CurrentTime"]!,
        "aws:EpochTime": context["aws:EpochTime"]!,
        "aws:SecureTransport": context["aws:SecureTransport"]!,
        "aws:RequestedRegion": context["aws:RequestedRegion"]!,
        "aws:PrincipalArn": context["aws:PrincipalArn"]!,
        "aws:PrincipalAccount": context["aws:PrincipalAccount"]!,
        "aws:PrincipalType": context["aws:PrincipalType"]!,
      };
      break;
    case 4:
      copy = {
        "aws:CurrentTime": context["aws:CurrentTime"]!,
        "aws:EpochTime": context["aws:EpochTime"]!,
        "aws:SecureTransport": context["aws:SecureTransport"]!,
        "aws:RequestedRegion": context["aws:RequestedRegion"]!,
      };
      break;
    case 3:
      copy = {
        "aws:CurrentTime": context["aws:CurrentTime"]!,
        "aws:EpochTime": context["aws:EpochTime"]!,
        "aws:SecureTransport": context["aws:SecureTransport"]!,
      };
      break;
    default:
      return Object.assign({}, context);
  }
  const rest = layout.rest;
  for (let i = 0; i < rest.length; i++) copy[rest[i]!] = context[rest[i]!]!;
  return copy;
}

/** The keys a context starts with that {@link copyContext} writes as a literal, and the rest. */
interface Layout {
  readonly core: 0 | 3 | 4 | 7;
  readonly rest: readonly string[];
}

const layouts = new WeakMap<object, Layout>();

const NO_LAYOUT: Layout = Object.freeze({ core: 0, rest: Object.freeze([]) });

const CORE: readonly string[] = [
  "aws:CurrentTime",
  "aws:EpochTime",
  "aws:SecureTransport",
  "aws:RequestedRegion",
  "aws:PrincipalArn",
  "aws:PrincipalAccount",
  "aws:PrincipalType",
];

function layoutOf(context: Readonly<Record<string, ContextValue>>): Layout {
  const keys = Object.keys(context);
  for (const core of [7, 4, 3] as const) {
    if (keys.length < core) continue;
    let same = true;
    for (let i = 0; i < core; i++) {
      if (keys[i] !== CORE[i]) {
        same = false;
        break;
      }
    }
    // A key the literal writes must not come again later (it cannot: keys are unique).
    if (same) return Object.freeze({ core, rest: Object.freeze(keys.slice(core)) });
  }
  return NO_LAYOUT;
}
