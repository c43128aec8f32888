import { exec } from "node:child_process";
import type { AwsCredentialIdentity } from "@smithy/types";

/** A helper that has not answered in this long is stopped: the chain must not hang on it. */
const PROCESS_TIMEOUT_MS = 60_000;
/** More output than any credentials document needs; beyond it the helper is stopped. */
const PROCESS_MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * Why a `credential_process` helper did not yield credentials. The message names the profile and
 * the exit code, never the command line or what the helper printed: both can hold secrets.
 * @internal
 */
export class CredentialProcessError extends Error {
  override readonly name = "CredentialProcessError";
  /** The helper's exit code, when it exited on its own. */
  readonly exitCode: number | undefined;

  constructor(message: string, exitCode?: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

interface ProcessOutput {
  Version?: unknown;
  AccessKeyId?: unknown;
  SecretAccessKey?: unknown;
  SessionToken?: unknown;
  Expiration?: unknown;
  AccountId?: unknown;
}

function failure(error: Error & { code?: unknown; signal?: unknown; killed?: boolean }): string {
  if (typeof error.code === "number") return `exited with code ${error.code}`;
  if (error.killed || typeof error.signal === "string") {
    return `was stopped (no answer within ${PROCESS_TIMEOUT_MS / 1000} s, or more than ${PROCESS_MAX_OUTPUT_BYTES} bytes of output)`;
  }
  return "could not be started";
}

/**
 * Runs a profile's `credential_process` through the shell, as the SDK does, and reads the
 * credentials it prints (`Version: 1`). Unlike the SDK's `fromProcess`, a failure says which
 * profile's helper failed and its exit code only, and the helper has a time and output limit.
 * @internal
 */
export function runCredentialProcess(
  profile: string,
  command: string,
  accountIdOfProfile?: string,
): Promise<AwsCredentialIdentity> {
  const what = `The credential_process of profile "${profile}"`;
  return new Promise((resolve, reject) => {
    exec(
      command,
      { timeout: PROCESS_TIMEOUT_MS, maxBuffer: PROCESS_MAX_OUTPUT_BYTES, windowsHide: true },
      (error, stdout) => {
        if (error) {
          const exitCode = typeof error.code === "number" ? error.code : undefined;
          return reject(new CredentialProcessError(`${what} ${failure(error)}.`, exitCode));
        }
        let data: ProcessOutput;
        try {
          data = JSON.parse(String(stdout).trim()) as ProcessOutput;
        } catch {
          return reject(new CredentialProcessError(`${what} did not print valid JSON.`));
        }
        if (data === null || typeof data !== "object" || data.Version !== 1) {
          return reject(new CredentialProcessError(`${what} did not print Version 1.`));
        }
        const { AccessKeyId: id, SecretAccessKey: secret, SessionToken: token } = data;
        if (typeof id !== "string" || !id || typeof secret !== "string" || !secret) {
          return reject(new CredentialProcessError(`${what} printed no usable access key.`));
        }
        let expiration: Date | undefined;
        if (data.Expiration !== undefined) {
          expiration = new Date(String(data.Expiration));
          if (Number.isNaN(expiration.getTime()) || expiration.getTime() < Date.now()) {
            return reject(new CredentialProcessError(`${what} printed expired credentials.`));
          }
        }
        const accountId = typeof data.AccountId === "string" ? data.AccountId : accountIdOfProfile;
        resolve({
          accessKeyId: id,
          secretAccessKey: secret,
          ...(typeof token === "string" && token ? { sessionToken: token } : {}),
          ...(expiration ? { expiration } : {}),
          ...(accountId ? { accountId } : {}),
        });
      },
    );
  });
}
