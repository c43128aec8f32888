import { randomBytes } from "node:crypto";
import { types } from "node:util";
import type {
  AbsoluteLocation,
  DeserializeHandler,
  DeserializeHandlerArguments,
  DeserializeHandlerOutput,
  DeserializeMiddleware,
  FinalizeHandler,
  FinalizeHandlerArguments,
  FinalizeHandlerOutput,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  InitializeHandlerOptions,
  InitializeHandlerOutput,
  InitializeMiddleware,
  RelativeMiddlewareOptions,
} from "@smithy/types";
import { type CheckedCalls, recordCopy } from "./checked-calls.js";
import { configuredEndpoint } from "./configured-endpoint.js";
import { KeycardDeniedError } from "./errors.js";
import type { GuardOutcome, KeycardGuard } from "./guard.js";
import { snapshotInput, UnreadableInputError } from "./input-snapshot.js";
import { assertPrototypeClean } from "./object-prototype.js";
import { type ClientConfigLike, clientConfigOf } from "./sdk-call.js";
import { assertRequestCarriesInput, serializedInput } from "./serialized-members.js";

/**
 * Where the check sits: in the finalizeRequest step just before `retryMiddleware`. By then the
 * serialize step has resolved the identity (`httpAuthSchemeMiddleware`) and the endpoint
 * (`endpointV2Middleware`); signing (`httpSigningMiddleware`) comes after retry, and retries
 * loop below this point, so a call is checked once however often it is retried. Each plugin adds
 * it under this name followed by a random suffix, and never overrides: middleware that reuses a
 * name cannot replace keycard's.
 * @public
 */
export const keycardMiddlewareOptions: RelativeMiddlewareOptions & { step: "finalizeRequest" } = {
  step: "finalizeRequest",
  name: "keycardMiddleware",
  tags: ["KEYCARD", "AUTHORIZATION"],
  override: false,
  relation: "before",
  toMiddleware: "retryMiddleware",
};

/**
 * Where the input is copied: last in the initialize step, after input-rewriting middleware such
 * as the DynamoDB document client's marshalling, and before anything resolves an endpoint or
 * serializes the request from it. Named like {@link keycardMiddlewareOptions}: this name and a
 * random suffix.
 * @public
 */
export const keycardSnapshotOptions: InitializeHandlerOptions &
  AbsoluteLocation & { name: string } = {
  step: "initialize",
  priority: "low",
  name: "keycardInputSnapshot",
  tags: ["KEYCARD"],
  override: false,
};

/**
 * Where the gate sits: last in the deserialize step, right before the request handler. It has
 * no tag, so removing keycard's middleware by tag leaves it in place to refuse the calls.
 * @internal
 */
export const keycardGateOptions = {
  step: "deserialize",
  priority: "low",
  name: "keycardGate",
  override: false,
} as const;

/**
 * Whether a value is a native promise, by its internal slot: `instanceof Promise` would ask
 * `Promise[Symbol.hasInstance]`, which code in the process can add, and run it with the guard's
 * outcome in hand after the last prototype check. Taken when the module loads.
 */
const { isPromise } = types;

/**
 * Starts every name this loaded copy of the package gives, so that a plugin can tell the checks
 * of another copy (an application and a library each bundling their own) on a stack: their
 * marks are private to each copy, so neither gate would recognise the other's calls.
 */
const PACKAGE_COPY = randomBytes(4).toString("hex");

/**
 * The names of the keycard checks on a stack that another loaded copy of the package added.
 * @internal
 */
export function foreignChecks(checkNames: readonly string[]): string[] {
  const own = `${keycardMiddlewareOptions.name}-${PACKAGE_COPY}`;
  return checkNames.filter((name) => !name.startsWith(own));
}

/**
 * One plugin's middleware names: the public ones with a random suffix, so code that did not add
 * them cannot name them to replace or remove them.
 * @internal
 */
export function keycardNames(): { check: string; snapshot: string; gate: string } {
  const suffix = `${PACKAGE_COPY}${randomBytes(12).toString("hex")}`;
  return {
    check: `${keycardMiddlewareOptions.name}-${suffix}`,
    snapshot: `${keycardSnapshotOptions.name}-${suffix}`,
    gate: `${keycardGateOptions.name}-${suffix}`,
  };
}

/** Why a call that would share its SDK context with a call in flight is refused. @internal */
export const SHARED_CONTEXT_REASON =
  "the SDK client shares one middleware context between concurrent calls of this command " +
  "(cacheMiddleware: true), so the endpoint, identity and region the call would be sent with " +
  "may be another call's; send it after the other call ends, or turn cacheMiddleware off";

/**
 * Replaces the command input with a plain-data copy, so every later step (endpoint, serializer,
 * keycard's check) reads the same values: a getter or proxy in the input cannot show the
 * serializer one table and keycard another. The copy holds only the members the SDK's model
 * defines for the operation, so the SDK serializes exactly what keycard maps. An input that
 * cannot be copied (or holds a value the model cannot hold) is left as it is;
 * the check refuses it. A call whose SDK context another call is still using is refused here
 * (enforce mode), before it writes its endpoint or identity where the other call reads them.
 * @internal
 */
export function keycardSnapshotMiddleware<Input extends object, Output extends object>(
  guard?: KeycardGuard,
  config?: ClientConfigLike,
): InitializeMiddleware<Input, Output> {
  return (next: InitializeHandler<Input, Output>, context: HandlerExecutionContext) => {
    // The SDK resolves its middleware (and makes a context) for each call, unless the client
    // caches handlers: then every call of the command class comes through here with the same
    // context. Calls in flight are counted only once a second call shows that it is reused.
    let first: Promise<InitializeHandlerOutput<Output>> | undefined;
    let shared: SharedContext<Input, Output> | undefined;
    return (args: InitializeHandlerArguments<Input>): Promise<InitializeHandlerOutput<Output>> => {
      if (guard?.mode === "enforce") {
        const refused = refusedWhilePolluted(guard, context, config);
        if (refused) return refused;
      }
      if (shared) return shared.enter(args);
      if (first === undefined) {
        first = copied(next, args, context);
        return first;
      }
      shared = new SharedContext(next, context, first, guard, config);
      first = undefined;
      // One turn later the first call's end, if it has already come, has been counted.
      const entering = shared;
      return Promise.resolve().then(() => entering.enter(args));
    };
  };
}

/**
 * The calls in flight on an SDK context that the client reuses: a call that arrives while
 * another is in flight is refused (enforce mode) before it writes anything to the context.
 */
class SharedContext<Input extends object, Output extends object> {
  #inFlight = 1;
  readonly #leave = () => {
    this.#inFlight--;
  };

  constructor(
    private readonly next: InitializeHandler<Input, Output>,
    private readonly context: HandlerExecutionContext,
    first: Promise<unknown>,
    private readonly guard: KeycardGuard | undefined,
    private readonly config: ClientConfigLike | undefined,
  ) {
    first.then(this.#leave, this.#leave);
  }

  enter(args: InitializeHandlerArguments<Input>): Promise<InitializeHandlerOutput<Output>> {
    if (this.#inFlight > 0 && this.guard) {
      const outcome = this.guard.refuseUnchecked(this.context, SHARED_CONTEXT_REASON, this.config);
      if (outcome.refuse) return Promise.reject(new KeycardDeniedError(outcome.decision));
    }
    this.#inFlight++;
    let result: Promise<InitializeHandlerOutput<Output>>;
    try {
      result = copied(this.next, args, this.context);
    } catch (error) {
      this.#inFlight--;
      throw error;
    }
    result.then(this.#leave, this.#leave);
    return result;
  }
}

/**
 * A refusal for a call that arrives while `Object.prototype` has added members, before the SDK
 * serializes it: the serializer reads the model's traits through plain objects, so such a member
 * could place this call's members elsewhere than keycard maps them, and shape the layout the SDK
 * keeps for every later call of the operation, even if it is gone by the time keycard's check
 * runs. Enforce mode only: the other modes let the call go on, and their check records it.
 */
function refusedWhilePolluted(
  guard: KeycardGuard,
  context: HandlerExecutionContext,
  config: ClientConfigLike | undefined,
): Promise<never> | undefined {
  try {
    assertPrototypeClean();
    return undefined;
  } catch (error) {
    const outcome = guard.refuseInput(context, error, config);
    if (!outcome.refuse) return undefined;
    return Promise.reject(new KeycardDeniedError(outcome.decision, { cause: error }));
  }
}

function copied<Input extends object, Output extends object>(
  next: InitializeHandler<Input, Output>,
  args: InitializeHandlerArguments<Input>,
  context: HandlerExecutionContext,
): Promise<InitializeHandlerOutput<Output>> {
  let input: Input;
  try {
    input = serializedInput(snapshotInput(args.input), context) as Input;
  } catch (error) {
    if (error instanceof UnreadableInputError) return next(args);
    throw error;
  }
  return next({ ...args, input });
}

/**
 * The middleware: asks the guard about a plain-data copy of the input (an input that cannot be
 * copied is denied), then refuses (enforce mode) or passes the call on. Not an
 * async function: when the guard decides synchronously the call goes on without an extra
 * promise.
 * @internal
 */
export function keycardMiddleware<Input extends object, Output extends object>(
  guard: KeycardGuard,
  config?: ClientConfigLike,
  checked?: CheckedCalls,
): FinalizeRequestMiddleware<Input, Output> {
  return (next: FinalizeHandler<Input, Output>, context: HandlerExecutionContext) => {
    const check = (
      args: FinalizeHandlerArguments<Input>,
      endpoint: URL | "unreadable" | undefined,
    ): Promise<FinalizeHandlerOutput<Output>> => {
      // Copied again rather than trusted: the check must read plain data even when the copy
      // step is missing or middleware after it changed the copy, and an input that still holds
      // a getter or proxy is refused.
      let input: Input;
      let outcome: GuardOutcome | Promise<GuardOutcome>;
      try {
        // Before the copy as well as after it: code that ran while the call waited (for its
        // credentials, its endpoint) may have put a setter where the copy writes, which would
        // change what is checked and take itself out before the check after the copy.
        assertPrototypeClean();
        input = serializedInput(snapshotInput(args.input), context) as Input;
        recordCopy(input, args.input);
        // Before the guard, whose remembered decisions know nothing of the prototype.
        assertPrototypeClean();
        // What is sent must be what is mapped: the SDK serialized the request from the input
        // before this step, by a layout it keeps per operation.
        assertRequestCarriesInput(args.request, input, context, endpoint);
        outcome = guard.check(context, input, config);
      } catch (error) {
        return settle(guard.refuseInput(context, error, config), next, args, checked);
      }
      // The copy checked goes on in place of the input: it marks this call as checked for the
      // gate, and what comes after reads the values keycard checked.
      const checkedArgs = { ...args, input };
      if (isPromise(outcome))
        return (outcome as Promise<GuardOutcome>).then((settled) =>
          settle(settled, next, checkedArgs, checked),
        );
      return settle(outcome, next, checkedArgs, checked);
    };
    return (args: FinalizeHandlerArguments<Input>): Promise<FinalizeHandlerOutput<Output>> => {
      let endpoint: ReturnType<typeof configuredEndpoint>;
      try {
        // A client's own endpoint is read once, on its first call, which is checked after it.
        endpoint = configuredEndpoint(clientConfigOf(context, config));
      } catch (error) {
        return settle(guard.refuseInput(context, error, config), next, args, checked);
      }
      if (isPromise(endpoint))
        return (endpoint as Promise<URL | "unreadable" | undefined>).then((read) =>
          check(args, read),
        );
      return check(args, endpoint);
    };
  };
}

/** Refuses the call or passes it on, marking its input copy as checked for the gate. */
function settle<Input extends object, Output extends object>(
  outcome: GuardOutcome,
  next: FinalizeHandler<Input, Output>,
  args: FinalizeHandlerArguments<Input>,
  checked: CheckedCalls | undefined,
): Promise<FinalizeHandlerOutput<Output>> {
  if (outcome.refuse) {
    return Promise.reject(new KeycardDeniedError(outcome.decision, { cause: outcome.cause }));
  }
  checked?.add(args.input);
  return next(args);
}

/** Why the gate refuses a call; the decision's reason. @internal */
export const UNCHECKED_REASON =
  "keycard's check did not run for this call: its middleware was replaced or removed";

/**
 * The gate: lets a call reach the request handler only if this plugin's check passed it on, so
 * a check replaced or removed from the stack refuses the call instead of letting it through
 * unchecked (enforce mode; other modes record the decision and go on).
 * @internal
 */
export function keycardGateMiddleware<Input extends object, Output extends object>(
  guard: KeycardGuard,
  checked: CheckedCalls,
  config?: ClientConfigLike,
): DeserializeMiddleware<Input, Output> {
  return (next: DeserializeHandler<Input, Output>, context: HandlerExecutionContext) =>
    (args: DeserializeHandlerArguments<Input>): Promise<DeserializeHandlerOutput<Output>> => {
      if (checked.has(args.input)) return next(args);
      const outcome = guard.refuseUnchecked(context, UNCHECKED_REASON, config);
      if (outcome.refuse) return Promise.reject(new KeycardDeniedError(outcome.decision));
      return next(args);
    };
}
