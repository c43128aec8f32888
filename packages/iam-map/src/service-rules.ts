import type { Call } from "./call.js";
import type { VariableValues } from "./general-rule.js";
import type { ReusableMembers } from "./mapping-reuse.js";

/**
 * A curated rule for one operation. `general` applies the general rule (the renamed or same-named
 * action with resources from its ARN templates), for rules that only add to it.
 * @internal
 */
export type OperationRule = (call: Call, general: (call: Call) => void) => void;

/** Where one service differs from the general rule. @internal */
export interface ServiceRules {
  /** Other IAM prefixes its rules produce requests for, loaded together with it. */
  readonly related?: readonly string[];
  /** Template variables every operation derives the same way (an SQS queue URL, a KMS key id). */
  variables?(call: Call): VariableValues | undefined;
  /**
   * Service condition keys the service's rules compute whenever AWS has them for the operation,
   * in IAM casing (families as `prefix*`): when such a key is not in a request's context, AWS
   * does not have it either. Every other listed service key a rule leaves out is unknown.
   */
  decidedKeys?(operation: string): readonly string[] | undefined;
  /**
   * IAM prefixes whose keys named after a request parameter (`s3:prefix` ← `Prefix`) exist only
   * when the request gives the parameter: where the operation defines the member and the call
   * leaves it out, AWS has no key. Elsewhere such a key is unknown, since AWS may fill a default.
   */
  readonly omittedMembersAbsent?: readonly string[];
  /**
   * For operations whose rules use one input member only as a name in the requests' resource
   * ARNs (an S3 object key): that member, so that calls differing only in it reuse one mapping
   * (checked whenever one is made: see `mapping-reuse.ts`).
   */
  reusable?(operation: string): ReusableMembers | undefined;
  /** Operations that need more than a rename. */
  readonly operations?: Readonly<Record<string, OperationRule>>;
  /**
   * A rule for any other operation, for services mapped wholesale (API Gateway's HTTP-verb
   * actions) or adjusted wholesale (S3 header keys). `hasGeneral` says whether the general rule
   * maps the operation.
   */
  operation?(
    name: string,
    sdkId: string | undefined,
    hasGeneral: boolean,
  ): OperationRule | undefined;
}
