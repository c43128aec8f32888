import { getDefaultRoleAssumer } from "@aws-sdk/client-sts";
import {
  fromContainerMetadata,
  fromHttp,
  fromIni,
  fromInstanceMetadata,
  fromSSO,
  fromTemporaryCredentials,
  fromTokenFile,
} from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from "@smithy/types";
import { isLongTerm, withSource } from "./credential-source.js";
import {
  CredentialsCheckFailedError,
  KeycardCredentialsError,
  NoCredentialsError,
  RoleSourceFailedError,
  RoleSourceIncompleteError,
  RootCredentialsRefusedError,
  StaticCredentialsRefusedError,
} from "./errors.js";
import { callerIdentity, checkKeyAge, isRootArn } from "./identity-checks.js";
import { metadataDisabled, metadataEndpoint, probeMetadataEndpoint } from "./metadata-probe.js";
import { CredentialProcessError, runCredentialProcess } from "./process-credentials.js";
import { completeLogger, describeError, maskAccessKeyId, sdkSafeLogger } from "./redact.js";
import { refreshingCache } from "./refreshing-cache.js";
import { readSharedConfig, type SharedConfig } from "./shared-config.js";
import { findStaticKeys, ROLE_SOURCES_TRIED, staticRefusalMessage } from "./static-keys.js";
import type {
  ChainClientConfig,
  CredentialSource,
  RoleFirstChainOptions,
  RoleFirstCredentials,
  StaticKeysPolicy,
} from "./types.js";

/**
 * The provider {@link fromRoleFirstChain} returns: an SDK credential provider whose results also
 * say where they came from. Pass `{ forceRefresh: true }` to replace cached credentials.
 * @public
 */
export type RoleFirstCredentialProvider = (identityProperties?: {
  forceRefresh?: boolean;
}) => Promise<RoleFirstCredentials>;

/** Requests the chain makes to role sources that exist: the SDK's own timeout and retries. */
const REMOTE_TIMEOUT_MS = 1000;
const REMOTE_RETRIES = 3;

interface Settings {
  staticKeys: StaticKeysPolicy;
  refuseRootKeys: boolean;
  maxKeyAgeDays: number;
  logger: Logger;
  /** The same logger, for the SDK's providers and clients: it scrubs their logged outputs. */
  sdkLogger: Logger;
  probeTimeoutMs: number;
  /** The caller's configuration of the chain's own STS and IAM clients. */
  sts: NonNullable<ChainClientConfig["sts"]>;
  iam: NonNullable<ChainClientConfig["iam"]>;
  options: RoleFirstChainOptions;
}

/** A source that produced credentials, and how to ask it again when they expire. */
interface Resolved {
  credentials: RoleFirstCredentials;
  refresh: () => Promise<RoleFirstCredentials>;
}

const consoleLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (...content: unknown[]) => console.warn(...content),
  error: (...content: unknown[]) => console.error(...content),
};

/** Values a failing SDK provider could conceivably echo; never let them into our messages. */
function secretsInEnv(env: NodeJS.ProcessEnv): string[] {
  return ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    .map((name) => env[name])
    .filter((value): value is string => Boolean(value));
}

function regionOf(options: RoleFirstChainOptions, shared: SharedConfig, env: NodeJS.ProcessEnv) {
  return options.region ?? env["AWS_REGION"] ?? shared.profile?.["region"] ?? "us-east-1";
}

/** The account in a role ARN (`arn:aws:iam::123456789012:role/app`). */
function accountOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1];
}

/** A copy of a client configuration without `credentials`: the chain's clients sign with their own. */
function withoutCredentials<T extends object>(config: T | undefined): T {
  const { credentials: _ignored, ...rest } = (config ?? {}) as T & { credentials?: unknown };
  return rest as T;
}

/** Configuration of the chain's STS clients: the caller's, over the chain's region. */
function stsConfig(region: string, settings: Settings) {
  return { region, ...settings.sts };
}

/**
 * Calls a role source's SDK provider, labels its credentials, and turns its failure into a
 * `RoleSourceFailedError`: a configured role that fails must not quietly give way to static keys.
 * Long-term keys from a role source (a `credential_process` printing an IAM user's keys) are
 * static keys all the same: `staticKeys`, the root check and `assumeRole` apply to them.
 */
async function fromRoleSource(
  source: CredentialSource,
  what: string,
  provider: AwsCredentialIdentityProvider,
  mfa: boolean,
  env: NodeJS.ProcessEnv,
  region: string,
  settings: Settings,
): Promise<Resolved> {
  const origin: KeysOrigin = {
    description: what,
    refusal:
      `Long-term access keys from ${what} were refused (staticKeys: "deny"). Have it hand out ` +
      "a role session (temporary credentials with a session token) instead, or give the " +
      "workload a role.",
    noRoleSourceFound: false,
  };
  const guard = longTermKeys(origin, source, region, env, settings);
  const call = async () => {
    let identity: AwsCredentialIdentity;
    try {
      identity = await provider();
    } catch (error) {
      // The root check of a source profile's keys has its own error.
      if (error instanceof KeycardCredentialsError) throw error;
      const safe = withoutHelperOutput(error);
      throw new RoleSourceFailedError(
        `${what} is configured but did not yield credentials: ${describeError(safe, secretsInEnv(env))}`,
        safe,
      );
    }
    return isLongTerm(identity) ? guard(identity) : withSource(identity, source, mfa);
  };
  return { credentials: await call(), refresh: call };
}

/**
 * The SDK's own `fromProcess` (reached through a `source_profile` with `credential_process`) throws
 * exec's message, `Command failed: <command line>\n<stderr>`. Neither may leave the process, so
 * such an error is replaced, cause and all, by one that says only that a helper failed.
 */
function withoutHelperOutput(error: unknown): unknown {
  // keycard's own runner says only which profile failed and how.
  if (error instanceof CredentialProcessError) return error;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (/Command failed|credential_process/i.test(e.message)) {
      return new CredentialProcessError(
        "A credential_process of a source profile failed (its command line and output are not shown).",
      );
    }
    e = (e as { cause?: unknown }).cause;
  }
  return error;
}

/** Stops the chain on half a role: the missing setting is named, static keys are never tried. */
function incomplete(where: string, present: string, missing: string): never {
  throw new RoleSourceIncompleteError(
    `${where} sets ${present} but not ${missing}: the role source is half configured. Set ` +
      `${missing} as well, or remove ${present}. Static keys are not used in its place.`,
    missing,
  );
}

function webIdentityFromEnv(env: NodeJS.ProcessEnv, region: string, settings: Settings) {
  const tokenFile = env["AWS_WEB_IDENTITY_TOKEN_FILE"];
  const roleArn = env["AWS_ROLE_ARN"];
  if (tokenFile && !roleArn)
    incomplete("The environment", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN");
  if (roleArn && !tokenFile)
    incomplete("The environment", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE");
  if (!tokenFile || !roleArn) return undefined;
  // fromTokenFile reads the token file on every call, so a refresh picks up a rotated token.
  const provider = fromTokenFile({
    logger: settings.sdkLogger,
    clientConfig: stsConfig(region, settings),
  });
  return () =>
    fromRoleSource(
      "web-identity",
      "Web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)",
      provider,
      false,
      env,
      region,
      settings,
    );
}

function containerFromEnv(env: NodeJS.ProcessEnv, region: string, settings: Settings) {
  if (
    !env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] &&
    !env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
  ) {
    return undefined;
  }
  const init = {
    logger: settings.sdkLogger,
    timeout: REMOTE_TIMEOUT_MS,
    maxRetries: REMOTE_RETRIES,
  };
  const http = fromHttp(init);
  const legacy = fromContainerMetadata(init);
  // As in the SDK's own chain: fromHttp knows EKS Pod Identity's token file, the older
  // fromContainerMetadata accepts the full-URI hosts it accepted before.
  const provider: AwsCredentialIdentityProvider = async () => {
    try {
      return await http();
    } catch (first) {
      try {
        return await legacy();
      } catch {
        throw first;
      }
    }
  };
  return () =>
    fromRoleSource(
      "container",
      "Container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI)",
      provider,
      false,
      env,
      region,
      settings,
    );
}

async function instanceMetadata(
  reachable: Promise<boolean>,
  env: NodeJS.ProcessEnv,
  region: string,
  settings: Settings,
): Promise<Resolved | undefined> {
  if (!(await reachable)) return undefined;
  const provider = fromInstanceMetadata({
    logger: settings.sdkLogger,
    timeout: REMOTE_TIMEOUT_MS,
    maxRetries: REMOTE_RETRIES,
    // IMDSv2 only: the probe has just obtained a token, and v1 is what least privilege turns off.
    ec2MetadataV1Disabled: true,
  });
  try {
    return await fromRoleSource(
      "instance-metadata",
      "Instance metadata",
      provider,
      false,
      env,
      region,
      settings,
    );
  } catch (error) {
    // An instance without an instance profile answers 404: not a role source, go on.
    const statusCode = (error as { cause?: { statusCode?: unknown } }).cause?.statusCode;
    if (statusCode === 404) {
      settings.logger.debug("@keycard/credentials: instance metadata has no instance profile");
      return undefined;
    }
    throw error;
  }
}

function profileRole(
  shared: SharedConfig,
  region: string,
  env: NodeJS.ProcessEnv,
  settings: Settings,
) {
  const offer = shared.offer;
  if (offer.kind === "incomplete") {
    incomplete(`Profile "${shared.profileName}"`, offer.present, offer.missing);
  }
  if (offer.kind !== "role") return undefined;
  const { sdkLogger: logger, options } = settings;
  const profile = shared.profileName;
  const what = `Profile "${profile}" (${offer.source})`;
  let provider: AwsCredentialIdentityProvider;
  switch (offer.source) {
    case "web-identity":
      provider = fromTokenFile({
        webIdentityTokenFile: offer.section["web_identity_token_file"],
        roleArn: offer.section["role_arn"],
        roleSessionName: offer.section["role_session_name"],
        logger,
        clientConfig: stsConfig(region, settings),
      });
      break;
    case "sso":
      provider = fromSSO({ profile, logger });
      break;
    case "process": {
      // Run here rather than by the SDK's fromProcess, whose errors quote the command line and
      // the helper's stderr, either of which can hold a secret.
      const command = offer.section["credential_process"] ?? "";
      const accountId = offer.section["aws_account_id"];
      provider = () => runCredentialProcess(profile, command, accountId);
      break;
    }
    default: {
      const mfaCode = options.mfaCodeProvider ?? options.assumeRole?.mfa?.tokenCode;
      const assume = getDefaultRoleAssumer({
        ...stsConfig(region, settings),
        credentialProviderLogger: logger,
      });
      const source: KeysOrigin = {
        description: `the source of profile "${profile}"`,
        refusal: "",
        noRoleSourceFound: false,
      };
      provider = fromIni({
        profile,
        logger,
        clientConfig: stsConfig(region, settings),
        // Long-term keys that only sign sts:AssumeRole are still checked for root, as with the
        // assumeRole option: root keys are refused whatever they are used for.
        roleAssumer: async (sourceCreds, params) => {
          if (settings.refuseRootKeys && isLongTerm(sourceCreds)) {
            await checkNotRoot(sourceCreds, source, region, env, settings);
          }
          return assume(sourceCreds, params);
        },
        ...(mfaCode ? { mfaCodeProvider: (serial: string) => mfaCode(serial) } : {}),
      });
    }
  }
  return () =>
    fromRoleSource(
      offer.source,
      what,
      provider,
      offer.mfaSerial !== undefined,
      env,
      region,
      settings,
    );
}

/** Remembers root checks per key: a key does not change owner while a process runs. */
const callerChecks = new Map<string, Promise<{ arn: string; accountId: string | undefined }>>();

/** Where long-term keys came from, for messages. */
interface KeysOrigin {
  /** "the environment variables …", "profile "x" in <file>", "Profile "x" (process)". */
  description: string;
  /** The whole message of a `StaticCredentialsRefusedError`. */
  refusal: string;
  /** Whether the keys are used because no role source was found (static keys proper). */
  noRoleSourceFound: boolean;
}

async function checkNotRoot(
  base: AwsCredentialIdentity,
  origin: KeysOrigin,
  region: string,
  env: NodeJS.ProcessEnv,
  settings: Settings,
): Promise<string | undefined> {
  let check = callerChecks.get(base.accessKeyId);
  if (!check) {
    check = callerIdentity(base, region, settings.sts);
    callerChecks.set(base.accessKeyId, check);
    check.catch(() => callerChecks.delete(base.accessKeyId));
  }
  let identity: { arn: string; accountId: string | undefined };
  try {
    identity = await check;
  } catch (error) {
    throw new CredentialsCheckFailedError(
      `Could not verify that the long-term keys from ${origin.description} are not root keys ` +
        `(sts:GetCallerIdentity failed: ${describeError(error, [base.secretAccessKey, base.sessionToken, ...secretsInEnv(env)])}). ` +
        "Set refuseRootKeys: false to skip the check.",
      error,
    );
  }
  if (isRootArn(identity.arn)) {
    throw new RootCredentialsRefusedError(
      `The long-term keys from ${origin.description} belong to the root user of account ` +
        `${identity.accountId ?? "unknown"}. Root keys are refused (refuseRootKeys): delete them, ` +
        "and give the workload a role or an IAM user with only the permissions it needs.",
    );
  }
  return identity.accountId;
}

/**
 * What every long-term key goes through, whatever its source: refused under `staticKeys: "deny"`,
 * checked for root, warned about, checked for age, and upgraded through `assumeRole` when asked.
 * The returned function is called at every resolution and refresh.
 */
function longTermKeys(
  origin: KeysOrigin,
  source: CredentialSource,
  region: string,
  env: NodeJS.ProcessEnv,
  settings: Settings,
): (base: AwsCredentialIdentity) => Promise<RoleFirstCredentials> {
  const { logger, options } = settings;
  let warned = false;
  return async (base) => {
    if (settings.staticKeys === "deny") throw new StaticCredentialsRefusedError(origin.refusal);
    const accountId = settings.refuseRootKeys
      ? await checkNotRoot(base, origin, region, env, settings)
      : undefined;
    const assume = options.assumeRole;
    if (!warned) {
      warned = true;
      if (settings.staticKeys === "warn") {
        const use = assume ? `exchanging it for a session of ${assume.roleArn}` : "using it as is";
        const why = origin.noRoleSourceFound
          ? `no role source was found (${ROLE_SOURCES_TRIED})`
          : "it is a long-term key, not a role session";
        logger.warn(
          `@keycard/credentials: static access key ${maskAccessKeyId(base.accessKeyId)} from ` +
            `${origin.description}: ${why}, ${use}. ` +
            'Give the workload a role, or set staticKeys: "allow" to accept this quietly.',
        );
      }
      if (!base.sessionToken && Number.isFinite(settings.maxKeyAgeDays)) {
        void checkKeyAge(base, region, settings.maxKeyAgeDays, logger, settings.iam);
      }
    }
    if (!assume) return withSource(base, source, false, accountId);
    const mfa = assume.mfa;
    const session = fromTemporaryCredentials({
      masterCredentials: base,
      params: {
        RoleArn: assume.roleArn,
        RoleSessionName: assume.roleSessionName ?? `keycard-${Date.now()}`,
        ...(assume.durationSeconds ? { DurationSeconds: assume.durationSeconds } : {}),
        ...(mfa ? { SerialNumber: mfa.serialNumber } : {}),
      },
      ...(mfa ? { mfaCodeProvider: () => mfa.tokenCode() } : {}),
      clientConfig: stsConfig(region, settings),
      logger: settings.sdkLogger,
    });
    try {
      return withSource(
        await session(),
        "static-upgraded",
        Boolean(mfa),
        accountOfArn(assume.roleArn),
      );
    } catch (error) {
      throw new RoleSourceFailedError(
        `Could not assume ${assume.roleArn} with the long-term keys from ${origin.description}: ` +
          describeError(error, [base.secretAccessKey, base.sessionToken, ...secretsInEnv(env)]),
        error,
      );
    }
  };
}

/** Static keys, last: refused, warned about, checked for root, and upgraded when asked. */
async function staticKeys(
  shared: SharedConfig,
  region: string,
  env: NodeJS.ProcessEnv,
  settings: Settings,
): Promise<Resolved> {
  const found = findStaticKeys(env, shared, settings.sdkLogger);
  if (!found) {
    throw new NoCredentialsError(
      `No credentials found: no role source (${ROLE_SOURCES_TRIED}) and no static keys.`,
    );
  }
  const origin: KeysOrigin = {
    description: found.description,
    refusal: staticRefusalMessage(found),
    noRoleSourceFound: true,
  };
  if (settings.staticKeys === "deny") throw new StaticCredentialsRefusedError(origin.refusal);
  const guard = longTermKeys(origin, "static", region, env, settings);
  const resolve = async () => guard(await found.provider());
  return { credentials: await resolve(), refresh: resolve };
}

/** Runs the chain once, in order, and returns the first source that yields credentials. */
async function resolveChain(settings: Settings): Promise<Resolved> {
  const env = process.env;
  const shared = await readSharedConfig(env, settings.options.profile);
  const region = regionOf(settings.options, shared, env);
  const webIdentity = webIdentityFromEnv(env, region, settings);
  const container = containerFromEnv(env, region, settings);
  // Probe instance metadata while the other sources are examined, unless an earlier source is
  // configured (it either wins or fails the chain) or the metadata service is turned off.
  const imdsReachable =
    webIdentity || container || metadataDisabled(env)
      ? Promise.resolve(false)
      : probeMetadataEndpoint(
          metadataEndpoint({ env, profile: shared.profile }),
          settings.probeTimeoutMs,
        );
  if (webIdentity) return webIdentity();
  if (container) return container();
  const imds = await instanceMetadata(imdsReachable, env, region, settings);
  if (imds) return imds;
  const profile = profileRole(shared, region, env, settings);
  if (profile) return profile();
  return staticKeys(shared, region, env, settings);
}

/**
 * A credential provider that prefers roles over static keys. It tries, in order: web identity,
 * container credentials, instance metadata (IMDSv2), profiles that yield role, SSO or process
 * sessions, and only then static keys from the environment or the shared credentials file,
 * as `staticKeys` allows. Long-term keys from any source (a `credential_process` printing an IAM
 * user's keys) are treated as static keys: `staticKeys`, the root check and `assumeRole` apply.
 * Credentials are cached, refreshed in the background before they expire, and say where they came
 * from (see {@link credentialSourceOf}).
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { fromRoleFirstChain } from "@keycard/credentials";
 *
 * const s3 = new S3Client({ credentials: fromRoleFirstChain({ staticKeys: "deny" }) });
 * ```
 * @public
 */
export function fromRoleFirstChain(
  options: RoleFirstChainOptions = {},
): RoleFirstCredentialProvider {
  // Every level is callable whatever the caller passed: loggers often implement only `warn`.
  const logger = completeLogger(options.logger ?? consoleLogger);
  const settings: Settings = {
    staticKeys: options.staticKeys ?? "warn",
    refuseRootKeys: options.refuseRootKeys ?? true,
    maxKeyAgeDays: options.maxKeyAgeDays ?? 90,
    logger,
    sdkLogger: sdkSafeLogger(logger),
    probeTimeoutMs: options.metadataProbeTimeoutMs ?? 150,
    sts: withoutCredentials(options.clientConfig?.sts),
    iam: withoutCredentials(options.clientConfig?.iam),
    options,
  };
  // Once a source has answered, later refreshes go back to it rather than walking the chain.
  let winner: Resolved["refresh"] | undefined;
  let winningSource: CredentialSource | undefined;
  const load = async (): Promise<RoleFirstCredentials> => {
    if (winner) return winner();
    const resolved = await resolveChain(settings);
    winner = resolved.refresh;
    winningSource = resolved.credentials.source;
    return resolved.credentials;
  };
  return refreshingCache(load, {
    refreshBeforeMs: (options.refreshBeforeExpirySeconds ?? 900) * 1000,
    onBackgroundError: (error) =>
      logger.warn(
        `@keycard/credentials: refreshing ${winningSource ?? "credentials"} failed, the current ` +
          `credentials stay in use until they expire: ${describeError(error, secretsInEnv(process.env))}`,
      ),
  });
}

/**
 * Forgets the root checks made in this process, for tests and benchmarks.
 * @internal
 */
export function forgetCallerChecks(): void {
  callerChecks.clear();
}
