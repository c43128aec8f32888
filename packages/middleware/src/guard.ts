import { randomUUID } from "node:crypto";
import type {
  AuthorizationRequest,
  Decision as EngineDecision,
  EvaluationInput,
  Policy,
  PrincipalInfo,
  ResourceEvaluator,
} from "@keycard/engine";
import {
  type AuthorizationInput,
  type AuthorizationResult,
  authorizationForSync,
  preloadServices,
} from "@keycard/iam-map";
import type { HandlerExecutionContext } from "@smithy/types";
import { callSafely, safeLogger } from "./callbacks.js";
import type { Caller } from "./caller.js";
import {
  type CallerLookup,
  CallerResolver,
  CallerUnknownError,
  stsCallerLookup,
} from "./caller-resolver.js";
import { type CallerState, CallerStates, mappingPrincipal } from "./caller-state.js";
import type {
  DecisionPrincipal,
  DecisionRequest,
  KeycardDecision,
  KeycardMode,
} from "./decision.js";
import { DecisionLogWriter, decisionLogLine } from "./decision-log.js";
import type { DecisionMemo } from "./decision-memo.js";
import { inputKey } from "./input-key.js";
import { UnreadableInputError } from "./input-snapshot.js";
import { LearnRecorder } from "./learn-recorder.js";
import { assertPrototypeClean } from "./object-prototype.js";
import { type KeycardLogger, type KeycardOptions, validateOptions } from "./options.js";
import { redactionMatcher, secretPaths, summarizeInput } from "./redact.js";
import { type ClientConfigLike, configuredRegion, readSdkCall, type SdkCall } from "./sdk-call.js";
import { operationInputMembers } from "./serialized-members.js";

/**
 * Whether the middleware must refuse the call, with the decision of a refused call (enforce mode
 * only) and the internal error behind a fail-closed refusal. An allowed call carries no
 * decision: what observes decisions (callback, log) has had it by then.
 * @internal
 */
export type GuardOutcome =
  | { readonly refuse: false }
  | { readonly refuse: true; readonly decision: KeycardDecision; readonly cause?: unknown };

/** The outcome of every call that is sent. */
const SEND: GuardOutcome = Object.freeze({ refuse: false });

/** Where a call's decision is looked up and stored in its caller's memo. */
interface MemoSlot {
  memo: DecisionMemo;
  kind: string;
  key: string;
}

/**
 * The call's place in the memo, or `undefined` when it is not looked up: its kind keeps missing
 * (see {@link DecisionMemo.wants}), or its input cannot be keyed exactly.
 */
function memoSlot(
  state: CallerState,
  kind: string,
  input: unknown,
  generation: string,
): MemoSlot | undefined {
  if (!state.memo.wants(kind)) return undefined;
  const key = inputKey(input);
  if (key === undefined) return undefined;
  return { memo: state.memo, kind, key: generation + key };
}

/**
 * The memo key's policy part: a live policy (`watchPolicy` of `@keycard/fleet`) counts its swaps
 * in `generation`, and a decision made before a swap must not answer a call after it. Read before
 * the policy is evaluated, so a swap during the evaluation files the answer under the old
 * generation, which no later call asks for. A policy without a numeric generation never changes.
 */
function generationOf(policy: unknown): string {
  if (typeof policy !== "object" || policy === null) return "";
  const generation = (policy as { generation?: unknown }).generation;
  return typeof generation === "number" ? `g${generation}\u0000` : "";
}

/**
 * Approximate bytes of a memo entry: per request its action, resource and context, and the
 * decision, which echoes them. What a request holds beyond its fixed keys comes from the input,
 * so the input key's length bounds it.
 */
function entryBytes(inputKey: string, requests: number): number {
  return 1024 + requests * (1024 + 4 * inputKey.length);
}

/** What, besides the input and the caller, a call's mapping and decision depend on. */
function kindOf(call: SdkCall): string {
  return `${call.client}\u0000${call.operation}\u0000${call.region}\u0000${call.secureTransport}\u0000`;
}

/**
 * The kind of the last call, kept so that a run of calls of one kind shares one string: a new
 * string on every call would be built and hashed again for every memo lookup.
 */
interface LastKind {
  client: string;
  operation: string;
  region: string | undefined;
  secureTransport: boolean;
  kind: string;
}

/**
 * The engine's evaluator of a request whose context iam-map froze and shares between the calls
 * of one kind that differ only in what they act on: later such calls name only their resource.
 */
interface ResourceSlot {
  /** The live policy's generation the evaluator was made in (see {@link generationOf}). */
  readonly generation: string;
  readonly principal: PrincipalInfo;
  readonly region: string;
  readonly action: string;
  readonly unknownContext: unknown;
  readonly evaluator: ResourceEvaluator;
}

/** Taken when the module loads: code that replaces `bind` or `call` later cannot stand in. */
const { apply } = Reflect;
const { getOwnPropertyDescriptor, getPrototypeOf } = Reflect;
const OBJECT_PROTOTYPE = Object.prototype;

/**
 * The policy's `resourceEvaluator` when the policy or its class defines it, as a function of
 * the input; undefined otherwise. Not looked up on `Object.prototype`: a member code in the
 * process put there while the plugin was made, and took away again, would stand in for the
 * policy for the plugin's life.
 */
function resourceEvaluatorOf(
  policy: object | undefined,
): ((input: EvaluationInput) => ResourceEvaluator) | undefined {
  for (
    let at = policy;
    at != null && at !== OBJECT_PROTOTYPE;
    at = getPrototypeOf(at) ?? undefined
  ) {
    const member = getOwnPropertyDescriptor(at, "resourceEvaluator");
    if (member === undefined) continue;
    const method: unknown = "value" in member ? member.value : undefined;
    if (typeof method !== "function") return undefined;
    return (input) => apply(method, policy, [input]) as ResourceEvaluator;
  }
  return undefined;
}

/** Remembered names are bounded so odd or generated names cannot grow memory. */
const MAX_REMEMBERED = 1000;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function principalOf(caller: Caller): DecisionPrincipal {
  const principal: DecisionPrincipal = {};
  if (caller.arn) principal.arn = caller.arn;
  if (caller.accountId) principal.accountId = caller.accountId;
  if (caller.source) principal.source = caller.source;
  return principal;
}

/** Decisions go to application code, which may change them; remembered ones must not change. */
function copyDecision(decision: KeycardDecision): KeycardDecision {
  const copy: KeycardDecision = {
    ...decision,
    principal: { ...decision.principal },
    requests: decision.requests.map((r) => {
      const request = { ...r };
      if (r.unknown) request.unknown = [...r.unknown];
      if (r.conditionFailures)
        request.conditionFailures = r.conditionFailures.map((f) => ({ ...f }));
      return request;
    }),
  };
  if (decision.alsoMayNeed) copy.alsoMayNeed = decision.alsoMayNeed.map((r) => ({ ...r }));
  return copy;
}

/**
 * Decides SDK calls: maps each to its IAM requests, evaluates them, then reports the decision
 * (callback, decision log, warnings, learn records). One guard serves every client a plugin is
 * applied to. Never throws: whatever fails becomes a decision whose reason says why.
 * @internal
 */
export class KeycardGuard {
  readonly mode: KeycardMode;
  readonly recorder: LearnRecorder;
  readonly #policy: Pick<Policy, "evaluate"> | undefined;
  /** The policy's resource evaluators, when it has them (a live policy that swaps rules does not). */
  readonly #resourceEvaluator: ((input: EvaluationInput) => ResourceEvaluator) | undefined;
  /**
   * Per shared context (see {@link ResourceSlot}); `null` until a second call brings the same
   * context, so a context seen once costs no evaluator. Entries go when iam-map drops the context.
   */
  readonly #resourceSlots = new WeakMap<object, ResourceSlot | null>();
  readonly #onDecision: KeycardOptions["onDecision"];
  readonly #unmappedAllowed: boolean;
  readonly #logger: KeycardLogger;
  readonly #callers: CallerResolver;
  readonly #log: DecisionLogWriter | undefined;
  readonly #redacted: (name: string) => boolean;
  readonly #loaded = new Set<string>();
  readonly #warned = new Set<string>();
  /** Whether decisions go anywhere (a callback or the log) beyond refusing calls. */
  readonly #observed: boolean;
  /**
   * Per caller: its memo (callers are shared objects, so the caller need not be part of a memo
   * key) and its principal as iam-map and the engine read it.
   */
  readonly #states: CallerStates;
  #lastKind: LastKind | undefined;
  #date: Date | undefined;
  #dateSecond = 0;

  constructor(options: KeycardOptions, lookup: CallerLookup = stsCallerLookup) {
    validateOptions(options);
    this.mode = options.mode ?? "enforce";
    this.#policy = options.policy;
    this.#resourceEvaluator = resourceEvaluatorOf(options.policy);
    // Read once: changing the options object after the plugin is made changes nothing.
    this.#onDecision = options.onDecision;
    this.#unmappedAllowed = options.unmapped === "allow";
    this.#states = new CallerStates({
      tags: options.principalTags ? Object.freeze({ ...options.principalTags }) : undefined,
      mfa: options.mfa,
    });
    this.#logger = safeLogger(options.logger ?? console);
    this.recorder = options.recorder ?? new LearnRecorder();
    this.#callers = new CallerResolver(options, lookup, (message) => this.#logger.warn(message));
    this.#redacted = redactionMatcher(options.redact);
    this.#observed = this.#onDecision !== undefined || options.decisionLog !== undefined;
    this.#log =
      options.decisionLog === undefined
        ? undefined
        : new DecisionLogWriter(options.decisionLog, this.#logger);
  }

  /**
   * Decides one call; never throws or rejects. Once the service's IAM reference is loaded and
   * the caller is known (every call after the first few), the decision is made synchronously,
   * without a promise, which keeps the per-call cost down.
   */
  check(
    context: HandlerExecutionContext,
    input: unknown,
    fallbackConfig?: ClientConfigLike,
  ): GuardOutcome | Promise<GuardOutcome> {
    let call: SdkCall | undefined;
    try {
      call = readSdkCall(context, fallbackConfig);
      const inputMembers = operationInputMembers(context);
      if (inputMembers !== undefined) call.inputMembers = inputMembers;
      if (call.region !== undefined && this.#loaded.has(call.client)) {
        const caller = this.#callers.known(call);
        if (caller?.accountId) return this.#decideFor(call, caller, input, Date.now());
      }
    } catch (error) {
      return this.#finish(this.#failure(call, {}, error), call, {}, [], input, error);
    }
    return this.#checkSlowly(call, input);
  }

  /**
   * A call whose input cannot be read as plain data (accessors, proxies, class instances):
   * denied, with why, since what keycard would map need not be what the SDK sends. Never throws.
   */
  refuseInput(
    context: HandlerExecutionContext,
    error: unknown,
    fallbackConfig?: ClientConfigLike,
  ): GuardOutcome {
    let call: SdkCall | undefined;
    try {
      call = readSdkCall(context, fallbackConfig);
    } catch {
      // The decision is a denial either way; it only names the call less precisely.
    }
    const reason =
      error instanceof UnreadableInputError ? error.message : `internal error: ${describe(error)}`;
    return this.#finish(this.#blank(call, {}, false, reason), call, {}, [], undefined, error);
  }

  /**
   * A call that reached the request handler without keycard's check having run for it (its
   * middleware was replaced or removed): denied, with why. Never throws.
   */
  refuseUnchecked(
    context: HandlerExecutionContext,
    reason: string,
    fallbackConfig?: ClientConfigLike,
  ): GuardOutcome {
    let call: SdkCall | undefined;
    try {
      call = readSdkCall(context, fallbackConfig);
    } catch {
      // The decision is a denial either way; it only names the call less precisely.
    }
    return this.#finish(this.#blank(call, {}, false, reason), call, {}, [], undefined);
  }

  /** The first calls: load the IAM reference, find the region and the caller. */
  async #checkSlowly(call: SdkCall, input: unknown): Promise<GuardOutcome> {
    try {
      call.region ??= await configuredRegion(call.config);
      await this.#ensureLoaded(call.client);
      // Checked again after every wait: other code ran meanwhile, and a member it added to
      // `Object.prototype` would stand in for one keycard's own objects leave out, and shape
      // the mapping plans iam-map keeps for later calls.
      assertPrototypeClean();
      const now = Date.now();
      const resolved = await this.#caller(call, input, now);
      assertPrototypeClean();
      if ("decision" in resolved) return this.#finish(resolved.decision, call, {}, [], input);
      return this.#decideFor(call, resolved.caller, input, now);
    } catch (error) {
      if (error instanceof UnreadableInputError) {
        const decision = this.#blank(call, {}, false, error.message);
        return this.#finish(decision, call, {}, [], undefined, error);
      }
      return this.#finish(this.#failure(call, {}, error), call, {}, [], input, error);
    }
  }

  /**
   * Maps and evaluates (or reuses this second's decision for the same input), then reports.
   * Decisions are remembered per caller, by the call's kind (client, operation, region,
   * transport), the live policy's generation and an exact key of a plain-data input; inputs with accessors, hidden members or
   * proxies are mapped every time. An allowed call that nothing observes (no callback, no log)
   * is sent without a decision object.
   */
  #decideFor(call: SdkCall, caller: Caller, input: unknown, now: number): GuardOutcome {
    let requests: ReadonlyArray<AuthorizationRequest> = [];
    let decision: KeycardDecision;
    try {
      const second = Math.floor(now / 1000);
      const state = this.#states.get(caller);
      // Read once: the memo and the engine's resource evaluators key on the same generation.
      const generation = generationOf(this.#policy);
      const slot = state && memoSlot(state, this.#kindOf(call), input, generation);
      // Checked again here, after the last read that can run code of the caller's (a getter on
      // the SDK's context read for this call, a stream's prototype chain while the input is
      // keyed) and before anything is decided: from here on nothing of the caller's runs until
      // the decision is made. A member added by such code, even one that removes itself when
      // first read, is listed here, before the mapping or the memo could read it.
      assertPrototypeClean();
      const entry = slot?.memo.get(slot.kind, slot.key, second);
      if (entry) {
        requests = entry.requests;
        if (entry.decision === undefined) return this.#send(requests);
        decision = this.#fromMemo(entry.decision, caller);
      } else {
        const mapped = this.#map(call, input, caller, now, state);
        if (mapped.known) requests = mapped.requests;
        const evaluated = this.#evaluate(call, caller, mapped, state, generation);
        if (!this.#observed && this.#allows(mapped, evaluated)) {
          slot?.memo.set(
            slot.kind,
            slot.key,
            { second, requests },
            entryBytes(slot.key, requests.length),
          );
          return this.#send(requests);
        }
        decision = this.#decide(call, caller, mapped, evaluated);
        const remembered = { second, requests, decision: copyDecision(decision) };
        slot?.memo.set(slot.kind, slot.key, remembered, entryBytes(slot.key, requests.length));
      }
    } catch (error) {
      if (error instanceof UnreadableInputError) {
        const refused = this.#blank(call, caller, false, error.message);
        return this.#finish(refused, call, caller, [], undefined, error);
      }
      return this.#finish(this.#failure(call, caller, error), call, caller, [], input, error);
    }
    return this.#finish(decision, call, caller, requests, input);
  }

  /** The call's kind, the same string as the last call's when the kind is the same. */
  #kindOf(call: SdkCall): string {
    const last = this.#lastKind;
    if (
      last !== undefined &&
      last.client === call.client &&
      last.operation === call.operation &&
      last.region === call.region &&
      last.secureTransport === call.secureTransport
    )
      return last.kind;
    const kind = kindOf(call);
    this.#lastKind = {
      client: call.client,
      operation: call.operation,
      region: call.region,
      secureTransport: call.secureTransport,
      kind,
    };
    return kind;
  }

  /** An allowed call nobody observes: learn mode records it, and it is sent. */
  #send(requests: ReadonlyArray<AuthorizationRequest>): GuardOutcome {
    if (this.mode === "learn" && requests.length > 0) {
      try {
        this.recorder.record(requests);
      } catch (error) {
        this.#logger.error(`keycard: cannot record a learned request: ${describe(error)}`);
      }
    }
    return SEND;
  }

  /**
   * Whether {@link KeycardGuard.#decide} would allow the call, without making the decision.
   * Unmapped calls take the long way, which warns about them.
   */
  #allows(mapped: AuthorizationResult, evaluated: EngineDecision | undefined): boolean {
    if (!mapped.known) return false;
    if (mapped.requests.length === 0) return true;
    return evaluated ? evaluated.allow === true : this.#policy === undefined;
  }

  /** The decision for a call that could not be decided: denied, with the cause as its reason. */
  #failure(call: SdkCall | undefined, caller: Caller, error: unknown): KeycardDecision {
    const expected = error instanceof CallerUnknownError;
    const decision = this.#blank(
      call,
      caller,
      false,
      expected ? describe(error) : `internal error: ${describe(error)}`,
    );
    // A missing account is reported with the decision; anything else is a fault worth its own line.
    if (!expected) this.#logger.error(`keycard: ${this.#label(call)}: ${decision.reason}`);
    return decision;
  }

  /** Reports the decision, records it in learn mode and says whether to refuse the call. */
  #finish(
    decision: KeycardDecision,
    call: SdkCall | undefined,
    caller: Caller,
    requests: ReadonlyArray<AuthorizationRequest>,
    input: unknown,
    cause?: unknown,
  ): GuardOutcome {
    const refuse = this.mode === "enforce" && !decision.allow;
    try {
      this.#report(decision, call, caller, requests, input, !refuse);
      if (this.mode === "learn" && requests.length > 0) this.recorder.record(requests);
    } catch (error) {
      this.#logger.error(
        `keycard: cannot report decision ${decision.decisionId}: ${describe(error)}`,
      );
    }
    if (!refuse) return SEND;
    // Frozen: nothing that runs before the middleware reads it can turn it into a send.
    return Object.freeze(cause === undefined ? { refuse, decision } : { refuse, decision, cause });
  }

  /** Ends the decision log file, if the guard opened one. */
  close(): Promise<void> {
    return this.#log?.close() ?? Promise.resolve();
  }

  /** Loads the IAM reference for a client once; later calls map synchronously. */
  async #ensureLoaded(client: string): Promise<void> {
    if (this.#loaded.has(client)) return;
    await preloadServices([client]);
    if (this.#loaded.size < MAX_REMEMBERED) this.#loaded.add(client);
  }

  /** The caller, or the decision to return without one. */
  async #caller(
    call: SdkCall,
    input: unknown,
    now: number,
  ): Promise<{ caller: Caller } | { decision: KeycardDecision }> {
    const known = this.#callers.known(call);
    if (known?.accountId) return { caller: known };
    // A call AWS checks no permission for (sts:GetCallerIdentity itself) needs no caller. Looking
    // for a known caller reads the call's identity, which can run code of the caller's.
    assertPrototypeClean();
    const probe = this.#map(call, input, known ?? {}, now, undefined);
    if (probe.known && probe.requests.length === 0)
      return { decision: this.#decide(call, known ?? {}, probe, undefined) };
    try {
      return { caller: await this.#callers.resolve(call) };
    } catch (error) {
      if (this.mode !== "learn" || !(error instanceof CallerUnknownError)) throw error;
      // Learn mode records anyway: ARNs then carry `*` for the account.
      this.#warnOnce(
        `caller:${call.client}`,
        `keycard: ${describe(error)}; learning with "*" for the account`,
      );
      return { caller: known ?? {} };
    }
  }

  /** A fresh decision (own id, own arrays) from a remembered one. */
  #fromMemo(template: KeycardDecision, caller: Caller): KeycardDecision {
    const decision = copyDecision(template);
    decision.decisionId = randomUUID();
    decision.principal = principalOf(caller);
    return decision;
  }

  /**
   * The call's time for iam-map, which reads it to the second: one `Date` per second rather than
   * one per call.
   */
  #dateOf(now: number): Date {
    const second = Math.floor(now / 1000);
    if (this.#date === undefined || second !== this.#dateSecond) {
      this.#date = new Date(second * 1000);
      this.#dateSecond = second;
    }
    return this.#date;
  }

  #map(
    call: SdkCall,
    input: unknown,
    caller: Caller,
    now: number,
    state: CallerState | undefined,
  ): AuthorizationResult {
    const args: AuthorizationInput = {
      now: this.#dateOf(now),
      service: call.client,
      operation: call.operation,
      input,
      principal: state?.mapping ?? mappingPrincipal(caller),
      secureTransport: call.secureTransport,
    };
    if (call.region) args.region = call.region;
    if (caller.accountId) args.accountId = caller.accountId;
    if (call.inputMembers !== undefined) args.inputMembers = call.inputMembers;
    return authorizationForSync(args);
  }

  /**
   * The engine's decision on the mapped requests, or `undefined` when the policy has no say:
   * the call is not mapped or needs no IAM check, there is no policy (learn mode), or the
   * region is missing outside learn mode (the call is then denied without evaluation).
   */
  #evaluate(
    call: SdkCall,
    caller: Caller,
    mapped: AuthorizationResult,
    state: CallerState | undefined,
    generation: string,
  ): EngineDecision | undefined {
    if (!mapped.known || mapped.requests.length === 0 || !this.#policy) return undefined;
    if (!call.region && this.mode !== "learn") return undefined;
    const principal = state?.evaluation ?? this.#states.evaluation(caller);
    if (call.region && state !== undefined) {
      const byResource = this.#byResource(principal, call.region, mapped.requests, generation);
      if (byResource !== undefined) return byResource;
    }
    return call.region
      ? this.#policy.evaluate({ principal, region: call.region, requests: mapped.requests })
      : this.#policy.evaluate({ principal, requests: mapped.requests });
  }

  /**
   * The decision through a resource evaluator, when the call's one request is the request an
   * evaluator was made from with another resource: the same action, unknown keys, caller and
   * region, and the very context object iam-map froze and shares between such calls (frozen, so
   * what the evaluator read of it is what it holds). Undefined otherwise: the call is evaluated
   * in full.
   */
  #byResource(
    principal: PrincipalInfo,
    region: string,
    requests: ReadonlyArray<AuthorizationRequest>,
    generation: string,
  ): EngineDecision | undefined {
    const make = this.#resourceEvaluator;
    if (make === undefined || requests.length !== 1) return undefined;
    const request = requests[0] as AuthorizationRequest;
    const context = request.context;
    if (
      request.resourceParts !== undefined ||
      typeof context !== "object" ||
      context === null ||
      !Object.isFrozen(context)
    )
      return undefined;
    // A policy that swaps its rules counts the swaps: an evaluator of the rules before a swap
    // decides nothing after it.
    let slot = this.#resourceSlots.get(context);
    if (slot !== undefined && slot !== null && slot.generation !== generation) slot = null;
    if (slot === undefined) {
      this.#resourceSlots.set(context, null);
      return undefined;
    }
    if (slot === null) {
      const evaluator = make({ principal, region, requests: [request] });
      this.#resourceSlots.set(context, {
        generation,
        principal,
        region,
        action: request.action,
        unknownContext: request.unknownContext,
        evaluator,
      });
      return evaluator.evaluate(request.resource);
    }
    if (
      slot.principal !== principal ||
      slot.region !== region ||
      slot.action !== request.action ||
      slot.unknownContext !== request.unknownContext
    )
      return undefined;
    return slot.evaluator.evaluate(request.resource);
  }

  #decide(
    call: SdkCall,
    caller: Caller,
    mapped: AuthorizationResult,
    evaluated: EngineDecision | undefined,
  ): KeycardDecision {
    if (!mapped.known) return this.#unmapped(call, caller, mapped);
    const decision = this.#blank(call, caller, true, undefined, mapped.service);
    if (mapped.alsoMayNeed.length > 0) {
      decision.alsoMayNeed = mapped.alsoMayNeed.map((r) => ({
        action: r.action,
        resource: r.resource,
      }));
    }
    if (mapped.requests.length === 0) {
      decision.reason = mapped.reason ?? "AWS checks no IAM permission for this operation";
      return decision;
    }
    if (!call.region && this.mode !== "learn") {
      decision.allow = false;
      decision.reason =
        "the call has no region, so its resources and aws:RequestedRegion are unknown";
      decision.requests = mapped.requests.map((r) => ({
        action: r.action,
        resource: r.resource,
        allow: false,
        reason: decision.reason!,
      }));
      return decision;
    }
    if (!evaluated) {
      // Only learn mode without a policy gets here; anything else would be a fault: fail closed.
      if (this.#policy) throw new Error("the policy was not consulted");
      decision.requests = mapped.requests.map((r) => ({
        action: r.action,
        resource: r.resource,
        allow: true,
        reason: "recorded by learn mode (no policy to evaluate)",
      }));
      return decision;
    }
    decision.allow = evaluated.allow === true;
    if (caller.unresolved && !decision.allow) {
      decision.reason = `the caller could not be resolved: ${caller.unresolved}`;
    }
    decision.requests = evaluated.requests.map(
      (r): DecisionRequest => ({
        action: r.action,
        resource: r.resource,
        allow: r.allow,
        reason: r.reason,
        ...(r.explicitDeny ? { explicitDeny: true } : {}),
        ...(r.unknown && r.unknown.length > 0 ? { unknown: [...r.unknown] } : {}),
        ...(r.conditionFailures && r.conditionFailures.length > 0
          ? { conditionFailures: r.conditionFailures.map((f) => ({ ...f })) }
          : {}),
      }),
    );
    return decision;
  }

  #unmapped(call: SdkCall, caller: Caller, mapped: AuthorizationResult): KeycardDecision {
    const allow = this.#unmappedAllowed;
    const why = mapped.reason ?? "the operation is not mapped";
    const consequence =
      this.mode === "enforce"
        ? allow
          ? "sent because unmapped is allow"
          : `refused; set unmapped: "allow" to send unmapped operations`
        : "sent";
    this.#warnOnce(
      `unmapped:${call.client}:${call.operation}`,
      `keycard: cannot map ${call.client} ${call.operation} to IAM (${why}); ${consequence}`,
    );
    return this.#blank(call, caller, allow, `not mapped to IAM: ${why}`, mapped.service);
  }

  #blank(
    call: SdkCall | undefined,
    caller: Caller,
    allow: boolean,
    reason?: string,
    service?: string,
  ): KeycardDecision {
    const decision: KeycardDecision = {
      decisionId: randomUUID(),
      allow,
      mode: this.mode,
      service: service || call?.client || "unknown",
      operation: call?.operation || "unknown",
      principal: principalOf(caller),
      requests: [],
    };
    if (reason) decision.reason = reason;
    return decision;
  }

  #report(
    decision: KeycardDecision,
    call: SdkCall | undefined,
    caller: Caller,
    requests: ReadonlyArray<AuthorizationRequest>,
    input: unknown,
    sent: boolean,
  ): void {
    if (this.#log) {
      try {
        const principal: Record<string, unknown> = { ...principalOf(caller) };
        if (caller.userId) principal["userId"] = caller.userId;
        if (caller.type) principal["type"] = caller.type;
        if (caller.mfa !== undefined) principal["mfa"] = caller.mfa;
        const line = decisionLogLine(
          decision,
          {
            principal,
            region: call?.region,
            requests,
            client: call?.client || "unknown",
            sent,
            input: summarizeInput(
              input,
              this.#redacted,
              call &&
                (secretPaths(call.client, call.operation) ??
                  secretPaths(decision.service, call.operation)),
            ),
          },
          this.#redacted,
        );
        this.#log.write(line);
      } catch (error) {
        this.#logger.error(
          `keycard: cannot write decision ${decision.decisionId}: ${describe(error)}`,
        );
      }
    }
    if (this.mode === "audit" && !decision.allow) {
      const denied = decision.requests
        .filter((r) => !r.allow)
        .map((r) => `${r.action} on ${r.resource}`);
      this.#logger.warn(
        `keycard audit: would deny ${this.#label(call)}${denied.length > 0 ? `: ${denied.join(", ")}` : ""}${decision.reason ? ` (${decision.reason})` : ""}`,
      );
    }
    // Last, and with a copy: what the callback does to the decision it is handed changes
    // neither the log line, the warning nor the error the call is refused with.
    const onDecision = this.#onDecision;
    if (onDecision) callSafely(onDecision, copyDecision(decision), "onDecision", this.#logger);
  }

  #label(call: SdkCall | undefined): string {
    return call ? `${call.client} ${call.operation}` : "an SDK call";
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    if (this.#warned.size < MAX_REMEMBERED) this.#warned.add(key);
    this.#logger.warn(message);
  }
}
