import type { ConditionFailure } from "@keycard/engine";

/**
 * What the plugin does with a decision: refuse denied calls, only report them, or record what
 * the application uses.
 * @public
 */
export type KeycardMode = "enforce" | "audit" | "learn";

/** One IAM authorization of a call and its outcome. @public */
export interface DecisionRequest {
  /** IAM action, for example `s3:PutObject`. */
  action: string;
  /** Resource ARN, or `*`. */
  resource: string;
  /** Whether the policy allows this request. */
  allow: boolean;
  /** Which statement allowed or denied it, or why nothing did. */
  reason: string;
  /** Set when a Deny statement or a custom rule denied it, which no Allow can override. */
  explicitDeny?: boolean;
  /**
   * What keycard could not know before the call and that took part in the decision (a resource
   * part such as `IAM user path`, a condition key such as `aws:ResourceTag/env`).
   */
  unknown?: string[];
  /**
   * On a denied request: Allow statements that matched its action and resource but not one of
   * their conditions, with the condition and the value the request had. A fix satisfies the
   * condition; it never drops it.
   */
  conditionFailures?: ConditionFailure[];
}

/** An authorization AWS may also perform, depending on server-side state. @public */
export interface PossibleRequest {
  action: string;
  resource: string;
}

/** Who made the call, as keycard saw it. @public */
export interface DecisionPrincipal {
  /** Principal ARN as IAM policies see it (`aws:PrincipalArn`; the role ARN for a role session). */
  arn?: string;
  /** Account of the caller (`aws:PrincipalAccount`). */
  accountId?: string;
  /** Where the credentials came from, when keycard's role-first provider labelled them. */
  source?: string;
}

/**
 * The outcome of one SDK call, handed to `onDecision`, written to the decision log and carried
 * by {@link KeycardDeniedError}.
 * @example
 * ```ts
 * {
 *   decisionId: "6f1c…", allow: false, mode: "enforce", service: "s3", operation: "DeleteBucket",
 *   principal: { arn: "arn:aws:iam::123456789012:role/orders", accountId: "123456789012" },
 *   requests: [{ action: "s3:DeleteBucket", resource: "arn:aws:s3:::orders", allow: false,
 *                reason: "no statement allows s3:DeleteBucket on arn:aws:s3:::orders" }],
 * }
 * ```
 * @public
 */
export interface KeycardDecision {
  /** Unique id, also the `decision_id` of the decision log line. */
  decisionId: string;
  /**
   * True when every request is allowed. In enforce mode a call is sent exactly when this is true;
   * audit and learn mode send every call.
   */
  allow: boolean;
  mode: KeycardMode;
  /** IAM service prefix (`s3`), or the SDK client name when the service is not known. */
  service: string;
  /** Operation name without the `Command` suffix (`PutObject`). */
  operation: string;
  principal: DecisionPrincipal;
  /** Every IAM authorization the call needs, with the policy's verdict. */
  requests: DecisionRequest[];
  /** Authorizations the call may also need, depending on server-side state (not evaluated). */
  alsoMayNeed?: PossibleRequest[];
  /**
   * Why the decision was not (only) the policy's: the operation is not mapped, the caller's
   * account is unknown, an internal error occurred, or the operation needs no IAM permission.
   */
  reason?: string;
}
