import { type Caller, callerFromArn, callerFromIdentity } from "./caller.js";
import { configuredEndpointUrl } from "./configured-endpoint.js";
import { assertPrototypeClean } from "./object-prototype.js";
import { type ClientConfigLike, configuredRegion, type SdkCall } from "./sdk-call.js";

/** What `sts:GetCallerIdentity` answers. @internal */
export interface CallerIdentityAnswer {
  Account?: string | undefined;
  Arn?: string | undefined;
  UserId?: string | undefined;
}

/** Asks AWS who the call's credentials belong to. @internal */
export type CallerLookup = (call: SdkCall) => Promise<CallerIdentityAnswer>;

/** Thrown when the caller's account cannot be found; enforce mode denies with its message. @internal */
export class CallerUnknownError extends Error {
  override readonly name = "CallerUnknownError";
}

/** Credential sets remembered; credentials rotate, so old entries fall out first. */
const MAX_CACHED = 64;
/** First wait before asking a failing STS again, and the longest. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 60_000;

/** A failed lookup: why, and when to ask again. */
interface LookupFailure {
  reason: string;
  attempts: number;
  retryAt: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Who is calling, for every call: from the options, the resolved credentials, and otherwise one
 * `sts:GetCallerIdentity` per credential set (keyed by access key id), shared by concurrent calls.
 * @internal
 */
export class CallerResolver {
  readonly #fixed: Caller;
  readonly #lookup: CallerLookup;
  readonly #known = new Map<string, Caller>();
  readonly #pending = new Map<string, Promise<Caller>>();
  /** Failed lookups by access key id; never taken as an answer, only as a reason to wait. */
  readonly #failures = new Map<string, LookupFailure>();
  readonly #warn: (message: string) => void;
  /**
   * Complete callers by what identifies them in the credentials. The SDK hands a new identity
   * object to every call, so callers are found by value; the same caller object then serves
   * every call made with the same credentials (and keys the guard's decision memo).
   */
  readonly #callers = new Map<string, Caller>();

  constructor(
    options: { accountId?: string | undefined; principalArn?: string | undefined },
    lookup: CallerLookup,
    warn: (message: string) => void = () => undefined,
  ) {
    this.#fixed = options.principalArn ? callerFromArn(options.principalArn) : {};
    if (options.accountId) this.#fixed.accountId = options.accountId;
    this.#lookup = lookup;
    this.#warn = warn;
  }

  /**
   * The last complete caller found by {@link known}, with the identity object and the values of
   * it that identified the caller. The SDK usually hands every call the same identity object, so
   * a call whose identity is that object, with the same values, has the same caller: found
   * without building and hashing the identity's key. The values are read again on every call, so
   * an identity object changed in place is looked up afresh.
   */
  #last:
    | {
        identity: object;
        accessKeyId: unknown;
        accountId: unknown;
        source: unknown;
        mfa: unknown;
        caller: Caller;
      }
    | undefined;

  /** The caller, when nothing has to be fetched; `undefined` means {@link resolve} must ask STS. */
  known(call: SdkCall): Caller | undefined {
    const identity = call.identity;
    const accessKeyId = identity?.["accessKeyId"];
    const accountId = identity?.["accountId"];
    const source = identity?.["source"];
    const mfa = identity?.["mfa"];
    const last = this.#last;
    if (
      last !== undefined &&
      last.identity === identity &&
      last.accessKeyId === accessKeyId &&
      last.accountId === accountId &&
      last.source === source &&
      last.mfa === mfa
    )
      return last.caller;
    const identityKey = `${accessKeyId}\u0000${accountId}\u0000${source}\u0000${mfa}`;
    const seen = this.#callers.get(identityKey);
    if (seen) {
      if (identity) this.#last = { identity, accessKeyId, accountId, source, mfa, caller: seen };
      return seen;
    }
    const fromIdentity = callerFromIdentity(identity);
    const base = { ...fromIdentity, ...this.#fixed };
    let caller: Caller | undefined;
    if (base.arn && base.accountId) caller = base;
    else {
      const key = accessKeyOf(call);
      if (!key) return base;
      const looked = this.#known.get(key);
      if (!looked) return this.#waiting(key, base);
      caller = { ...fromIdentity, ...looked, ...this.#fixed };
    }
    // Callers are shared between calls, so none may change after the fact.
    Object.freeze(caller);
    if (caller.accountId) {
      remember(this.#callers, identityKey, caller);
      if (identity) this.#last = { identity, accessKeyId, accountId, source, mfa, caller };
    }
    return caller;
  }

  /**
   * While a failed lookup waits for its retry: the caller with only the account known (never
   * frozen, so no decision made for it is remembered). Otherwise `undefined`: ask STS.
   */
  #waiting(key: string, base: Caller): Caller | undefined {
    const failure = this.#failures.get(key);
    if (!failure || !base.accountId || Date.now() >= failure.retryAt) return undefined;
    return { ...base, unresolved: failure.reason };
  }

  /**
   * The caller, asking STS when needed. Rejects with {@link CallerUnknownError} when the
   * account stays unknown. When the lookup fails but the account is known, the caller comes
   * back `unresolved` (ARN unknown); the failure is not remembered as an answer: STS is asked
   * again after a backoff (1 s, doubling to 60 s), and the failure is logged once until a
   * lookup succeeds.
   */
  async resolve(call: SdkCall): Promise<Caller> {
    const known = this.known(call);
    if (known) return this.#checked(known);
    const key = accessKeyOf(call)!;
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#fetch(call, key).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    const looked = await pending;
    // Other calls' code ran during the wait: the identity is read next.
    assertPrototypeClean();
    return this.#checked({ ...callerFromIdentity(call.identity), ...looked, ...this.#fixed });
  }

  async #fetch(call: SdkCall, key: string): Promise<Caller> {
    let answer: CallerIdentityAnswer | undefined;
    let failure: { readonly error: unknown } | undefined;
    try {
      answer = await this.#lookup(call);
    } catch (error) {
      failure = { error };
    }
    // Other code ran during the lookup; a member it added to `Object.prototype` would stand in
    // for one the answer, the options or the identity leave out (`Arn`, `accountId`), and the
    // caller is kept for later calls. Outside the `try`: it refuses, never reads as a failed lookup.
    assertPrototypeClean();
    if (failure !== undefined || answer === undefined) {
      const error = failure?.error;
      const account = this.#fixed.accountId ?? callerFromIdentity(call.identity).accountId;
      if (!account) {
        throw new CallerUnknownError(
          `cannot determine the caller's account: sts:GetCallerIdentity failed (${describe(error)}); pass accountId and principalArn`,
          { cause: error },
        );
      }
      // The account is enough to build ARNs; the ARN stays unknown, and STS is asked again later.
      const reason = `sts:GetCallerIdentity failed (${describe(error)})`;
      const attempts = (this.#failures.get(key)?.attempts ?? 0) + 1;
      const wait = Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), MAX_RETRY_MS);
      if (!this.#failures.has(key) && this.#failures.size >= MAX_CACHED) {
        const oldest = this.#failures.keys().next().value;
        if (oldest !== undefined) this.#failures.delete(oldest);
      }
      this.#failures.set(key, { reason, attempts, retryAt: Date.now() + wait });
      if (attempts === 1) {
        this.#warn(
          `keycard: the caller could not be resolved: ${reason}; deciding without the caller's ARN (rules that depend on it deny in enforce mode) and asking again with backoff`,
        );
      }
      return { accountId: account, unresolved: reason };
    }
    this.#failures.delete(key);
    const caller = answer.Arn ? callerFromArn(answer.Arn, answer.UserId) : {};
    if (answer.Account && /^\d{12}$/.test(answer.Account)) caller.accountId = answer.Account;
    this.#remember(key, caller);
    return caller;
  }

  #remember(key: string, caller: Caller): void {
    remember(this.#known, key, caller);
  }

  #checked(caller: Caller): Caller {
    if (!caller.accountId) {
      throw new CallerUnknownError(
        "cannot determine the caller's account: the credentials carry no account id and no access key id to look it up; pass accountId",
      );
    }
    return caller;
  }
}

/** Adds to a bounded map; credentials rotate, so the oldest entry leaves first. */
function remember(map: Map<string, Caller>, key: string, caller: Caller): void {
  if (map.size >= MAX_CACHED) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, caller);
}

function accessKeyOf(call: SdkCall): string | undefined {
  const key = call.identity?.["accessKeyId"];
  return typeof key === "string" && key.length > 0 ? key : undefined;
}

/**
 * `sts:GetCallerIdentity` with the call's own credentials, region, custom endpoint and request
 * handler, on a separate client without keycard (so it is never blocked). The STS client is
 * loaded only when a lookup is needed: it is an optional peer dependency.
 * @internal
 */
export const stsCallerLookup: CallerLookup = async (call) => {
  let sts: typeof import("@aws-sdk/client-sts");
  try {
    sts = await import("@aws-sdk/client-sts");
  } catch (error) {
    throw new Error(`@aws-sdk/client-sts cannot be loaded (${describe(error)})`, { cause: error });
  }
  const identity = call.identity ?? {};
  const config: ClientConfigLike | undefined = call.config;
  const region = (await configuredRegion(config)) ?? call.region;
  const endpoint =
    config?.isCustomEndpoint === true ? await configuredEndpointUrl(config) : undefined;
  const handler = config?.requestHandler;
  // The client's configuration is an ordinary object: a member added to `Object.prototype`
  // (`endpoint`) would send the signed request elsewhere.
  assertPrototypeClean();
  const client = new sts.STSClient({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(handler && typeof handler === "object" ? { requestHandler: handler as never } : {}),
    credentials: {
      accessKeyId: identity["accessKeyId"] as string,
      secretAccessKey: identity["secretAccessKey"] as string,
      ...(typeof identity["sessionToken"] === "string"
        ? { sessionToken: identity["sessionToken"] }
        : {}),
    },
  });
  try {
    return await client.send(new sts.GetCallerIdentityCommand({}));
  } finally {
    // A handler borrowed from the application's client must stay open for it.
    if (!handler) client.destroy();
  }
};
