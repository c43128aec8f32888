import { join } from "node:path";
import { getHomeDir, getProfileName, loadSharedConfigFiles } from "@smithy/core/config";
import type { CredentialSource } from "./types.js";

type Section = Readonly<Record<string, string | undefined>>;

/** What the active profile of the shared files offers. */
export type ProfileOffer =
  /** A profile that yields a role, SSO or process session; tried before static keys. */
  | { kind: "role"; source: CredentialSource; mfaSerial?: string; section: Section }
  /** Long-lived keys written in the profile; used only as the last resort. */
  | { kind: "static"; file: string }
  /** Half a role: the named setting is missing. Never a reason to go on to static keys. */
  | { kind: "incomplete"; missing: string; present: string }
  | { kind: "none" };

/**
 * The active profile of the shared config and credentials files, as the SDK would read it.
 * @internal
 */
export interface SharedConfig {
  profileName: string;
  /** The profile's keys, credentials file over config file as in the SDK. */
  profile: Section | undefined;
  offer: ProfileOffer;
}

function credentialsFilePath(env: NodeJS.ProcessEnv): string {
  return env["AWS_SHARED_CREDENTIALS_FILE"] ?? join(getHomeDir(), ".aws", "credentials");
}

function configFilePath(env: NodeJS.ProcessEnv): string {
  return env["AWS_CONFIG_FILE"] ?? join(getHomeDir(), ".aws", "config");
}

/**
 * Decides what a profile offers. The SDK's `fromIni` would take static keys written in the same
 * profile over `web_identity_token_file`, `credential_process` or SSO settings; the role-first
 * chain takes the role settings first and uses the matching SDK provider directly.
 */
function classify(section: Section, staticKeysFile: string | undefined): ProfileOffer {
  if (section["role_arn"] && section["web_identity_token_file"]) {
    return { kind: "role", source: "web-identity", section };
  }
  if (section["web_identity_token_file"] && !section["role_arn"]) {
    return { kind: "incomplete", missing: "role_arn", present: "web_identity_token_file" };
  }
  if (section["role_arn"] && (section["source_profile"] || section["credential_source"])) {
    const mfaSerial = section["mfa_serial"];
    return mfaSerial
      ? { kind: "role", source: "profile-role", mfaSerial, section }
      : { kind: "role", source: "profile-role", section };
  }
  if (section["sso_session"] || section["sso_start_url"]) {
    return { kind: "role", source: "sso", section };
  }
  if (section["credential_process"]) return { kind: "role", source: "process", section };
  if (section["role_arn"]) {
    return {
      kind: "incomplete",
      missing: "source_profile, credential_source or web_identity_token_file",
      present: "role_arn",
    };
  }
  if (staticKeysFile) return { kind: "static", file: staticKeysFile };
  return { kind: "none" };
}

function hasKeys(section: Section | undefined): boolean {
  return Boolean(section?.["aws_access_key_id"] && section["aws_secret_access_key"]);
}

/**
 * Reads the shared files (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, or `~/.aws`) and
 * classifies the active profile. Missing files mean no profile.
 * @internal
 */
export async function readSharedConfig(
  env: NodeJS.ProcessEnv,
  profileOption: string | undefined,
): Promise<SharedConfig> {
  const profileName = getProfileName({ profile: profileOption });
  // ignoreCache: a process may rewrite its files (rotation, `aws sso login`) between resolutions.
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
  const fromConfig = configFile[profileName];
  const fromCredentials = credentialsFile[profileName];
  if (!fromConfig && !fromCredentials) {
    return { profileName, profile: undefined, offer: { kind: "none" } };
  }
  const profile: Section = { ...fromConfig, ...fromCredentials };
  const staticKeysFile = hasKeys(fromCredentials)
    ? credentialsFilePath(env)
    : hasKeys(fromConfig)
      ? configFilePath(env)
      : hasKeys(profile)
        ? `${credentialsFilePath(env)} and ${configFilePath(env)}`
        : undefined;
  return { profileName, profile, offer: classify(profile, staticKeysFile) };
}
