import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { fromRoleFirstChain } from "./role-first-chain.js";
import { type IsolatedEnv, isolateEnv } from "./test-utils/env.js";
import { createSecretAudit } from "./test-utils/secret-audit.js";
import { type FakeCredentials, fakeCredentials, startImds } from "./test-utils/servers.js";

const ROLE_ARN = "arn:aws:iam::123456789012:role/app";
const STATIC_ID = "AKIAENVSTATIC0000002";
const STATIC_SECRET = "env-static-secret-do-not-log-0000000002";
/** Nothing listens here: a call to STS or IAM fails at once, so no test reaches a real service. */
const NO_STS = "http://127.0.0.1:9";

const audit = createSecretAudit();
audit.secret(STATIC_SECRET);

function setup(vars: Record<string, string | undefined> = {}): IsolatedEnv {
  const env = isolateEnv({ AWS_ENDPOINT_URL_STS: NO_STS, AWS_ENDPOINT_URL_IAM: NO_STS, ...vars });
  onTestFinished(() => env.restore());
  return env;
}

function withStaticEnvKeys() {
  process.env["AWS_ACCESS_KEY_ID"] = STATIC_ID;
  process.env["AWS_SECRET_ACCESS_KEY"] = STATIC_SECRET;
}

/** A profile `tool` whose credential_process runs `body` (JavaScript) with node. */
function credentialProcess(env: IsolatedEnv, body: string, extraArgs = ""): string {
  const script = join(env.dir, "helper.mjs");
  writeFileSync(script, body);
  const command = `${process.execPath} ${script}${extraArgs ? ` ${extraArgs}` : ""}`;
  writeFileSync(env.configFile, `[profile tool]\ncredential_process = ${command}\n`);
  process.env["AWS_PROFILE"] = "tool";
  return command;
}

function printing(creds: Partial<FakeCredentials>): string {
  return `process.stdout.write(${JSON.stringify(
    JSON.stringify({
      Version: 1,
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken ? { SessionToken: creds.sessionToken } : {}),
      ...(creds.expiration ? { Expiration: creds.expiration.toISOString() } : {}),
    }),
  )});\n`;
}

describe("a credential_process that prints long-term keys", () => {
  it.each([
    ["an AKIA key", () => fakeCredentials("AKIA")],
    ["a key without a session token", () => ({ ...fakeCredentials(), sessionToken: "" })],
  ])('is refused under staticKeys: "deny" when it prints %s', async (_name, make) => {
    const env = setup();
    const creds = make();
    audit.secret(creds.secretAccessKey, creds.sessionToken);
    credentialProcess(env, printing(creds));
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), staticKeys: "deny" })(),
    );
    expect(error.name).toBe("StaticCredentialsRefusedError");
    expect(error.code).toBe("STATIC_CREDENTIALS_REFUSED");
    expect(error.message).toContain('Profile "tool" (process)');
  });

  it("is checked for root: the chain fails closed when STS cannot say whose keys they are", async () => {
    const env = setup();
    const creds = fakeCredentials("AKIA");
    audit.secret(creds.secretAccessKey);
    credentialProcess(env, printing({ ...creds, sessionToken: "" }));
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(error.name).toBe("CredentialsCheckFailedError");
  });

  it('is labelled process and long-term, and warned about under "warn"', async () => {
    const env = setup();
    const creds = fakeCredentials("AKIA");
    audit.secret(creds.secretAccessKey);
    credentialProcess(env, printing({ ...creds, sessionToken: "" }));
    const logger = audit.logger();
    const resolved = audit.track(await fromRoleFirstChain({ logger, refuseRootKeys: false })());
    expect(resolved).toMatchObject({ source: "process", longTerm: true, mfa: false });
    expect(resolved.accessKeyId).toBe(creds.accessKeyId);
    expect(logger.warnings().join("\n")).toMatch(/long-term key, not a role session/);
  });

  it("still passes a session through as a role source", async () => {
    const env = setup();
    const creds = fakeCredentials();
    audit.secret(creds.secretAccessKey, creds.sessionToken);
    credentialProcess(env, printing(creds));
    const logger = audit.logger();
    const resolved = audit.track(await fromRoleFirstChain({ logger, staticKeys: "deny" })());
    expect(resolved).toMatchObject({ source: "process", longTerm: false });
    expect(logger.warnings()).toEqual([]);
  });
});

describe("a failing credential_process", () => {
  it("is named by profile and exit code, never by its command line or its output", async () => {
    const env = setup();
    const argument = "--api-key=process-argument-secret-0001";
    const stderr = "stderr-secret-0002";
    audit.secret(argument, stderr);
    const command = credentialProcess(
      env,
      `process.stderr.write(${JSON.stringify(stderr)}); process.stdout.write("stdout-secret-0003"); process.exit(3);\n`,
      argument,
    );
    audit.secret(command, "stdout-secret-0003");
    withStaticEnvKeys();
    const error = await audit.rejection(fromRoleFirstChain({ logger: audit.logger() })());
    expect(error.name).toBe("RoleSourceFailedError");
    expect(error.message).toContain('profile "tool"');
    expect(error.message).toContain("exited with code 3");
    let text = "";
    for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
      text += `${e.message}\n${e.stack ?? ""}\n`;
    }
    for (const secret of [argument, stderr, "stdout-secret-0003", "helper.mjs"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("behind a source_profile is not quoted either", async () => {
    const env = setup();
    const argument = "--api-key=source-profile-secret-0005";
    audit.secret(argument, "stderr-secret-0006");
    const script = join(env.dir, "base-helper.mjs");
    writeFileSync(script, 'process.stderr.write("stderr-secret-0006"); process.exit(4);\n');
    writeFileSync(
      env.configFile,
      `[profile app]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\n\n` +
        `[profile base]\ncredential_process = ${process.execPath} ${script} ${argument}\n`,
    );
    process.env["AWS_PROFILE"] = "app";
    const error = await audit.rejection(fromRoleFirstChain({ logger: audit.logger() })());
    expect(error.name).toBe("RoleSourceFailedError");
    let text = "";
    for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
      text += `${e.message}\n${e.stack ?? ""}\n`;
    }
    expect(text).toContain("credential_process");
    for (const secret of [argument, "stderr-secret-0006", "base-helper.mjs"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("says so when it prints something that is not credentials", async () => {
    const env = setup();
    credentialProcess(env, 'process.stdout.write("token=stdout-secret-0004");\n');
    audit.secret("stdout-secret-0004");
    const error = await audit.rejection(fromRoleFirstChain({ logger: audit.logger() })());
    expect(error.name).toBe("RoleSourceFailedError");
    expect(error.message).toContain("did not print valid JSON");
  });
});

describe("half-configured web identity", () => {
  it.each([
    ["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"],
    ["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"],
  ])("with %s but not %s in the environment fails, naming it", async (present, missing) => {
    const env = setup();
    const token = join(env.dir, "token");
    writeFileSync(token, "eyJ.half-configured-token");
    audit.secret("eyJ.half-configured-token");
    process.env[present] = present === "AWS_ROLE_ARN" ? ROLE_ARN : token;
    withStaticEnvKeys();
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(error.name).toBe("RoleSourceIncompleteError");
    expect(error.code).toBe("ROLE_SOURCE_INCOMPLETE");
    expect((error as { missing?: string }).missing).toBe(missing);
    expect(error.message).toContain(missing);
    expect(error.tryNextLink).toBe(false);
  });

  it.each([
    ["web_identity_token_file = /var/run/token\n", "role_arn"],
    [`role_arn = ${ROLE_ARN}\n`, "web_identity_token_file"],
  ])("in a profile (%s) fails, naming the missing key", async (section, missing) => {
    const env = setup();
    writeFileSync(env.configFile, `[profile ci]\n${section}`);
    writeFileSync(
      env.credentialsFile,
      `[ci]\naws_access_key_id = ${STATIC_ID}\naws_secret_access_key = ${STATIC_SECRET}\n`,
    );
    process.env["AWS_PROFILE"] = "ci";
    const error = await audit.rejection(
      fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(error.name).toBe("RoleSourceIncompleteError");
    expect(error.message).toContain(missing);
    expect(error.message).toContain('Profile "ci"');
  });
});

/** An IMDSv2 server whose token endpoint answers `status` until told otherwise. */
async function flakyImds(credentials: () => FakeCredentials) {
  const imds = await startImds({ role: "app-instance", credentials });
  onTestFinished(() => imds.close());
  let failWith = 0;
  let delayMs = 0;
  let tokenRequests = 0;
  const front = createServer(async (req, res) => {
    if (req.url === "/latest/api/token") {
      tokenRequests++;
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (failWith) return void res.writeHead(failWith).end();
    }
    const upstream = new URL(imds.url);
    const proxied = (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => name !== "host" && name !== "connection"),
      ) as Record<string, string>;
      const answer = await fetch(`${upstream.origin}${req.url}`, {
        method: req.method ?? "GET",
        headers,
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      });
      res.writeHead(answer.status, { "content-type": "text/plain" });
      res.end(Buffer.from(await answer.arrayBuffer()));
    })();
    proxied.catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => front.close(() => resolve())));
  const address = front.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    fail(status: number) {
      failWith = status;
    },
    delay(ms: number) {
      delayMs = ms;
    },
    tokenRequests: () => tokenRequests,
  };
}

describe("a struggling instance metadata service", () => {
  it.each([429, 503])(
    "answering %i is a role source that failed, not a reason to use static keys",
    async (status) => {
      setup();
      const creds = fakeCredentials();
      audit.secret(creds.secretAccessKey, creds.sessionToken);
      const imds = await flakyImds(() => creds);
      imds.fail(status);
      process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url;
      withStaticEnvKeys();
      const provider = fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" });
      const error = await audit.rejection(provider());
      expect(error.name).toBe("RoleSourceFailedError");
      // The service recovers: the next call, and a new chain, use the instance role.
      imds.fail(0);
      const later = audit.track(await provider());
      expect(later.source).toBe("instance-metadata");
      expect(later.accessKeyId).toBe(creds.accessKeyId);
      const fresh = audit.track(
        await fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
      );
      expect(fresh.source).toBe("instance-metadata");
    },
  );

  it("answering its probe slowly still wins over static keys", async () => {
    setup();
    const creds = fakeCredentials();
    audit.secret(creds.secretAccessKey, creds.sessionToken);
    const imds = await flakyImds(() => creds);
    imds.delay(400);
    process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url;
    withStaticEnvKeys();
    const resolved = audit.track(
      await fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(resolved.source).toBe("instance-metadata");
  });

  it("is probed again by a later chain after an absent answer", async () => {
    setup();
    const creds = fakeCredentials();
    audit.secret(creds.secretAccessKey, creds.sessionToken);
    const imds = await flakyImds(() => creds);
    imds.fail(404);
    process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url;
    withStaticEnvKeys();
    const first = audit.track(
      await fromRoleFirstChain({
        logger: audit.logger(),
        staticKeys: "allow",
        refuseRootKeys: false,
        maxKeyAgeDays: Number.POSITIVE_INFINITY,
      })(),
    );
    expect(first.source).toBe("static");
    imds.fail(0);
    const second = audit.track(
      await fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" })(),
    );
    expect(second.source).toBe("instance-metadata");
    expect(imds.tokenRequests()).toBeGreaterThanOrEqual(2);
  });
});

describe("a struggling container credentials endpoint", () => {
  it("fails the chain rather than give way to static keys, and is asked again later", async () => {
    setup();
    const creds = fakeCredentials();
    audit.secret(creds.secretAccessKey, creds.sessionToken);
    let status = 429;
    const server = createServer((_req, res) => {
      if (status !== 200) return void res.writeHead(status).end();
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          AccessKeyId: creds.accessKeyId,
          SecretAccessKey: creds.secretAccessKey,
          Token: creds.sessionToken,
          Expiration: creds.expiration.toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    process.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = `http://127.0.0.1:${port}/creds`;
    withStaticEnvKeys();
    const provider = fromRoleFirstChain({ logger: audit.logger(), staticKeys: "allow" });
    const error = await audit.rejection(provider());
    expect(error.name).toBe("RoleSourceFailedError");
    status = 200;
    const later = audit.track(await provider());
    expect(later).toMatchObject({ source: "container", accessKeyId: creds.accessKeyId });
  });
});

describe("secrets", () => {
  it("never writes a secret to a log line or an error message", () => {
    expect(audit.size().texts).toBeGreaterThan(5);
    expect(audit.leaks()).toEqual([]);
  });
});
