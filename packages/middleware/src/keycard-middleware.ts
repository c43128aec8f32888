import type {
  AbsoluteLocation,
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
import { KeycardDeniedError } from "./errors.js";
import type { GuardOutcome, KeycardGuard } from "./guard.js";
import { snapshotInput, UnreadableInputError } from "./input-snapshot.js";
import type { ClientConfigLike } from "./sdk-call.js";

/**
 * Where the check sits: in the finalizeRequest step just before `retryMiddleware`. By then the
 * serialize step has resolved the identity (`httpAuthSchemeMiddleware`) and the endpoint
 * (`endpointV2Middleware`); signing (`httpSigningMiddleware`) comes after retry, and retries
 * loop below this point, so a call is checked once however often it is retried.
 * @public
 */
export const keycardMiddlewareOptions: RelativeMiddlewareOptions & { step: "finalizeRequest" } = {
  step: "finalizeRequest",
  name: "keycardMiddleware",
  tags: ["KEYCARD", "AUTHORIZATION"],
  override: true,
  relation: "before",
  toMiddleware: "retryMiddleware",
};

/**
 * Where the input is copied: last in the initialize step, after input-rewriting middleware such
 * as the DynamoDB document client's marshalling, and before anything resolves an endpoint or
 * serializes the request from it.
 * @public
 */
export const keycardSnapshotOptions: InitializeHandlerOptions &
  AbsoluteLocation & { name: string } = {
  step: "initialize",
  priority: "low",
  name: "keycardInputSnapshot",
  tags: ["KEYCARD"],
  override: true,
};

/**
 * Replaces the command input with a plain-data copy, so every later step (endpoint, serializer,
 * keycard's check) reads the same values: a getter or proxy in the input cannot show the
 * serializer one table and keycard another. An input that cannot be copied is left as it is;
 * the check refuses it.
 * @internal
 */
export function keycardSnapshotMiddleware<
  Input extends object,
  Output extends object,
>(): InitializeMiddleware<Input, Output> {
  return (next: InitializeHandler<Input, Output>) =>
    (args: InitializeHandlerArguments<Input>): Promise<InitializeHandlerOutput<Output>> => {
      let input: Input;
      try {
        input = snapshotInput(args.input) as Input;
      } catch (error) {
        if (error instanceof UnreadableInputError) return next(args);
        throw error;
      }
      return next({ ...args, input });
    };
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
): FinalizeRequestMiddleware<Input, Output> {
  return (next: FinalizeHandler<Input, Output>, context: HandlerExecutionContext) =>
    (args: FinalizeHandlerArguments<Input>): Promise<FinalizeHandlerOutput<Output>> => {
      // Copied again rather than trusted: the check must read plain data even when the copy
      // step is missing, and an input that still holds a getter or proxy is refused.
      let input: unknown;
      let outcome: GuardOutcome | Promise<GuardOutcome>;
      try {
        input = snapshotInput(args.input);
        outcome = guard.check(context, input, config);
      } catch (error) {
        outcome = guard.refuseInput(context, error, config);
      }
      if (outcome instanceof Promise)
        return outcome.then((settled) => proceed(settled, next, args));
      return proceed(outcome, next, args);
    };
}

function proceed<Input extends object, Output extends object>(
  outcome: GuardOutcome,
  next: FinalizeHandler<Input, Output>,
  args: FinalizeHandlerArguments<Input>,
): Promise<FinalizeHandlerOutput<Output>> {
  if (outcome.refuse) {
    return Promise.reject(new KeycardDeniedError(outcome.decision, { cause: outcome.cause }));
  }
  return next(args);
}
