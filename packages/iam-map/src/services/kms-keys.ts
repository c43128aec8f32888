import type { Call } from "../call.js";

/**
 * The key ARN AWS authorizes for a KMS key reference: a key id, key ARN, alias name or alias ARN.
 * An alias resolves to a key only on the server, so it becomes any key of the region and account
 * (`key/*`), which is the narrowest pattern that is certainly correct.
 * @internal
 */
export function kmsKeyArn(call: Call, ref: string | undefined): { arn: string; alias?: string } {
  if (!ref) return { arn: call.arn("kms", "key/*") };
  const arn = /^arn:([^:]+):kms:([^:]*):([^:]*):(key|alias)\/(.+)$/.exec(ref);
  if (arn) {
    const [, partition, region, account, kind, name] = arn;
    if (kind === "key") return { arn: ref };
    return { arn: `arn:${partition}:kms:${region}:${account}:key/*`, alias: `alias/${name}` };
  }
  if (ref.startsWith("alias/")) return { arn: call.arn("kms", "key/*"), alias: ref };
  return { arn: call.arn("kms", `key/${ref}`) };
}
