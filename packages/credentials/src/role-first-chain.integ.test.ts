import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { type MotoServer, startMoto } from "@keycard/test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { credentialSourceOf } from "./credential-source.js";
import { fromRoleFirstChain } from "./role-first-chain.js";
import { CLOSED_ENDPOINT, type IsolatedEnv, isolateEnv } from "./test-utils/env.js";
import { createSecretAudit } from "./test-utils/secret-audit.js";
import {
  fakeCredentials,
  startBlackhole,
  startContainerEndpoint,
  startImds,
  startSsoPortal,
} from "./test-utils/servers.js";
import { type StsProxy, startStsProxy } from "./test-utils/sts-proxy.js";
import type { CredentialSource } from "./types.js";

const ACCOUNT = "123456789012";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app`;
const STATIC_ID = "AKIAENVSTATIC0000001";
const STATIC_SECRET = "env-static-secret-do-not-log-0000000001";
const ROOT_ID = "AKIAROOTKEY000000001";
const ROOT_SECRET = "root-static-secret-do-not-log-000000001";

const audit = createSecretAudit();
audit.secret(STATIC_SECRET, ROOT_SECRET);

let moto: MotoServer;
let sts: StsProxy;

beforeAll(async () => {
  moto = await startMoto();
  sts = await startStsProxy(moto.endpoint, { rootAccessKeys: new Set([ROOT_ID]) });
}, 60_000);

afterAll(async () => {
  await sts?.close();
  await moto?.stop();
});

beforeEach(() => {
  sts.calls.length = 0;
});

/** A private environment whose STS and IAM are moto behind the recording proxy. */
function setup(vars: Record<string, string | undefined> = {}): IsolatedEnv {
  const env = isolateEnv({
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ENDPOINT_URL_IAM: sts.url,
    ...vars,
  });
  onTestFinished(() => env.restore());
  return env;
}

function withStaticEnvKeys() {
  process.env["AWS_ACCESS_KEY_ID"] = STATIC_ID;
  process.env["AWS_SECRET_ACCESS_KEY"] = STATIC_SECRET;
}

async function serve<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const started = await server;
  onTestFinished(() => started.close());
  return started;
}

/** Writes a web-identity token and returns its path; the token is a secret. */
function writeToken(env: IsolatedEnv, name = "token"): string {
  const token = `eyJ.web-identity-token.${Math.random().toString(36).slice(2)}`;
  audit.secret(token);
  const path = join(env.dir, name);
  writeFileSync(path, token);
  return path;
}

interface RoleScenario {
  name: string;
  source: CredentialSource;
  /** Configures the source in a fresh environment; returns the access key ID it will yield, if fixed. */
  arrange(env: IsolatedEnv): Promise<string | undefined>;
}

const roleScenarios: RoleScenario[] = [
  {
    name: "web identity from the environment",
    source: "web-identity",
    async arrange(env) {
      process.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = writeToken(env);
      process.env["AWS_ROLE_ARN"] = ROLE_ARN;
      process.env["AWS_ROLE_SESSION_NAME"] = "irsa";
      return undefined;
    },
  },
  {
    name: "container credentials with an authorization token (ECS)",
    source: "container",
    async arrange() {
      const creds = fakeCredentials();
      audit.secret(creds.secretAccessKey, creds.sessionToken, "container-auth-token-0001");
      const server = await serve(
        startContainerEndpoint({
          authorization: "container-auth-token-0001",
          credentials: () => creds,
        }),
      );
      process.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = `${server.url}/v2/credentials/task`;
      process.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-auth-token-0001";
      return creds.accessKeyId;
    },
  },
  {
    name: "container credentials with a token file (EKS Pod Identity)",
    source: "container",
    async arrange(env) {
      const creds = fakeCredentials();
      const tokenFile = join(env.dir, "eks-pod-identity-token");
      writeFileSync(tokenFile, "pod-identity-token-0001");
      audit.secret(creds.secretAccessKey, creds.sessionToken, "pod-identity-token-0001");
      const server = await serve(
        startContainerEndpoint({
          authorization: "pod-identity-token-0001",
          credentials: () => creds,
        }),
      );
      process.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = `${server.url}/v1/credentials`;
      process.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = tokenFile;
      return creds.accessKeyId;
    },
  },
  {
    name: "instance metadata (IMDSv2)",
    source: "instance-metadata",
    async arrange() {
      const creds = fakeCredentials();
      audit.secret(creds.secretAccessKey, creds.sessionToken);
      const imds = await serve(startImds({ role: "app-instance", credentials: () => creds }));
      process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url;
      return creds.accessKeyId;
    },
  },
  {
    name: "a profile with role_arn and source_profile",
    source: "profile-role",
    async arrange(env) {
      writeFileSync(
        env.configFile,
        `[profile app]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\n`,
      );
      writeFileSync(
        env.credentialsFile,
        "[base]\naws_access_key_id = AKIAPROFILEBASE00001\naws_secret_access_key = profile-base-secret-00001\n",
      );
      audit.secret("profile-base-secret-00001");
      process.env["AWS_PROFILE"] = "app";
      return undefined;
    },
  },
  {
    name: "a profile with web_identity_token_file",
    source: "web-identity",
    async arrange(env) {
      const token = writeToken(env, "profile-token");
      writeFileSync(
        env.configFile,
        `[profile ci]\nrole_arn = ${ROLE_ARN}\nweb_identity_token_file = ${token}\n`,
      );
      process.env["AWS_PROFILE"] = "ci";
      return undefined;
    },
  },
  {
    name: "a profile with sso_session",
    source: "sso",
    async arrange(env) {
      const creds = fakeCredentials();
      const accessToken = `sso-access-token-${Math.random().toString(36).slice(2)}`;
      audit.secret(creds.secretAccessKey, creds.sessionToken, accessToken);
      const portal = await serve(startSsoPortal({ accessToken, credentials: () => creds }));
      process.env["AWS_ENDPOINT_URL_SSO"] = portal.url;
      writeFileSync(
        env.configFile,
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n" +
          "region = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n" +
          "sso_region = us-east-1\n",
      );
      const cacheDir = join(env.dir, ".aws", "sso", "cache");
      const { mkdirSync } = await import("node:fs");
      mkdirSync(cacheDir, { recursive: true });
      writeFileSync(
        join(cacheDir, `${createHash("sha1").update("corp").digest("hex")}.json`),
        JSON.stringify({
          accessToken,
          expiresAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
          region: "us-east-1",
          startUrl: "https://corp.awsapps.com/start",
        }),
      );
      process.env["AWS_PROFILE"] = "dev";
      return creds.accessKeyId;
    },
  },
  {
    name: "a profile with credential_process",
    source: "process",
    async arrange(env) {
      const creds = fakeCredentials();
      audit.secret(creds.secretAccessKey, creds.sessionToken);
      const script = join(env.dir, "credential-process.mjs");
      writeFileSync(
        script,
        `process.stdout.write(${JSON.stringify(
          JSON.stringify({
            Version: 1,
            AccessKeyId: creds.accessKeyId,
            SecretAccessKey: creds.secretAccessKey,
            SessionToken: creds.sessionToken,
            Expiration: creds.expiration.toISOString(),
          }),
        )});\n`,
      );
      writeFileSync(
        env.configFile,
        `[profile tool]\ncredential_process = ${process.execPath} ${script}\n`,
      );
      process.env["AWS_PROFILE"] = "tool";
      return creds.accessKeyId;
    },
  },
];

describe("each role source", () => {
  it.each(roleScenarios)("resolves $name on its own", async (scenario) => {
    const env = setup();
    const expectedKey = await scenario.arrange(env);
    const logger = audit.logger();
    const creds = audit.track(await fromRoleFirstChain({ logger })());
    expect(creds.source).toBe(scenario.source);
    expect(credentialSourceOf(creds)).toEqual({
      source: scenario.source,
      mfa: false,
      longTerm: false,
    });
    if (expectedKey) expect(creds.accessKeyId).toBe(expectedKey);
    else expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(creds.sessionToken).toBeTruthy();
    expect(creds.expiration).toBeInstanceOf(Date);
    expect(logger.warnings()).toEqual([]);
  });

  it.each(roleScenarios)("prefers $name over static keys in the environment", async (scenario) => {
    const env = setup();
    const expectedKey = await scenario.arrange(env);
    withStaticEnvKeys();
    const logger = audit.logger();
    const creds = audit.track(await fromRoleFirstChain({ logger, staticKeys: "deny" })());
    expect(creds.source).toBe(scenario.source);
    expect(creds.accessKeyId).not.toBe(STATIC_ID);
    if (expectedKey) expect(creds.accessKeyId).toBe(expectedKey);
    // The forgotten keys were never used, not even for the root check.
    expect(sts.calls.filter((call) => call.accessKeyId === STATIC_ID)).toEqual([]);
    expect(logger.warnings()).toEqual([]);
  });

  it("uses only IMDSv2: every metadata request after the token carries it", async () => {
    setup();
    const creds = fakeCredentials();
    audit.secret(creds.secretAccessKey, creds.sessionToken);
    const imds = await serve(startImds({ role: "app-instance", credentials: () => creds }));
    process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url;
    const resolved = audit.track(await fromRoleFirstChain({ logger: audit.logger() })());
    expect(resolved.$source).toMatchObject({ CREDENTIALS_IMDS: "0" });
    const gets = imds.requests.filter((r) => r.method === "GET");
    expect(gets.length).toBeGreaterThanOrEqual(2);
    for (const get of gets) expect(get.headers["x-aws-ec2-metadata-token"]).toBeTruthy();
  });

  it("skips an instance without an instance profile and goes on to static keys", async () => {
    setup();
    const imds = await serve(startImds({}));
    process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url;
    withStaticEnvKeys();
    const creds = audit.track(
      await fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(creds.source).toBe("static");
    expect(imds.requests.length).toBeGreaterThan(0);
  });

  it("honours AWS_EC2_METADATA_DISABLED", async () => {
    setup();
    const creds = fakeCredentials();
    const imds = await serve(startImds({ role: "app-instance", credentials: () => creds }));
    process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url;
    process.env["AWS_EC2_METADATA_DISABLED"] = "true";
    withStaticEnvKeys();
    const resolved = audit.track(
      await fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(resolved.source).toBe("static");
    expect(imds.requests).toEqual([]);
  });

  it("fails with RoleSourceFailedError, not static keys, when a configured role source fails", async () => {
    const env = setup();
    process.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = join(env.dir, "missing-token");
    process.env["AWS_ROLE_ARN"] = ROLE_ARN;
    withStaticEnvKeys();
    const error = await audit.rejection(fromRoleFirstChain({ logger: audit.logger() })());
    expect(error.name).toBe("RoleSourceFailedError");
    expect(error.code).toBe("ROLE_SOURCE_FAILED");
    expect(error.message).toContain("AWS_WEB_IDENTITY_TOKEN_FILE");
  });
});

describe("static keys, only when no role source exists", () => {
  it('"warn" uses them and says where they came from', async () => {
    setup();
    withStaticEnvKeys();
    const logger = audit.logger();
    const creds = audit.track(await fromRoleFirstChain({ logger })());
    expect(creds).toMatchObject({
      source: "static",
      mfa: false,
      accessKeyId: STATIC_ID,
      accountId: ACCOUNT,
    });
    expect(creds.$source).toMatchObject({ CREDENTIALS_ENV_VARS: "g" });
    const warnings = logger.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("AWS_ACCESS_KEY_ID");
    expect(warnings[0]).toContain("AKIA…0001");
    expect(warnings[0]).not.toContain(STATIC_ID);
    expect(sts.count("GetCallerIdentity")).toBe(1);
  });

  it('"allow" uses them quietly', async () => {
    setup();
    withStaticEnvKeys();
    const logger = audit.logger();
    const creds = audit.track(await fromRoleFirstChain({ logger, staticKeys: "allow" })());
    expect(creds.source).toBe("static");
    expect(logger.warnings()).toEqual([]);
  });

  it('"deny" refuses keys from the environment and names the variables', async () => {
    setup();
    withStaticEnvKeys();
    process.env["AWS_SESSION_TOKEN"] = "env-session-token-do-not-log-0001";
    audit.secret("env-session-token-do-not-log-0001");
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), staticKeys: "deny" })(),
    );
    expect(error.name).toBe("StaticCredentialsRefusedError");
    expect(error.code).toBe("STATIC_CREDENTIALS_REFUSED");
    expect(error.tryNextLink).toBe(false);
    expect(error.message).toContain("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN");
    expect(error.message).toMatch(/role/);
    expect(sts.calls).toEqual([]);
  });

  it('"deny" refuses keys from the shared credentials file and names the file', async () => {
    const env = setup();
    writeFileSync(
      env.credentialsFile,
      "[default]\naws_access_key_id = AKIAFILESTATIC000001\naws_secret_access_key = file-static-secret-00001\n",
    );
    audit.secret("file-static-secret-00001");
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), staticKeys: "deny" })(),
    );
    expect(error.name).toBe("StaticCredentialsRefusedError");
    expect(error.message).toContain(`profile "default" in ${env.credentialsFile}`);
  });

  it("takes keys from the environment before the shared credentials file", async () => {
    const env = setup();
    writeFileSync(
      env.credentialsFile,
      "[default]\naws_access_key_id = AKIAFILESTATIC000002\naws_secret_access_key = file-static-secret-00002\n",
    );
    audit.secret("file-static-secret-00002");
    withStaticEnvKeys();
    const creds = audit.track(await fromRoleFirstChain({ staticKeys: "allow" })());
    expect(creds.accessKeyId).toBe(STATIC_ID);
    delete process.env["AWS_ACCESS_KEY_ID"];
    delete process.env["AWS_SECRET_ACCESS_KEY"];
    const fromFile = audit.track(await fromRoleFirstChain({ staticKeys: "allow" })());
    expect(fromFile).toMatchObject({ source: "static", accessKeyId: "AKIAFILESTATIC000002" });
  });

  it("fails with NoCredentialsError when there is nothing at all", async () => {
    setup();
    const error = await audit.rejection(fromRoleFirstChain({ logger: audit.logger() })());
    expect(error.name).toBe("NoCredentialsError");
    expect(error.tryNextLink).toBe(true);
  });

  it("upgrades static keys to a role session through AssumeRole", async () => {
    setup();
    withStaticEnvKeys();
    const creds = audit.track(
      await fromRoleFirstChain({
        logger: audit.logger(),
        assumeRole: { roleArn: ROLE_ARN, roleSessionName: "upgrade", durationSeconds: 900 },
      })(),
    );
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(creds).toMatchObject({ source: "static-upgraded", mfa: false, accountId: ACCOUNT });
    expect(creds.expiration).toBeInstanceOf(Date);
    const assume = sts.calls.find((call) => call.action === "AssumeRole");
    expect(assume).toMatchObject({
      accessKeyId: STATIC_ID,
      params: { RoleArn: ROLE_ARN, RoleSessionName: "upgrade", DurationSeconds: "900" },
    });
  });

  it("passes the MFA device and code to AssumeRole and reports MFA", async () => {
    setup();
    withStaticEnvKeys();
    const tokenCode = vi.fn(async () => "123456");
    const creds = audit.track(
      await fromRoleFirstChain({
        logger: audit.logger(),
        staticKeys: "allow",
        assumeRole: {
          roleArn: ROLE_ARN,
          mfa: { serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/dev`, tokenCode },
        },
      })(),
    );
    expect(tokenCode).toHaveBeenCalledTimes(1);
    expect(credentialSourceOf(creds)).toEqual({
      source: "static-upgraded",
      mfa: true,
      longTerm: false,
    });
    expect(sts.calls.find((call) => call.action === "AssumeRole")?.params).toMatchObject({
      SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/dev`,
      TokenCode: "123456",
    });
  });

  it("reports MFA for a profile role with mfa_serial", async () => {
    const env = setup();
    writeFileSync(
      env.configFile,
      `[profile admin]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nmfa_serial = arn:aws:iam::${ACCOUNT}:mfa/dev\n`,
    );
    writeFileSync(
      env.credentialsFile,
      "[base]\naws_access_key_id = AKIAPROFILEBASE00002\naws_secret_access_key = profile-base-secret-00002\n",
    );
    audit.secret("profile-base-secret-00002");
    process.env["AWS_PROFILE"] = "admin";
    const creds = audit.track(
      await fromRoleFirstChain({ logger: audit.logger(), mfaCodeProvider: async () => "654321" })(),
    );
    expect(credentialSourceOf(creds)).toEqual({
      source: "profile-role",
      mfa: true,
      longTerm: false,
    });
    expect(sts.calls.find((call) => call.action === "AssumeRole")?.params).toMatchObject({
      TokenCode: "654321",
    });
  });
});

describe("root keys", () => {
  it("refuses keys of the account root user", async () => {
    setup({ AWS_ACCESS_KEY_ID: ROOT_ID, AWS_SECRET_ACCESS_KEY: ROOT_SECRET });
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(error.name).toBe("RootCredentialsRefusedError");
    expect(error.code).toBe("ROOT_CREDENTIALS_REFUSED");
    expect(error.message).toContain("root user of account 123456789012");
  });

  it("refuses them even when they would only be used to assume a role", async () => {
    setup({ AWS_ACCESS_KEY_ID: ROOT_ID, AWS_SECRET_ACCESS_KEY: ROOT_SECRET });
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), assumeRole: { roleArn: ROLE_ARN } })(),
    );
    expect(error.name).toBe("RootCredentialsRefusedError");
    expect(sts.count("AssumeRole")).toBe(0);
  });

  it("accepts them with refuseRootKeys: false, without asking STS", async () => {
    setup({ AWS_ACCESS_KEY_ID: ROOT_ID, AWS_SECRET_ACCESS_KEY: ROOT_SECRET });
    const creds = audit.track(
      await fromRoleFirstChain({
        logger: audit.logger(),
        staticKeys: "allow",
        refuseRootKeys: false,
      })(),
    );
    expect(creds.source).toBe("static");
    expect(sts.count("GetCallerIdentity")).toBe(0);
  });

  it("fails closed with CredentialsCheckFailedError when STS cannot be asked", async () => {
    setup({ AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" });
    withStaticEnvKeys();
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(error.name).toBe("CredentialsCheckFailedError");
  });
});

/** A profile `tool` whose credential_process prints these keys, without a session token. */
function processPrinting(env: IsolatedEnv, accessKeyId: string, secretAccessKey: string) {
  const script = join(env.dir, "long-term-helper.mjs");
  writeFileSync(
    script,
    `process.stdout.write(${JSON.stringify(
      JSON.stringify({ Version: 1, AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey }),
    )});\n`,
  );
  writeFileSync(
    env.configFile,
    `[profile tool]\ncredential_process = ${process.execPath} ${script}\n`,
  );
  process.env["AWS_PROFILE"] = "tool";
}

describe("long-term keys from a credential_process", () => {
  it("refuses root keys", async () => {
    const env = setup();
    processPrinting(env, ROOT_ID, ROOT_SECRET);
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(error.name).toBe("RootCredentialsRefusedError");
    expect(error.message).toContain('Profile "tool" (process)');
    expect(sts.count("GetCallerIdentity")).toBe(1);
  });

  it("refuses root keys even when they would only be used to assume a role", async () => {
    const env = setup();
    processPrinting(env, ROOT_ID, ROOT_SECRET);
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), assumeRole: { roleArn: ROLE_ARN } })(),
    );
    expect(error.name).toBe("RootCredentialsRefusedError");
    expect(sts.count("AssumeRole")).toBe(0);
  });

  it("upgrades an IAM user's keys through assumeRole, like any static keys", async () => {
    const env = setup();
    processPrinting(env, STATIC_ID, STATIC_SECRET);
    const creds = audit.track(
      await fromRoleFirstChain({
        logger: audit.logger(),
        staticKeys: "allow",
        assumeRole: { roleArn: ROLE_ARN, roleSessionName: "from-process" },
      })(),
    );
    expect(creds).toMatchObject({ source: "static-upgraded", longTerm: false });
    expect(sts.calls.find((call) => call.action === "AssumeRole")?.accessKeyId).toBe(STATIC_ID);
  });

  it("labels an IAM user's keys used as they are process and long-term", async () => {
    const env = setup();
    processPrinting(env, STATIC_ID, STATIC_SECRET);
    const creds = audit.track(
      await fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(credentialSourceOf(creds)).toEqual({ source: "process", mfa: false, longTerm: true });
    expect(sts.count("GetCallerIdentity")).toBe(1);
  });
});

describe("root keys behind a source_profile", () => {
  it("refuses them before they sign sts:AssumeRole", async () => {
    const env = setup();
    writeFileSync(env.configFile, `[profile app]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\n`);
    writeFileSync(
      env.credentialsFile,
      `[base]\naws_access_key_id = ${ROOT_ID}\naws_secret_access_key = ${ROOT_SECRET}\n`,
    );
    process.env["AWS_PROFILE"] = "app";
    const error = await audit.rejection(fromRoleFirstChain({ logger: audit.logger() })());
    expect(error.name).toBe("RootCredentialsRefusedError");
    expect(error.message).toContain('source of profile "app"');
    expect(sts.count("AssumeRole")).toBe(0);
  });

  it("lets an IAM user's keys assume the role, after one root check", async () => {
    const env = setup();
    writeFileSync(env.configFile, `[profile app]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\n`);
    writeFileSync(
      env.credentialsFile,
      `[base]\naws_access_key_id = ${STATIC_ID}\naws_secret_access_key = ${STATIC_SECRET}\n`,
    );
    process.env["AWS_PROFILE"] = "app";
    const creds = audit.track(await fromRoleFirstChain({ logger: audit.logger() })());
    expect(creds).toMatchObject({ source: "profile-role", longTerm: false });
    expect(sts.count("GetCallerIdentity")).toBe(1);
    expect(sts.count("AssumeRole")).toBe(1);
  });
});

describe("clientConfig", () => {
  it("points the chain's own STS and IAM clients at the given endpoints", async () => {
    setup({ AWS_ENDPOINT_URL_STS: CLOSED_ENDPOINT, AWS_ENDPOINT_URL_IAM: CLOSED_ENDPOINT });
    withStaticEnvKeys();
    const creds = audit.track(
      await fromRoleFirstChain({
        logger: audit.logger(),
        assumeRole: { roleArn: ROLE_ARN },
        clientConfig: { sts: { endpoint: sts.url }, iam: { endpoint: sts.url } },
      })(),
    );
    expect(creds.source).toBe("static-upgraded");
    expect(sts.count("GetCallerIdentity")).toBe(1);
    expect(sts.count("AssumeRole")).toBe(1);
    await vi.waitFor(() => expect(sts.count("ListAccessKeys")).toBe(1));
  });

  it("is used for web identity and profile roles", async () => {
    const env = setup({ AWS_ENDPOINT_URL_STS: CLOSED_ENDPOINT });
    process.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = writeToken(env);
    process.env["AWS_ROLE_ARN"] = ROLE_ARN;
    const fromEnv = audit.track(
      await fromRoleFirstChain({
        logger: audit.logger(),
        clientConfig: { sts: { endpoint: sts.url } },
      })(),
    );
    expect(fromEnv.source).toBe("web-identity");
    expect(sts.count("AssumeRoleWithWebIdentity")).toBe(1);
  });

  it("without it, AWS_ENDPOINT_URL_STS is honoured", async () => {
    setup();
    withStaticEnvKeys();
    audit.track(await fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })());
    expect(sts.count("GetCallerIdentity")).toBe(1);
  });
});

describe("key age", () => {
  it("warns when the key in use is older than maxKeyAgeDays", async () => {
    setup();
    const iam = new IAMClient({
      region: "us-east-1",
      endpoint: moto.endpoint,
      credentials: { accessKeyId: "AKIAADMIN00000000001", secretAccessKey: "admin-secret-0000001" },
    });
    const userName = `dev-${Date.now()}`;
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey;
    iam.destroy();
    audit.secret(key?.SecretAccessKey);
    process.env["AWS_ACCESS_KEY_ID"] = key?.AccessKeyId;
    process.env["AWS_SECRET_ACCESS_KEY"] = key?.SecretAccessKey;
    const logger = audit.logger();
    audit.track(await fromRoleFirstChain({ logger, staticKeys: "allow", maxKeyAgeDays: 0 })());
    await vi.waitFor(() => expect(logger.warnings().join("\n")).toMatch(/days old \(limit 0\)/));
    expect(sts.count("ListAccessKeys")).toBe(1);
  });

  it("stays quiet when the key is young", async () => {
    setup();
    withStaticEnvKeys();
    const logger = audit.logger();
    audit.track(await fromRoleFirstChain({ logger, staticKeys: "allow" })());
    await vi.waitFor(() => expect(sts.count("ListAccessKeys")).toBe(1));
    expect(logger.warnings()).toEqual([]);
  });
});

describe("probing", () => {
  it("falls back quickly past a refused metadata endpoint", async () => {
    setup({ AWS_EC2_METADATA_SERVICE_ENDPOINT: CLOSED_ENDPOINT });
    withStaticEnvKeys();
    const started = performance.now();
    const creds = audit.track(
      await fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    // A generous bound: the benchmark measures the real figure.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(creds.source).toBe("static");
  });

  it("gives up on a metadata endpoint that accepts connections but never answers, and asks again next time", async () => {
    setup();
    const blackhole = await serve(startBlackhole());
    process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = blackhole.url;
    withStaticEnvKeys();
    const started = performance.now();
    const creds = audit.track(
      await fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(performance.now() - started).toBeLessThan(3000);
    expect(creds.source).toBe("static");
    audit.track(await fromRoleFirstChain({ staticKeys: "allow" })());
    expect(blackhole.connections()).toBe(2);
  });
});

describe("caching and refresh", () => {
  it("serves a thousand concurrent callers with one request", async () => {
    const env = setup();
    process.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = writeToken(env);
    process.env["AWS_ROLE_ARN"] = ROLE_ARN;
    const provider = fromRoleFirstChain({ logger: audit.logger() });
    const all = await Promise.all(Array.from({ length: 1000 }, () => provider()));
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
    audit.track(all[0]!);
    expect(sts.count("AssumeRoleWithWebIdentity")).toBe(1);
  });

  it("refreshes once, in the background, before expiry, and re-reads the token file", async () => {
    const env = setup();
    const tokenFile = writeToken(env);
    process.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile;
    process.env["AWS_ROLE_ARN"] = ROLE_ARN;
    const provider = fromRoleFirstChain({ logger: audit.logger() });
    const first = audit.track(await provider());
    const firstToken = sts.calls.find((c) => c.action === "AssumeRoleWithWebIdentity")?.params[
      "WebIdentityToken"
    ];
    // The projected token is rotated by the kubelet; the next session must use the new one.
    const rotated = `eyJ.rotated-token.${Math.random().toString(36).slice(2)}`;
    audit.secret(rotated);
    writeFileSync(tokenFile, rotated);

    vi.useFakeTimers({ toFake: ["Date"] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    // Ten minutes before expiry: inside the background window, outside the SDK's five minutes.
    vi.setSystemTime(first.expiration!.getTime() - 10 * 60_000);
    const during = await Promise.all(Array.from({ length: 1000 }, () => provider()));
    expect(during.every((c) => c.accessKeyId === first.accessKeyId)).toBe(true);
    await vi.waitFor(async () => {
      expect((await provider()).accessKeyId).not.toBe(first.accessKeyId);
    });
    const calls = sts.calls.filter((c) => c.action === "AssumeRoleWithWebIdentity");
    expect(calls).toHaveLength(2);
    expect(firstToken).not.toBe(rotated);
    expect(calls[1]?.params["WebIdentityToken"]).toBe(rotated);
    const second = audit.track(await provider());
    expect(second.source).toBe("web-identity");
  });

  it("waits for new credentials within five minutes of expiry", async () => {
    setup();
    let served = fakeCredentials();
    const issued: string[] = [];
    const imds = await serve(
      startImds({
        role: "app-instance",
        credentials: () => {
          served = fakeCredentials();
          issued.push(served.accessKeyId);
          audit.secret(served.secretAccessKey, served.sessionToken);
          return served;
        },
      }),
    );
    process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url;
    const provider = fromRoleFirstChain({ logger: audit.logger() });
    const first = audit.track(await provider());
    vi.useFakeTimers({ toFake: ["Date"] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    vi.setSystemTime(first.expiration!.getTime() - 2 * 60_000);
    const all = await Promise.all(Array.from({ length: 1000 }, () => provider()));
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set([issued[1]]));
    expect(issued).toHaveLength(2);
  });
});

describe("with an SDK client", () => {
  it("signs S3 requests with the resolved credentials", async () => {
    const env = setup({ AWS_ENDPOINT_URL_S3: moto.endpoint });
    process.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = writeToken(env);
    process.env["AWS_ROLE_ARN"] = ROLE_ARN;
    const credentials = fromRoleFirstChain({ logger: audit.logger() });
    const s3 = new S3Client({ region: "us-east-1", credentials, forcePathStyle: true });
    onTestFinished(() => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: "keycard-credentials-test" }));
    const out = await s3.send(new ListBucketsCommand({}));
    expect(out.Buckets?.map((b) => b.Name)).toContain("keycard-credentials-test");
    audit.track(await credentials());
  });
});

describe("secrets", () => {
  it("never writes a secret to a log line or an error message", () => {
    const { texts, secrets } = audit.size();
    expect(secrets).toBeGreaterThan(10);
    expect(texts).toBeGreaterThan(10);
    expect(audit.leaks()).toEqual([]);
  });
});
