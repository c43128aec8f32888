import { IAMClient, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, Logger } from "@smithy/types";
import { maskAccessKeyId } from "./redact.js";
import type { ChainClientConfig } from "./types.js";

type StsConfig = NonNullable<ChainClientConfig["sts"]>;
type IamConfig = NonNullable<ChainClientConfig["iam"]>;

/** Keys whose age was already checked in this process: one `ListAccessKeys` call per key. */
const ageChecked = new Set<string>();

/**
 * The caller's ARN and account, from `sts:GetCallerIdentity` (which needs no permission).
 * @internal
 */
export async function callerIdentity(
  credentials: AwsCredentialIdentity,
  region: string,
  clientConfig: StsConfig = {},
): Promise<{ arn: string; accountId: string | undefined }> {
  const sts = new STSClient({ region, maxAttempts: 2, ...clientConfig, credentials });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    return { arn: out.Arn ?? "", accountId: out.Account };
  } finally {
    sts.destroy();
  }
}

/**
 * Whether an ARN names an account root user (`arn:aws:iam::123456789012:root`).
 * @internal
 */
export function isRootArn(arn: string): boolean {
  return arn.endsWith(":root");
}

/**
 * Warns through `logger.warn` when the access key in use is older than `maxKeyAgeDays`. Runs once
 * per key and process; without `iam:ListAccessKeys` it says so at debug level and stops.
 * @internal
 */
export async function checkKeyAge(
  credentials: AwsCredentialIdentity,
  region: string,
  maxKeyAgeDays: number,
  logger: Logger,
  clientConfig: IamConfig = {},
): Promise<void> {
  const keyId = credentials.accessKeyId;
  if (ageChecked.has(keyId)) return;
  ageChecked.add(keyId);
  const iam = new IAMClient({ region, maxAttempts: 1, ...clientConfig, credentials });
  try {
    const out = await iam.send(new ListAccessKeysCommand({}));
    const created = out.AccessKeyMetadata?.find((key) => key.AccessKeyId === keyId)?.CreateDate;
    if (!created) return;
    const ageDays = (Date.now() - created.getTime()) / 86_400_000;
    if (ageDays > maxKeyAgeDays) {
      logger.warn(
        `@keycard/credentials: access key ${maskAccessKeyId(keyId)} is ${Math.floor(ageDays)} days old ` +
          `(limit ${maxKeyAgeDays}). Rotate it, or better, give the workload a role.`,
      );
    }
  } catch (error) {
    const name = error instanceof Error ? error.name : "Error";
    logger.debug(`@keycard/credentials: key age not checked (iam:ListAccessKeys failed: ${name})`);
  } finally {
    iam.destroy();
  }
}

/**
 * Forgets which keys had their age checked, for tests.
 * @internal
 */
export function forgetKeyAgeChecks(): void {
  ageChecked.clear();
}
