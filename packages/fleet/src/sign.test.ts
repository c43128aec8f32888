import { createHmac, createPublicKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, readBundleFiles, writeBundleFiles } from "./archive.js";
import { FleetError } from "./errors.js";
import { signBundle } from "./sign.js";
import {
  ecKeys,
  HMAC_SECRET,
  opaSourceTree,
  plainBundle,
  rsaKeys,
  runOpa,
  tempDir,
} from "./test-utils/fixtures.js";
import { verifyBundle, verifyBundleAsync } from "./verify.js";

const rsa = rsaKeys();
const ec = ecKeys();
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof FleetError) return e.code;
    throw e;
  }
  return undefined;
}

/** Rebuilds a bundle with one file changed, keeping its signature. */
function tamper(bundle: Uint8Array, change: (files: Map<string, Uint8Array>) => void): Uint8Array {
  const files = readBundleFiles(bundle);
  change(files);
  return writeBundleFiles([...files.entries()]);
}

/** A compact token with the given header and payload and a made-up signature. */
function forged(header: object, payload: object, signature = "c2ln"): string {
  const b = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b(header)}.${b(payload)}.${signature}`;
}

describe("signBundle and verifyBundle", () => {
  it.each([
    ["RS256", rsa.privateKey, rsa.publicKey],
    ["ES256", ec.privateKey, ec.publicKey],
    ["HS256", HMAC_SECRET, HMAC_SECRET],
  ] as const)("round-trips with %s and sets the revision", (algorithm, key, publicKey) => {
    const signed = signBundle(plainBundle(), { key, algorithm, revision: "r7" });
    const verified = verifyBundle(signed, { key: publicKey, algorithm });
    expect(verified.revision).toBe("r7");
    expect([...verified.files.keys()].sort()).toEqual([
      ".manifest",
      ".signatures.json",
      "app/p.rego",
      "data.json",
    ]);
  });

  it("refuses a bundle whose file changed after signing", () => {
    const signed = signBundle(plainBundle(), { key: rsa.privateKey });
    const bad = tamper(signed, (f) =>
      f.set("app/p.rego", new TextEncoder().encode("package app\nallow := true\n")),
    );
    expect(code(() => verifyBundle(bad, { key: rsa.publicKey }))).toBe("DigestMismatch");
  });

  it("refuses data.json edited to a lone surrogate escape that canonicalizes like U+FFFD", () => {
    const data = JSON.stringify({ app: { deny: "arn:aws:s3:::b/\uFFFD*" } });
    const signed = signBundle(writeBundleFiles([["data.json", new TextEncoder().encode(data)]]), {
      key: rsa.privateKey,
    });
    const edited = tamper(signed, (files) =>
      files.set("data.json", new TextEncoder().encode(data.replace("\uFFFD", "\\ud800"))),
    );
    expect(code(() => verifyBundle(edited, { key: rsa.publicKey }))).toBe("InvalidBundle");
  });

  it("refuses a file the signature does not cover, and a signed file that is missing", () => {
    const signed = signBundle(plainBundle(), { key: rsa.privateKey });
    const extra = tamper(signed, (f) =>
      f.set("app/extra.rego", new TextEncoder().encode("package app\n")),
    );
    expect(code(() => verifyBundle(extra, { key: rsa.publicKey }))).toBe("DigestMismatch");
    const missing = tamper(signed, (f) => f.delete("data.json"));
    expect(code(() => verifyBundle(missing, { key: rsa.publicKey }))).toBe("DigestMismatch");
  });

  it("refuses an unsigned bundle, another key, a wrong key id and a wrong scope", () => {
    expect(code(() => verifyBundle(plainBundle(), { key: rsa.publicKey }))).toBe(
      "SignatureInvalid",
    );
    const signed = signBundle(plainBundle(), { key: rsa.privateKey, keyId: "ci", scope: "prod" });
    expect(
      code(() => verifyBundle(signed, { key: rsaKeys().publicKey, keyId: "ci", scope: "prod" })),
    ).toBe("SignatureInvalid");
    expect(
      code(() => verifyBundle(signed, { key: rsa.publicKey, keyId: "other", scope: "prod" })),
    ).toBe("KeyIdMismatch");
    expect(code(() => verifyBundle(signed, { key: rsa.publicKey, keyId: "ci" }))).toBe(
      "ScopeMismatch",
    );
    expect(verifyBundle(signed, { key: rsa.publicKey, keyId: "ci", scope: "prod" }).keyId).toBe(
      "ci",
    );
  });

  it("refuses alg none, and HS256 signed with the RSA public key as the secret", () => {
    const signed = signBundle(plainBundle(), { key: rsa.privateKey });
    const files = readBundleFiles(signed);
    const token = JSON.parse(text(files.get(".signatures.json"))).signatures[0] as string;
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
    const withToken = (t: string) =>
      tamper(signed, (f) =>
        f.set(".signatures.json", new TextEncoder().encode(JSON.stringify({ signatures: [t] }))),
      );
    expect(
      code(() =>
        verifyBundle(withToken(forged({ alg: "none" }, payload, "")), { key: rsa.publicKey }),
      ),
    ).toBe("SignatureInvalid");
    // An attacker who knows the public key signs with HS256 using its PEM as the HMAC secret.
    const input = `${Buffer.from(JSON.stringify({ alg: "HS256", kid: "default" })).toString("base64url")}.${token.split(".")[1]}`;
    const mac = createHmac("sha256", rsa.publicKey).update(input).digest("base64url");
    expect(code(() => verifyBundle(withToken(`${input}.${mac}`), { key: rsa.publicKey }))).toBe(
      "SignatureInvalid",
    );
    // Configuring HS256 with a PEM key is refused before any token is read.
    expect(
      code(() =>
        verifyBundle(withToken(`${input}.${mac}`), { key: rsa.publicKey, algorithm: "HS256" }),
      ),
    ).toBe("InvalidOptions");
    expect(
      code(() => verifyBundle(signed, { key: createPublicKey(rsa.publicKey), algorithm: "HS256" })),
    ).toBe("InvalidOptions");
    expect(code(() => verifyBundle(withToken(`${token}.x`), { key: rsa.publicKey }))).toBe(
      "SignatureInvalid",
    );
    const two = tamper(signed, (f) =>
      f.set(
        ".signatures.json",
        new TextEncoder().encode(JSON.stringify({ signatures: [token, token] })),
      ),
    );
    expect(code(() => verifyBundle(two, { key: rsa.publicKey }))).toBe("SignatureInvalid");
  });

  it("honours exp, nbf and iat with a bounded clock skew", () => {
    const now = 1_800_000_000;
    const at = (claims: Record<string, unknown>) =>
      signBundle(plainBundle(), { key: rsa.privateKey, claims });
    const verify = (b: Uint8Array) =>
      code(() => verifyBundle(b, { key: rsa.publicKey, now: () => now * 1000 }));
    expect(verify(at({ iat: now + 30 }))).toBeUndefined();
    expect(verify(at({ iat: now + 600 }))).toBe("TokenTime");
    expect(verify(at({ nbf: now + 600 }))).toBe("TokenTime");
    expect(verify(at({ exp: now - 600 }))).toBe("TokenTime");
    expect(verify(at({ exp: now - 30 }))).toBeUndefined();
    expect(verify(at({ exp: "soon" }))).toBe("TokenTime");
  });

  it("honours the manifest's roots", () => {
    expect(
      code(() =>
        verifyBundle(signBundle(plainBundle(), { key: rsa.privateKey, roots: ["app"] }), {
          key: rsa.publicKey,
        }),
      ),
    ).toBeUndefined();
    expect(
      code(() =>
        verifyBundle(signBundle(plainBundle(), { key: rsa.privateKey, roots: ["other"] }), {
          key: rsa.publicKey,
        }),
      ),
    ).toBe("ManifestInvalid");
    const outside = plainBundle({ "lib/x.rego": "package lib.x\n" });
    expect(
      code(() =>
        verifyBundle(signBundle(outside, { key: rsa.privateKey, roots: ["app"] }), {
          key: rsa.publicKey,
        }),
      ),
    ).toBe("ManifestInvalid");
  });
});

describe("hostile archives", () => {
  it("refuses an unsigned gzip bomb by default, without blocking the thread while it expands", async () => {
    // 100 MiB of zeros compress to about 100 KB: a cheap download, an expensive expansion.
    const bomb = writeBundleFiles([["x", new Uint8Array(100 * 1024 * 1024)]]);
    expect(bomb.length).toBeLessThan(200 * 1024);
    expect(DEFAULT_LIMITS.maxUnpackedBytes).toBe(64 * 1024 * 1024);
    expect(code(() => verifyBundle(bomb, { key: rsa.publicKey }))).toBe("InvalidBundle");
    // Under the limit it expands, then fails on the signature, with the thread free meanwhile.
    const below = writeBundleFiles([["x", new Uint8Array(48 * 1024 * 1024)]]);
    let turns = 0;
    let spinning = true;
    const spin = () => {
      if (!spinning) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const refused = await verifyBundleAsync(below, { key: rsa.publicKey }).catch((e) => e);
    spinning = false;
    expect(refused).toMatchObject({ code: "SignatureInvalid" });
    expect(turns).toBeGreaterThan(0);
  });

  it("does not parse an oversized .signatures.json", () => {
    const huge = `{"signatures":["${"a".repeat(2 * 1024 * 1024)}"]}`;
    const bundle = writeBundleFiles([[".signatures.json", new TextEncoder().encode(huge)]]);
    expect(() => verifyBundle(bundle, { key: rsa.publicKey })).toThrow(/more than 1048576/);
  });

  it("refuses path traversal, duplicates, truncation, gzip bombs, oversized and non-gzip input", () => {
    expect(
      code(() => readBundleFiles(writeBundleFiles([["../etc/passwd", new Uint8Array(1)]]))),
    ).toBe("InvalidBundle");
    expect(code(() => readBundleFiles(writeBundleFiles([["a/./b", new Uint8Array(1)]])))).toBe(
      "InvalidBundle",
    );
    const twice = writeBundleFiles([
      ["data.json", new TextEncoder().encode("{}")],
      ["data.json", new TextEncoder().encode('{"x":1}')],
    ]);
    expect(code(() => readBundleFiles(twice))).toBe("InvalidBundle");
    const whole = plainBundle();
    const tar = gunzipSync(whole);
    expect(code(() => readBundleFiles(gzipSync(tar.subarray(0, 700))))).toBe("InvalidBundle");
    expect(code(() => readBundleFiles(whole.subarray(0, whole.length - 10)))).toBe("InvalidBundle");
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(code(() => readBundleFiles(bomb, { maxUnpackedBytes: 1024 * 1024 }))).toBe(
      "InvalidBundle",
    );
    expect(code(() => readBundleFiles(whole, { maxBytes: 100 }))).toBe("InvalidBundle");
    expect(code(() => readBundleFiles(new TextEncoder().encode("<html>not a bundle</html>")))).toBe(
      "InvalidBundle",
    );
  });
});

describe("compatibility with the OPA CLI", () => {
  it.each([
    ["RS256", rsa.privateKey, rsa.publicKey],
    ["ES256", ec.privateKey, ec.publicKey],
    ["HS256", HMAC_SECRET, HMAC_SECRET],
  ] as const)(
    "opa build verifies a bundle keycard signed with %s, and refuses it tampered",
    (algorithm, key, publicKey) => {
      const dir = tempDir();
      const signed = signBundle(plainBundle(), {
        key,
        algorithm,
        keyId: "ci",
        scope: "prod",
        revision: "r1",
      });
      writeFileSync(join(dir, "signed.tar.gz"), signed);
      writeFileSync(join(dir, "verify.key"), publicKey);
      const verifyArgs = (file: string) => [
        "build",
        "-b",
        file,
        "--verification-key",
        join(dir, "verify.key"),
        "--verification-key-id",
        "ci",
        "--signing-alg",
        algorithm,
        "--scope",
        "prod",
        "-o",
        join(dir, "out.tar.gz"),
      ];
      const ok = runOpa(verifyArgs(join(dir, "signed.tar.gz")));
      expect(ok.output).toBe("");
      expect(ok.code).toBe(0);
      const bad = tamper(signed, (f) =>
        f.set("data.json", new TextEncoder().encode('{"app":{"n":2}}')),
      );
      writeFileSync(join(dir, "bad.tar.gz"), bad);
      const refused = runOpa(verifyArgs(join(dir, "bad.tar.gz")));
      expect(refused.code).not.toBe(0);
      expect(refused.output).toMatch(/digest mismatch/);
    },
  );

  it.each([
    ["RS256", rsa.privateKey, rsa.publicKey],
    ["ES256", ec.privateKey, ec.publicKey],
    ["HS256", HMAC_SECRET, HMAC_SECRET],
  ] as const)(
    "keycard verifies a bundle opa build signed with %s, JSON canonical form included",
    (algorithm, key, publicKey) => {
      const dir = tempDir();
      const src = opaSourceTree(dir, {
        "app/p.rego": "package app\n\nallow if input.a == 1\n",
        "data.json":
          '{ "app": { "n": 1.0, "e": 1E3, "s": "<a>&\\u2028é", "z": [1, {"b": 2, "a": 1}] } }',
        ".manifest": JSON.stringify({ revision: "opa-r1", roots: ["app"] }),
      });
      writeFileSync(join(dir, "signing.key"), key);
      // OPA's --scope only applies to verification; a signer's scope comes from a claims file.
      writeFileSync(join(dir, "claims.json"), JSON.stringify({ scope: "prod" }));
      const built = runOpa([
        "build",
        "-b",
        src,
        "--signing-key",
        join(dir, "signing.key"),
        "--signing-alg",
        algorithm,
        "--claims-file",
        join(dir, "claims.json"),
        "-o",
        join(dir, "opa.tar.gz"),
      ]);
      expect(built.output).toBe("");
      const bundle = readFileSync(join(dir, "opa.tar.gz"));
      const verified = verifyBundle(bundle, { key: publicKey, algorithm, scope: "prod" });
      expect(verified.revision).toBe("opa-r1");
      expect(code(() => verifyBundle(bundle, { key: publicKey, algorithm }))).toBe("ScopeMismatch");
    },
  );
});
