import { fromEnv, fromIni } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentityProvider, Logger } from "@smithy/types";
import type { SharedConfig } from "./shared-config.js";

/**
 * Long-lived keys the chain could fall back to, and where they were written.
 * @internal
 */
export interface StaticKeysOrigin {
  /** For messages: "the environment variables …" or "profile "x" in <file>". */
  description: string;
  /** What to delete once the workload has a role. */
  removal: string;
  provider: AwsCredentialIdentityProvider;
}

/**
 * Finds static keys: the environment first, then the active profile of the shared files.
 * @internal
 */
export function findStaticKeys(
  env: NodeJS.ProcessEnv,
  shared: SharedConfig,
  logger: Logger,
): StaticKeysOrigin | undefined {
  if (env["AWS_ACCESS_KEY_ID"] && env["AWS_SECRET_ACCESS_KEY"]) {
    const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
    if (env["AWS_SESSION_TOKEN"]) names.push("AWS_SESSION_TOKEN");
    const list = names.join(", ");
    return {
      description: `the environment variables ${list}`,
      removal: `unset ${list}`,
      provider: fromEnv({ logger }),
    };
  }
  if (shared.offer.kind === "static") {
    return {
      description: `profile "${shared.profileName}" in ${shared.offer.file}`,
      removal: `delete aws_access_key_id and aws_secret_access_key from profile "${shared.profileName}"`,
      provider: fromIni({ profile: shared.profileName, logger }),
    };
  }
  return undefined;
}

/**
 * The message of a `StaticCredentialsRefusedError`: where the keys came from and how to move to
 * a role. It names variables and files, never their values.
 * @internal
 */
export function staticRefusalMessage(origin: StaticKeysOrigin): string {
  return (
    `Static access keys from ${origin.description} were refused (staticKeys: "deny") and no role ` +
    "source was found. Give the workload a role instead: IRSA or Pod Identity on EKS " +
    "(AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN), a task role on ECS, an instance profile on " +
    "EC2, GitHub OIDC in CI, or locally a profile with role_arn or sso_session " +
    `(aws configure sso). Then ${origin.removal}.`
  );
}

/** Names of the role sources, for messages. @internal */
export const ROLE_SOURCES_TRIED =
  "web identity, container credentials, instance metadata (IMDSv2), role, SSO or process profiles";
