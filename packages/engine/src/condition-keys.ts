/**
 * Which condition keys keycard can know before a call is sent, and which only AWS sees.
 *
 * A key is decided from the request's context when the request carries it. When it does not,
 * the key is either absent (AWS would not have it either) or unknown (AWS will have a value
 * keycard cannot see: the tags on an existing resource, the source address the service sees).
 * A condition on an unknown key is undecided: a Deny that depends on it applies, an Allow that
 * depends on it does not allow. The README's "What keycard cannot see before a call" lists
 * this table.
 */

import { foldKey } from "./key-case.js";

/** How a key's value is learned, for the table in the README and for warnings. @internal */
export interface ServerSideKey {
  /** Lower-cased key, or a prefix ending in `/` for tag-style keys. */
  key: string;
  /** Why keycard cannot know it before the call. */
  why: string;
}

/**
 * Keys whose values AWS takes from state the client cannot see. Matched case-insensitively;
 * entries ending in `/` cover every key with that prefix.
 * @internal
 */
export const SERVER_SIDE_KEYS: readonly ServerSideKey[] = [
  { key: "aws:resourcetag/", why: "tags on the existing resource" },
  { key: "aws:resourceaccount", why: "the account that owns the resource, as AWS resolves it" },
  { key: "aws:resourceorgid", why: "the resource owner's organization" },
  { key: "aws:resourceorgpaths", why: "the resource owner's organization path" },
  { key: "aws:principalorgid", why: "the caller's organization" },
  { key: "aws:principalorgpaths", why: "the caller's organization path" },
  { key: "aws:sourceip", why: "the address AWS sees the request come from" },
  { key: "aws:sourcevpc", why: "the VPC endpoint the request passes through" },
  { key: "aws:sourcevpce", why: "the VPC endpoint the request passes through" },
  { key: "aws:vpcsourceip", why: "the address inside the VPC the request comes from" },
  { key: "aws:viaawsservice", why: "whether a service makes the call on the caller's behalf" },
  { key: "aws:calledvia", why: "the services that forwarded the call" },
  { key: "aws:calledviafirst", why: "the services that forwarded the call" },
  { key: "aws:calledvialast", why: "the services that forwarded the call" },
  { key: "aws:multifactorauthage", why: "the age of the session's MFA authentication" },
  { key: "aws:tokenissuetime", why: "when the session's credentials were issued" },
  { key: "aws:sourceidentity", why: "the source identity set on the role session" },
  { key: "aws:federatedprovider", why: "the identity provider of a federated session" },
  { key: "aws:ec2instancesourcevpc", why: "the VPC of the instance whose role is calling" },
  {
    key: "aws:ec2instancesourceprivateipv4",
    why: "the private address of the instance whose role is calling",
  },
  { key: "aws:useragent", why: "the user agent AWS receives" },
  { key: "aws:principalisawsservice", why: "whether a service principal makes the call" },
  { key: "aws:principalservicename", why: "the service principal making the call" },
  { key: "aws:principalservicenameslist", why: "the service principals making the call" },
  { key: "aws:sourcevpcarn", why: "the VPC the request comes from" },
  { key: "aws:vpceaccount", why: "the account owning the VPC endpoint" },
  { key: "aws:vpceorgid", why: "the organization owning the VPC endpoint" },
  { key: "aws:vpceorgpaths", why: "the organization path of the VPC endpoint" },
  { key: "aws:sourcearn", why: "the resource a service acts for" },
  { key: "aws:sourceaccount", why: "the account a service acts for" },
  { key: "aws:sourceorgid", why: "the organization a service acts for" },
  { key: "aws:sourceorgpaths", why: "the organization path a service acts for" },
  { key: "kms:viaservice", why: "the service that forwards the request to KMS" },
  { key: "kms:grantisforawsresource", why: "whether a service creates the grant" },
  { key: "s3:existingobjecttag/", why: "tags on the existing object" },
  { key: "kms:resourcealiases", why: "the aliases of the existing key" },
  { key: "kms:keyspec", why: "the spec of the existing key" },
  { key: "kms:keyusage", why: "the usage of the existing key" },
  { key: "kms:keyorigin", why: "the origin of the existing key" },
  { key: "kms:multiregion", why: "whether the existing key is multi-Region" },
  { key: "kms:multiregionkeytype", why: "the multi-Region type of the existing key" },
  { key: "iam:resourcetag/", why: "tags on the existing IAM user or role" },
  { key: "secretsmanager:resourcetag/", why: "tags on the existing secret" },
  { key: "ec2:resourcetag/", why: "tags on the existing EC2 resource" },
  { key: "ssm:resourcetag/", why: "tags on the existing parameter or document" },
  { key: "dynamodb:resourcetag/", why: "tags on the existing table" },
  { key: "lambda:resourcetag/", why: "tags on the existing function" },
];

/**
 * Keys about the caller, with the field of the evaluation's `principal` that gives them. Such a
 * key is unknown when no principal is given or the field is missing.
 * @internal
 */
export const PRINCIPAL_KEYS: Readonly<Record<string, string>> = {
  "aws:principalarn": "arn",
  "aws:principalaccount": "accountId",
  "aws:userid": "userId",
  "aws:username": "username",
  "aws:principaltype": "type",
  "aws:principaltag/": "tags",
  "aws:multifactorauthpresent": "mfa",
};

function byPrefix<T>(key: string, match: (entry: string) => T | undefined): T | undefined {
  const exact = match(key);
  if (exact !== undefined) return exact;
  const slash = key.indexOf("/");
  return slash > 0 ? match(key.slice(0, slash + 1)) : undefined;
}

const serverSide = new Map(SERVER_SIDE_KEYS.map((entry) => [entry.key, entry]));

/** The server-side entry for a key, if AWS alone knows its value. @internal */
export function serverSideKey(key: string): ServerSideKey | undefined {
  const lower = foldKey(key);
  const exact = byPrefix(lower, (k) => serverSide.get(k));
  if (exact) return exact;
  // Every service's `<service>:ResourceTag/<key>` names tags on an existing resource.
  if (/^[a-z0-9-]+:resourcetag\//.test(lower))
    return { key: lower, why: "tags on the existing resource" };
  return undefined;
}

/**
 * How a key with no value in the request is read: `"s"` when only AWS knows it (unknown),
 * `"p:<field>"` when it comes from the principal's field, undefined when its absence is real.
 * Keys the caller chose to assume absent (`assumeUnknown`) read as absent.
 * @internal
 */
export function classifyKey(
  key: string,
  assumedAbsent: (key: string) => boolean,
): string | undefined {
  const lower = foldKey(key);
  if (lower === "aws:requestedregion") return assumedAbsent(lower) ? undefined : "r";
  const field = byPrefix(lower, (k) => PRINCIPAL_KEYS[k]);
  if (field !== undefined) return assumedAbsent(lower) ? undefined : `p:${field}`;
  if (serverSideKey(lower) && !assumedAbsent(lower)) return "s";
  return undefined;
}

/**
 * Builds the test for `assumeUnknown`: exact keys, or prefixes written with a trailing `*`
 * (`aws:ResourceTag/*`), case-insensitive.
 * @internal
 */
export function assumedAbsentMatcher(
  assume: Readonly<Record<string, "absent">> | undefined,
): (key: string) => boolean {
  if (!assume) return () => false;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const [key, how] of Object.entries(assume)) {
    if (how !== "absent") continue;
    const lower = foldKey(key);
    if (lower.endsWith("*")) prefixes.push(lower.slice(0, -1));
    else exact.add(lower);
  }
  return (key) => exact.has(key) || prefixes.some((prefix) => key.startsWith(prefix));
}
