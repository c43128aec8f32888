/** A condition block: operator → key → value or values. @public */
export type ConditionBlock = Record<string, Record<string, unknown>>;

/** One statement of an IAM JSON policy document, as written. @public */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: ConditionBlock;
}

/** An IAM JSON identity-based policy document. @public */
export interface PolicyDocument {
  Version?: "2012-10-17" | "2008-10-17";
  Id?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/**
 * A document with a name used in decisions and errors (typically its file name).
 * `document` may also be the JSON text, which is parsed and checked on load.
 * @public
 */
export interface NamedPolicyDocument {
  name: string;
  document: PolicyDocument | string;
}

/** A document as accepted by `loadPolicy`: named, bare, or JSON text. @public */
export type PolicyDocumentInput = NamedPolicyDocument | PolicyDocument | string;
