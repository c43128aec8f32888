import { type BundleLimits, readBundleFiles, writeBundleFiles } from "./archive.js";
import { fileDigest } from "./digest.js";
import { FleetError } from "./errors.js";
import { ALGORITHMS, type KeyInput, type SigningAlgorithm, signJws } from "./jws.js";
import { parseManifest } from "./manifest.js";

/** Options for {@link signBundle}. @public */
export interface SignBundleOptions extends BundleLimits {
  /** The private key (PEM for RS256/ES256) or shared secret (HS256, at least 32 bytes). */
  key: KeyInput;
  /** Defaults to RS256, as `opa build --signing-alg` does. */
  algorithm?: SigningAlgorithm;
  /** The `kid` the verifier picks its key by. Defaults to `default`, as OPA's. */
  keyId?: string;
  /** A `scope` claim the verifier must be configured with. */
  scope?: string;
  /** Sets the manifest's `revision` before signing. */
  revision?: string;
  /** Sets the manifest's `roots` before signing. */
  roots?: string[];
  /** Extra claims for the token, such as `exp` or `iss`. */
  claims?: Record<string, unknown>;
}

/**
 * Signs a bundle in OPA's format: `.signatures.json` holds one JWT whose payload lists every
 * other file with its SHA-256 digest. `opa run --verification-key` and {@link verifyBundle}
 * both accept the result. An existing signature is replaced.
 *
 * @example
 * ```ts
 * const signed = signBundle(await readFile("bundle.tar.gz"), { key: privatePem, revision: gitSha });
 * ```
 * @public
 */
export function signBundle(bundle: Uint8Array, options: SignBundleOptions): Uint8Array {
  const algorithm = options.algorithm ?? "RS256";
  if (!ALGORITHMS.includes(algorithm)) {
    throw new FleetError(
      "InvalidOptions",
      `the signing algorithm must be one of ${ALGORITHMS.join(", ")}`,
    );
  }
  const files = readBundleFiles(bundle, options);
  files.delete(".signatures.json");
  if (options.revision !== undefined || options.roots !== undefined || !files.has(".manifest")) {
    const manifest = parseManifest(files.get(".manifest"));
    if (options.revision !== undefined) manifest.revision = options.revision;
    if (options.roots !== undefined) manifest.roots = options.roots;
    files.set(".manifest", new TextEncoder().encode(JSON.stringify(manifest)));
  }
  const keyId = options.keyId ?? "default";
  const entries = [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const payload = {
    files: entries.map(([name, body]) => ({
      name,
      hash: fileDigest(name, body),
      algorithm: "SHA-256",
    })),
    ...options.claims,
    keyid: keyId,
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
  };
  const token = signJws(JSON.stringify(payload), algorithm, options.key, {
    kid: keyId,
    typ: "JWT",
  });
  const signatures = new TextEncoder().encode(
    JSON.stringify({ signatures: [token], plugin: "_default" }),
  );
  return writeBundleFiles([[".signatures.json", signatures], ...entries]);
}
