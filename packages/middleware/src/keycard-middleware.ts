import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  FinalizeHandlerOutput,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  RelativeMiddlewareOptions,
} from "@smithy/types";
import { KeycardDeniedError } from "./errors.js";
import type { GuardOutcome, KeycardGuard } from "./guard.js";
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
 * The middleware: asks the guard, then refuses (enforce mode) or passes the call on. Not an
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
      const outcome = guard.check(context, args.input, config);
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
