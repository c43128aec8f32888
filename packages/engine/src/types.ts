/** A value in an authorization request's condition context, as AWS puts it there. @public */
export type ContextValue = string | number | boolean | ReadonlyArray<string | number | boolean>;

/** Condition context keys (case-insensitive, as in IAM) mapped to their values. @public */
export type RequestContext = Readonly<Record<string, ContextValue>>;

/** One authorization AWS performs for a call: an action on a resource with its context. @public */
export interface AuthorizationRequest {
  /** IAM action, for example `s3:GetObject` (case-insensitive). */
  action: string;
  /** Resource ARN the action targets, or `*` for actions without resource-level permissions. */
  resource: string;
  /** Condition keys for this request, for example `{ "s3:prefix": "reports/" }`. */
  context?: RequestContext;
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
  /** `aws:PrincipalTag/<key>` values. */
  tags?: Readonly<Record<string, string>>;
}

/** Input to {@link Policy.evaluate}. @public */
export interface EvaluationInput {
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
