import { writeFileSync } from "node:fs";
import { describe, expect, it, onTestFinished } from "vitest";
import { readSharedConfig } from "./shared-config.js";
import { isolateEnv } from "./test-utils/env.js";

function setup(config: string, credentials = "", profile?: string) {
  const env = isolateEnv(profile ? { AWS_PROFILE: profile } : {});
  onTestFinished(() => env.restore());
  writeFileSync(env.configFile, config);
  writeFileSync(env.credentialsFile, credentials);
  return env;
}

const KEYS =
  "aws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = not-a-real-secret-1\n";

describe("readSharedConfig", () => {
  it("finds no profile when the files are empty", async () => {
    setup("");
    expect((await readSharedConfig(process.env, undefined)).offer).toEqual({ kind: "none" });
  });

  it("classifies static keys and says which file holds them", async () => {
    const env = setup("", `[default]\n${KEYS}`);
    expect((await readSharedConfig(process.env, undefined)).offer).toEqual({
      kind: "static",
      file: env.credentialsFile,
    });
    const inConfig = setup(`[profile x]\n${KEYS}`, "", "x");
    expect((await readSharedConfig(process.env, undefined)).offer).toEqual({
      kind: "static",
      file: inConfig.configFile,
    });
  });

  it.each([
    ["role_arn = arn:aws:iam::123456789012:role/a\nsource_profile = base\n", "profile-role"],
    [
      "role_arn = arn:aws:iam::123456789012:role/a\ncredential_source = Environment\n",
      "profile-role",
    ],
    ["role_arn = arn:aws:iam::123456789012:role/a\nweb_identity_token_file = /t\n", "web-identity"],
    ["sso_session = corp\nsso_account_id = 1\nsso_role_name = r\n", "sso"],
    ["sso_start_url = https://x.awsapps.com/start\n", "sso"],
    ["credential_process = /bin/true\n", "process"],
  ])("classifies %j as %s, even beside static keys", async (body, source) => {
    setup(`[profile p]\n${body}${KEYS}`, "", "p");
    const shared = await readSharedConfig(process.env, undefined);
    expect(shared.offer).toMatchObject({ kind: "role", source });
  });

  it("notes mfa_serial and honours the profile option", async () => {
    setup(
      "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n",
    );
    const shared = await readSharedConfig(process.env, "admin");
    expect(shared.profileName).toBe("admin");
    expect(shared.offer).toMatchObject({
      kind: "role",
      mfaSerial: "arn:aws:iam::123456789012:mfa/me",
    });
  });

  it.each([
    ["web_identity_token_file = /var/run/token\n", "role_arn", "web_identity_token_file"],
    [
      "role_arn = arn:aws:iam::123456789012:role/a\n",
      "source_profile, credential_source or web_identity_token_file",
      "role_arn",
    ],
  ])(
    "classifies half a role (%s) as incomplete, even beside static keys",
    async (section, missing, present) => {
      setup(`[profile x]\n${section}${KEYS}`, "", "x");
      expect((await readSharedConfig(process.env, undefined)).offer).toEqual({
        kind: "incomplete",
        missing,
        present,
      });
    },
  );
});
