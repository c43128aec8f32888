import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadPolicy } from "@keycard/engine";
import { verifyBundle } from "@keycard/fleet";
import { describe, expect, it } from "vitest";
import { opaPath, runCli, tempDir, writeOrdersSet } from "../test-utils/index.js";

const keys = generateKeyPairSync("ec", {
  namedCurve: "P-256",
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

describe("keycard build --signing-key", () => {
  it("signs the bundle so keycard, the engine and opa itself accept it", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFileSync(join(dir, "signing.pem"), keys.privateKey);
    writeFileSync(join(dir, "public.pem"), keys.publicKey);
    const result = await runCli(
      [
        "build",
        "orders",
        "-o",
        "out.tar.gz",
        "--signing-key",
        "signing.pem",
        "--signing-alg",
        "ES256",
        "--signing-key-id",
        "ci",
        "--scope",
        "orders",
        "--revision",
        "abc123",
        "--json",
      ],
      { cwd: dir },
    );
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout).signed).toEqual({
      algorithm: "ES256",
      keyId: "ci",
      revision: "abc123",
    });
    const bundle = readFileSync(join(dir, "out.tar.gz"));
    expect(
      verifyBundle(bundle, {
        key: keys.publicKey,
        algorithm: "ES256",
        keyId: "ci",
        scope: "orders",
      }).revision,
    ).toBe("abc123");
    expect((await loadPolicy({ bundle })).source).toBe("bundle");
    // `opa build -b` with a verification key verifies an input bundle before rebuilding it.
    execFileSync(opaPath, [
      "build",
      "-b",
      join(dir, "out.tar.gz"),
      "--verification-key",
      join(dir, "public.pem"),
      "--verification-key-id",
      "ci",
      "--signing-alg",
      "ES256",
      "--scope",
      "orders",
      "-o",
      join(dir, "check.tar.gz"),
    ]);
  });

  it("refuses signing flags without a key, an unknown algorithm and a key of the wrong kind", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    writeFileSync(join(dir, "signing.pem"), keys.privateKey);
    const stray = await runCli(["build", "orders", "--revision", "r1"], { cwd: dir });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("--revision needs --signing-key");
    const alg = await runCli(
      ["build", "orders", "--signing-key", "signing.pem", "--signing-alg", "none"],
      { cwd: dir },
    );
    expect(alg.code).toBe(2);
    expect(alg.stderr).toContain("--signing-alg must be one of RS256, ES256, HS256");
    const wrong = await runCli(["build", "orders", "--signing-key", "signing.pem"], { cwd: dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("RS256 needs an RSA key");
  });
});
