import type { IAMClientConfig } from "@aws-sdk/client-iam";
import type { STSClientConfig } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, Logger } from "@smithy/types";

/**
 * Where a set of credentials came from, in the order the role-first chain tries them
 * (`static-upgraded` and `static` come last, and only when no role source exists).
 *
 * - `web-identity`: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, or a profile with `web_identity_token_file`.
 * - `container`: the ECS task role or EKS Pod Identity endpoint.
 * - `instance-metadata`: the EC2 instance profile, through IMDSv2.
 * - `profile-role`: a profile with `role_arn` and `source_profile` or `credential_source`.
 * - `sso`: a profile with `sso_session` (or the legacy `sso_start_url`).
 * - `process`: a profile with `credential_process`. When the helper prints long-term keys, they
 *   are treated as static keys (`staticKeys`, the root check, `assumeRole`) and the credentials
 *   say `longTerm: true`.
 * - `static-upgraded`: long-lived keys exchanged for a role session through `assumeRole`.
 * - `static`: long-lived keys used as they are.
 * @public
 */
export type CredentialSource =
  | "web-identity"
  | "container"
  | "instance-metadata"
  | "profile-role"
  | "sso"
  | "process"
  | "static-upgraded"
  | "static";

/**
 * What to do with long-lived access keys: from the environment, the shared credentials file, or
 * any source that yields them (a `credential_process` that prints an IAM user's keys).
 *
 * - `warn`: use them only when no role source exists, and say so through `logger.warn`.
 * - `deny`: refuse them with a `StaticCredentialsRefusedError`.
 * - `allow`: use them quietly as the last resort.
 * @public
 */
export type StaticKeysPolicy = "warn" | "deny" | "allow";

/**
 * Multi-factor authentication for {@link AssumeRoleOptions}.
 * @public
 */
export interface MfaOptions {
  /** The MFA device: an `arn:aws:iam::<account>:mfa/<name>` ARN or a hardware serial number. */
  serialNumber: string;
  /** Returns the current one-time code; called for every new role session. */
  tokenCode: () => Promise<string>;
}

/**
 * Turns static keys into a role session with `sts:AssumeRole`, so that the keys themselves never
 * sign a request to the application's services.
 * @public
 */
export interface AssumeRoleOptions {
  /** The role to assume. */
  roleArn: string;
  /** Session name recorded in CloudTrail. Defaults to `keycard-<timestamp>`. */
  roleSessionName?: string;
  /** Session length in seconds (900 to the role's maximum). STS defaults to 3600. */
  durationSeconds?: number;
  /** Require MFA for the session; the policy then sees `keycard:MultiFactorAuthPresent`. */
  mfa?: MfaOptions;
}

/**
 * Configuration of the STS and IAM clients the chain creates itself (see
 * {@link RoleFirstChainOptions.clientConfig}): an endpoint, a region, a request handler (a proxy,
 * TLS settings), retry settings. Credentials are always the chain's own.
 * @public
 */
export interface ChainClientConfig {
  /**
   * For every STS client: web identity, profile roles, `assumeRole` and the root check
   * (`sts:GetCallerIdentity`).
   */
  sts?: Omit<STSClientConfig, "credentials">;
  /** For the IAM client of the key-age check (`iam:ListAccessKeys`). */
  iam?: Omit<IAMClientConfig, "credentials">;
}

/**
 * Options of {@link fromRoleFirstChain}.
 * @public
 */
export interface RoleFirstChainOptions {
  /** What to do with long-lived access keys. Default `"warn"`. */
  staticKeys?: StaticKeysPolicy;
  /** Exchange static keys for a role session before use. */
  assumeRole?: AssumeRoleOptions;
  /**
   * Supplies MFA codes for profiles with `mfa_serial`. Default: `assumeRole.mfa.tokenCode`, if set.
   */
  mfaCodeProvider?: (serialNumber: string) => Promise<string>;
  /** Refuse keys that belong to the account root user. Default `true`. */
  refuseRootKeys?: boolean;
  /**
   * Warn when the static key in use is older than this many days. Checked once per key, in the
   * background, and only when `iam:ListAccessKeys` is permitted. Default `90`.
   */
  maxKeyAgeDays?: number;
  /** Receives warnings (static keys in use, old keys) and the SDK's debug lines. Default: `console`. */
  logger?: Partial<Logger>;
  /** Profile to read from the shared files. Default: `AWS_PROFILE`, then `default`. */
  profile?: string;
  /**
   * Region of the STS and IAM calls the chain makes itself (root check, key age, `assumeRole`).
   * Default: `AWS_REGION`, then the profile's `region`, then `us-east-1`.
   */
  region?: string;
  /**
   * Configuration of the STS and IAM clients the chain creates itself: web identity, profile
   * roles, `assumeRole`, the root check (`sts`) and the key-age check (`iam`). Without it the
   * clients use the SDK's defaults, including `AWS_ENDPOINT_URL_STS` and `AWS_ENDPOINT_URL_IAM`.
   * @example
   * ```ts
   * fromRoleFirstChain({ clientConfig: { sts: { endpoint: "https://sts.eu-west-1.amazonaws.com" } } });
   * ```
   */
  clientConfig?: ChainClientConfig;
  /**
   * How long the instance-metadata probe may take before the chain decides there is no
   * instance metadata service. Default `150` milliseconds.
   */
  metadataProbeTimeoutMs?: number;
  /**
   * Start replacing expiring credentials in the background this many seconds before they expire.
   * Default `900`; never less than `300`, the window in which SDK clients stop using credentials.
   */
  refreshBeforeExpirySeconds?: number;
}

/**
 * Credentials returned by {@link fromRoleFirstChain}: the SDK's identity plus where it came from.
 * Read the keycard properties with {@link credentialSourceOf} rather than directly.
 * @public
 */
export interface RoleFirstCredentials extends AwsCredentialIdentity {
  /** The source that supplied these credentials. */
  readonly source: CredentialSource;
  /** Whether the session was created with multi-factor authentication. */
  readonly mfa: boolean;
  /**
   * Whether these are long-term access keys (`AKIA…`, or no session token), whatever their source:
   * `true` for `static`, and for a `credential_process` that prints an IAM user's keys.
   */
  readonly longTerm: boolean;
  /** The account the credentials belong to, when known. */
  readonly accountId?: string;
  /** The SDK's own credential feature codes (for its user agent), kept as the SDK set them. */
  readonly $source?: Readonly<Record<string, string>>;
}
