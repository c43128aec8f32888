import type { Call } from "../call.js";
import { unknownPart } from "../unknown-part.js";

/**
 * The key ARN AWS authorizes for a KMS key reference: a key id, key ARN, alias name or alias ARN.
 * An alias resolves to a key only on the server, so the key id is marked unknown (shown as
 * `key/*`) and the request says so in `resourceParts`.
 * @internal
 */
export function kmsKeyArn(call: Call, ref: string | undefined): { arn: string; alias?: string } {
  if (!ref) return { arn: call.arn("kms", `key/${unknownPart("KMS key id")}`) };
  const arn = /^arn:([^:]+):kms:([^:]*):([^:]*):(key|alias)\/(.+)$/.exec(ref);
  if (arn) {
    const [, partition, region, account, kind, name] = arn;
    if (kind === "key") return { arn: ref };
    const key = unknownPart(`KMS key behind alias/${name}`);
    return { arn: `arn:${partition}:kms:${region}:${account}:key/${key}`, alias: `alias/${name}` };
  }
  if (ref.startsWith("alias/")) {
    return { arn: call.arn("kms", `key/${unknownPart(`KMS key behind ${ref}`)}`), alias: ref };
  }
  return { arn: call.arn("kms", `key/${ref}`) };
}
