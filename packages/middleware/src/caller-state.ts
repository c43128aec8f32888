import type { PrincipalInfo } from "@keycard/engine";
import type { CallerPrincipal } from "@keycard/iam-map";
import type { Caller } from "./caller.js";
import { DecisionMemo } from "./decision-memo.js";

/**
 * What the policy is told about every caller beyond the credentials: the `principalTags` and
 * `mfa` options, read once when the plugin is made so that an application changing its options
 * object afterwards cannot change what later calls are decided with.
 * @internal
 */
export interface PrincipalExtras {
  tags: Readonly<Record<string, string>> | undefined;
  mfa: boolean | undefined;
}

/**
 * What keycard prepares once per caller and reuses for every call it makes: its decision memo
 * and the caller as iam-map and the engine read it. Frozen, since every call shares them.
 * @internal
 */
export interface CallerState {
  readonly memo: DecisionMemo;
  /** For iam-map: the values behind the `aws:Principal*` keys, with the credential labels. */
  readonly mapping: Readonly<CallerPrincipal>;
  /** For the engine. Fields left out are unknown to it: an unresolved caller has only its account. */
  readonly evaluation: Readonly<PrincipalInfo>;
}

/** The caller as iam-map reads it. @internal */
export function mappingPrincipal(caller: Caller): Readonly<CallerPrincipal> {
  const principal: CallerPrincipal = {};
  if (caller.arn) principal.arn = caller.arn;
  if (caller.accountId) principal.accountId = caller.accountId;
  if (caller.userId) principal.userId = caller.userId;
  if (caller.username) principal.username = caller.username;
  if (caller.type) principal.type = caller.type;
  if (caller.source) principal.credentialSource = caller.source;
  if (caller.mfa !== undefined) principal.mfa = caller.mfa;
  return Object.freeze(principal);
}

/** The caller as the engine reads it, with the tags and MFA state the options give. @internal */
export function evaluationPrincipal(
  caller: Caller,
  extras: PrincipalExtras,
): Readonly<PrincipalInfo> {
  const principal: PrincipalInfo = {};
  if (caller.arn) principal.arn = caller.arn;
  if (caller.accountId) principal.accountId = caller.accountId;
  if (caller.userId) principal.userId = caller.userId;
  if (caller.username) principal.username = caller.username;
  if (caller.type) principal.type = caller.type;
  if (extras.tags) principal.tags = extras.tags;
  if (extras.mfa !== undefined) principal.mfa = extras.mfa;
  return Object.freeze(principal);
}

/**
 * Per-caller state, made on a caller's first call. Only frozen callers get one: the resolver
 * shares them between calls, whereas a caller built for one call (one whose lookup failed, say)
 * is prepared afresh and never memoised.
 * @internal
 */
export class CallerStates {
  readonly #states = new WeakMap<Caller, CallerState>();
  readonly #extras: PrincipalExtras;

  constructor(extras: PrincipalExtras) {
    this.#extras = extras;
  }

  /** The caller's state, or `undefined` for a caller that is not shared (not frozen). */
  get(caller: Caller): CallerState | undefined {
    let state = this.#states.get(caller);
    if (state === undefined && Object.isFrozen(caller)) {
      state = Object.freeze({
        memo: new DecisionMemo(),
        mapping: mappingPrincipal(caller),
        evaluation: evaluationPrincipal(caller, this.#extras),
      });
      this.#states.set(caller, state);
    }
    return state;
  }

  /** The engine's principal for a caller without state. */
  evaluation(caller: Caller): Readonly<PrincipalInfo> {
    return evaluationPrincipal(caller, this.#extras);
  }
}
