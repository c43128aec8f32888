import type { Policy } from "@keycard/engine";
import type { KeycardDecision, KeycardMode } from "./decision.js";
import { KeycardConfigError } from "./errors.js";
import type { LearnRecorder } from "./learn-recorder.js";

/**
 * Where warnings go: unmapped operations, would-be denials in audit mode, internal errors.
 * `console` fits, and so does the SDK's `Logger`.
 * @public
 */
export interface KeycardLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** Options of {@link keycardPlugin} and {@link withKeycard}. @public */
export interface KeycardOptions {
  /** The rules to evaluate, from `loadPolicy` of `@keycard/engine`. Optional in learn mode. */
  policy?: Pick<Policy, "evaluate" | "resourceEvaluator">;
  /**
   * `enforce` (default): denied calls reject with {@link KeycardDeniedError} and are never sent.
   * `audit`: decide and log, then send every call. `learn`: send every call and record the IAM
   * requests it needs, for a least-privilege policy.
   */
  mode?: KeycardMode;
  /** The caller's account; otherwise from the resolved credentials or `sts:GetCallerIdentity`. */
  accountId?: string;
  /** The caller's ARN; otherwise from `sts:GetCallerIdentity` (one call per credential set). */
  principalArn?: string;
  /**
   * The caller's principal tags (`aws:PrincipalTag/<key>`). Left out, they are unknown to the
   * policy: rules whose conditions use them deny (Deny) or do not allow (Allow). Pass `{}` for
   * a principal known to have no tags.
   */
  principalTags?: Readonly<Record<string, string>>;
  /**
   * Whether the caller's session was authenticated with MFA (`aws:MultiFactorAuthPresent`).
   * Left out, it is unknown to the policy.
   */
  mfa?: boolean;
  /**
   * Called with every decision, before the call is sent or refused. It may be async; what it
   * throws or rejects with is logged, never passed to the application or left unhandled.
   */
  onDecision?: (decision: KeycardDecision) => unknown;
  /** A file path (appended to) or writable stream that receives one JSON line per decision. */
  decisionLog?: string | NodeJS.WritableStream;
  /**
   * What to do with operations the mapper does not know. `deny` (default) refuses them in
   * enforce mode; `allow` sends them. Either way a warning names the operation once.
   */
  unmapped?: "deny" | "allow";
  /**
   * More input member names kept out of the decision log, added to the defaults (bodies,
   * payloads, secrets, passwords, tokens, keys). Strings match whole names, case-insensitively,
   * with `*` as a wildcard; regular expressions are tested against the name.
   */
  redact?: ReadonlyArray<string | RegExp>;
  /** Receives warnings and errors; defaults to `console`. */
  logger?: KeycardLogger;
  /** Learn mode records into this recorder, so several plugins can share one. */
  recorder?: LearnRecorder;
}

const MODES: ReadonlyArray<KeycardMode> = ["enforce", "audit", "learn"];

/** Checks options once, when the plugin is created, so a mistake fails at start-up. @internal */
export function validateOptions(options: KeycardOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new KeycardConfigError("InvalidOptions", "keycard options must be an object");
  }
  const mode = options.mode ?? "enforce";
  if (!MODES.includes(mode)) {
    throw new KeycardConfigError(
      "InvalidOptions",
      `mode must be "enforce", "audit" or "learn" (got ${JSON.stringify(mode)})`,
    );
  }
  const policy = options.policy as { evaluate?: unknown } | undefined;
  if (policy !== undefined && typeof policy?.evaluate !== "function") {
    throw new KeycardConfigError("InvalidOptions", "policy must come from loadPolicy()");
  }
  if (policy === undefined && mode !== "learn") {
    throw new KeycardConfigError(
      "InvalidOptions",
      `${mode} mode needs a policy: keycardPlugin({ policy: await loadPolicy({ iam: [...] }) })`,
    );
  }
  if (
    options.unmapped !== undefined &&
    options.unmapped !== "deny" &&
    options.unmapped !== "allow"
  ) {
    throw new KeycardConfigError("InvalidOptions", `unmapped must be "deny" or "allow"`);
  }
  for (const [name, value] of [
    ["accountId", options.accountId],
    ["principalArn", options.principalArn],
  ] as const) {
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new KeycardConfigError("InvalidOptions", `${name} must be a non-empty string`);
    }
  }
  if (options.accountId !== undefined && !/^\d{12}$/.test(options.accountId)) {
    throw new KeycardConfigError("InvalidOptions", "accountId must be 12 digits");
  }
  const tags = options.principalTags as unknown;
  if (
    tags !== undefined &&
    (typeof tags !== "object" ||
      tags === null ||
      Array.isArray(tags) ||
      Object.values(tags).some((v) => typeof v !== "string"))
  ) {
    throw new KeycardConfigError(
      "InvalidOptions",
      "principalTags must be an object of tag names to string values",
    );
  }
  if (options.mfa !== undefined && typeof options.mfa !== "boolean") {
    throw new KeycardConfigError("InvalidOptions", "mfa must be true or false");
  }
  const log = options.decisionLog as unknown;
  if (
    log !== undefined &&
    typeof log !== "string" &&
    (typeof log !== "object" ||
      log === null ||
      typeof (log as { write?: unknown }).write !== "function")
  ) {
    throw new KeycardConfigError(
      "InvalidOptions",
      "decisionLog must be a file path or a writable stream",
    );
  }
  if (options.onDecision !== undefined && typeof options.onDecision !== "function") {
    throw new KeycardConfigError("InvalidOptions", "onDecision must be a function");
  }
}
