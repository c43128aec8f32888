import type { KeycardDecision } from "./decision.js";
import { deniedMessage } from "./denied-message.js";

/**
 * Thrown by an SDK call that enforce mode refused; nothing was sent. The message names the
 * denied actions and resources and prints a minimal IAM statement that would allow them.
 * @example
 * ```ts
 * try {
 *   await s3.send(new DeleteBucketCommand({ Bucket: "orders" }));
 * } catch (error) {
 *   if (error instanceof KeycardDeniedError) console.log(error.decision.requests);
 * }
 * ```
 * @public
 */
export class KeycardDeniedError extends Error {
  override readonly name = "KeycardDeniedError" as const;
  readonly code = "AccessDeniedByPolicy" as const;
  /** The decision that refused the call. */
  readonly decision: KeycardDecision;

  constructor(decision: KeycardDecision, options: { cause?: unknown } = {}) {
    super(
      deniedMessage(decision),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.decision = decision;
  }
}

/** Why {@link KeycardConfigError} was thrown. @public */
export type KeycardConfigErrorCode =
  /** The options cannot work (enforce mode without a policy, …). */
  | "InvalidOptions"
  /**
   * The client already carries keycard plugins this one cannot work beside: plugins from another
   * loaded copy of `@keycard/middleware`, or as many plugins as one client may carry.
   */
  | "IncompatiblePlugins";

/**
 * Thrown synchronously by `keycardPlugin` and `withKeycard` when their options cannot work, for
 * example enforce mode without a policy.
 * @public
 */
export class KeycardConfigError extends Error {
  override readonly name = "KeycardConfigError" as const;
  readonly code: KeycardConfigErrorCode;

  constructor(code: KeycardConfigErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
