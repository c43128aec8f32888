/** A value in an authorization request's condition context, as AWS puts it there. @public */
export type ContextValue = string | number | boolean | ReadonlyArray<string | number | boolean>;

/** Condition context keys (case-insensitive, as in IAM) mapped to their values. @public */
export type RequestContext = Readonly<Record<string, ContextValue>>;

/**
 * A stretch of a resource ARN that keycard cannot know before the call, such as an IAM user's
 * path or the key behind a KMS alias. It stands for any text, including none.
 * @public
 */
export interface UnknownResourcePart {
  /** What is unknown, in words, for reasons and logs: for example `IAM user path`. */
  unknown: string;
  /**
   * When known: exactly how many characters the part has (a secret ARN's random suffix has 6),
   * so that a pattern such as `-??????` can cover it. Without it the part is any text.
   */
  length?: number;
}

/** One authorization AWS performs for a call: an action on a resource with its context. @public */
export interface AuthorizationRequest {
  /** IAM action, for example `s3:GetObject` (case-insensitive). */
  action: string;
  /**
   * Resource ARN the action targets, or `*` for actions without resource-level permissions.
   * When {@link AuthorizationRequest.resourceParts} is present this is only its display form
   * (each unknown part shown as `*`) and is not used to decide.
   */
  resource: string;
  /**
   * The resource when part of it is unknown before the call: known text and
   * {@link UnknownResourcePart}s in order. A Deny (or an Allow's NotResource) applies when its
   * pattern could match some value the resource may take; an Allow applies only when its
   * pattern covers every value. A literal `*` in a string part is an ordinary character.
   */
  resourceParts?: ReadonlyArray<string | UnknownResourcePart>;
  /** Condition keys for this request, for example `{ "s3:prefix": "reports/" }`. */
  context?: RequestContext;
  /**
   * Condition keys AWS will have for this request whose values keycard does not know (for
   * example a key the mapping could not compute). A condition on such a key is undecided:
   * a Deny that depends on it applies, an Allow that depends on it does not allow.
   */
  unknownContext?: ReadonlyArray<string>;
}

/** Who is calling: the values behind the `aws:Principal*` keys and policy variables. @public */
export interface PrincipalInfo {
  /** `aws:PrincipalArn`, for example `arn:aws:iam::123456789012:role/orders`. */
  arn?: string;
  /** `aws:PrincipalAccount`. */
  accountId?: string;
  /** `aws:userid`. */
  userId?: string;
  /** `aws:username` (IAM users only). */
  username?: string;
  /** `aws:PrincipalType`: `User`, `AssumedRole`, `FederatedUser`, `Account`. */
  type?: string;
  /**
   * `aws:PrincipalTag/<key>` values. When omitted the tags are unknown: conditions on
   * `aws:PrincipalTag/*` are undecided. Pass `{}` for a principal known to have no tags.
   */
  tags?: Readonly<Record<string, string>>;
  /**
   * `aws:MultiFactorAuthPresent`: whether the session was authenticated with MFA. Unknown
   * (conditions on it undecided) when omitted and the request context does not carry it.
   */
  mfa?: boolean;
}

/** Input to {@link Policy.evaluate}. @public */
export interface EvaluationInput {
  /**
   * Who is calling. When omitted, every `aws:Principal*` key and principal variable is
   * unknown: Denies that depend on them apply and Allows that depend on them do not.
   * A field left out of a given principal is unknown in the same way.
   */
  principal?: PrincipalInfo;
  /** `aws:RequestedRegion`. */
  region?: string;
  requests: ReadonlyArray<AuthorizationRequest>;
}

/** A statement that took part in a decision. @public */
export interface MatchedStatement {
  /** Name of the document the statement belongs to. */
  document: string;
  sid?: string;
  /** Zero-based position of the statement in its document. */
  statementIndex: number;
  effect: "Allow" | "Deny";
  /** True when the statement belongs to the permissions boundary. */
  boundary?: boolean;
}

/** An Allow statement that matched a request's action and resource but not a condition. @public */
export interface ConditionFailure {
  /** The statement. */
  statement: MatchedStatement;
  /** The condition operator as written, for example `StringEquals`. */
  operator: string;
  /** The condition key as written, for example `aws:ResourceTag/env`. */
  key: string;
  /** The policy's values for the key. */
  values: string[];
  /** The request's value, or `undefined` when the request did not carry the key. */
  seen?: ContextValue;
  /** True when the key's value is unknown before the call (so the statement could not allow). */
  unknown?: boolean;
}

/** The decision for one {@link AuthorizationRequest}. @public */
export interface RequestDecision {
  action: string;
  resource: string;
  allow: boolean;
  /** Human-readable reason: which statement allowed or denied, or why nothing did. */
  reason: string;
  /**
   * True when a Deny statement or a custom rule denied the request: no added Allow can
   * change that. False for implicit denies (nothing allowed) and for allows.
   */
  explicitDeny?: boolean;
  /** Statements that matched the request (allows and denies, identity and boundary). */
  matched: MatchedStatement[];
  /**
   * What keycard did not know and that took part in the decision (for example
   * `aws:ResourceTag/env` or `IAM user path`); the reason repeats it. Empty or absent when the
   * request was fully known.
   */
  unknown?: string[];
  /**
   * On a denied request: Allow statements whose action and resource matched but one of whose
   * conditions did not hold, with the condition and the value the request carried. A fix must
   * satisfy the condition, never drop it.
   */
  conditionFailures?: ConditionFailure[];
  /** Reasons given by custom Rego rules that denied the request. */
  customDenies?: string[];
  /** Reasons given by custom Rego rules that allowed the request. */
  customAllows?: string[];
}

/** Result of {@link Policy.evaluate}: allowed only when every request is. @public */
export interface Decision {
  allow: boolean;
  requests: RequestDecision[];
}
