import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { forgetKeyAgeChecks } from "../identity-checks.js";
import { forgetMetadataProbes } from "../metadata-probe.js";
import { forgetCallerChecks } from "../role-first-chain.js";

/** A closed loopback port: connections are refused at once. */
export const CLOSED_ENDPOINT = "http://127.0.0.1:9";

/** A test's private environment; see {@link isolateEnv}. */
export interface IsolatedEnv {
  /** Temporary HOME holding `config` and `credentials` (written by the test when needed). */
  dir: string;
  configFile: string;
  credentialsFile: string;
  restore(): void;
}

/**
 * Replaces every `AWS_*` variable and HOME, so neither the developer's configuration nor a real
 * AWS endpoint can be reached: the shared files live in a fresh temporary directory, instance
 * metadata points at a closed loopback port, and STS and IAM at `endpoint` when given. Also forgets
 * the per-process memories (metadata probes, root checks, key-age checks).
 */
export function isolateEnv(vars: Record<string, string | undefined> = {}): IsolatedEnv {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), "keycard-credentials-"));
  for (const name of Object.keys(process.env)) {
    if (name.startsWith("AWS_")) delete process.env[name];
  }
  const configFile = join(dir, "config");
  const credentialsFile = join(dir, "credentials");
  Object.assign(process.env, {
    HOME: dir,
    USERPROFILE: dir,
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: CLOSED_ENDPOINT,
    AWS_REGION: "us-east-1",
  });
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  forgetMetadataProbes();
  forgetCallerChecks();
  forgetKeyAgeChecks();
  return {
    dir,
    configFile,
    credentialsFile,
    restore() {
      for (const name of Object.keys(process.env)) {
        if (!(name in saved)) delete process.env[name];
      }
      Object.assign(process.env, saved);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
