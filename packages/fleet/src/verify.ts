import { type BundleLimits, readBundleFiles, readBundleFilesAsync } from "./archive.js";
import { fileDigest } from "./digest.js";
import { FleetError } from "./errors.js";
import {
  ALGORITHMS,
  checkKey,
  type KeyInput,
  peekHeader,
  type SigningAlgorithm,
  verifyJws,
} from "./jws.js";
import { type BundleManifest, checkRoots, parseManifest } from "./manifest.js";

/** How to verify a signed bundle. @public */
export interface VerificationOptions {
  /** The public key (PEM, RS256/ES256) or shared secret (HS256). */
  key: KeyInput;
  /** Defaults to RS256. The token's `alg` must match; it never chooses. */
  algorithm?: SigningAlgorithm;
  /**
   * The key id the token must name (header `kid`, else the payload's `keyid`). Defaults to
   * `default`, the id `opa build --signing-key` writes. A token naming another key is refused.
   */
  keyId?: string;
  /** The `scope` the token must carry; a token with another scope, or none, is refused. */
  scope?: string;
  /** Seconds of clock difference tolerated for `exp`, `nbf` and `iat`. Defaults to 60. */
  clockSkewSeconds?: number;
  /** The current time, for tests. */
  now?: () => number;
}

/** Options for {@link verifyBundle}. @public */
export interface VerifyBundleOptions extends VerificationOptions, BundleLimits {}

/** What {@link verifyBundle} proved about a bundle. @public */
export interface VerifiedBundle {
  /** The bundle's files, each covered by the signature (`.signatures.json` aside). */
  files: ReadonlyMap<string, Uint8Array>;
  manifest: BundleManifest;
  /** The manifest's revision. */
  revision: string;
  /** The key id the signature was checked with. */
  keyId: string;
}

/** Checks verification options once, at start-up. @internal */
export function checkVerificationOptions(options: VerificationOptions): void {
  const algorithm = options.algorithm ?? "RS256";
  if (!ALGORITHMS.includes(algorithm)) {
    throw new FleetError(
      "InvalidOptions",
      `the verification algorithm must be one of ${ALGORITHMS.join(", ")}`,
    );
  }
  checkKey(algorithm, options.key, "verify");
}

/**
 * Verifies a bundle signed in OPA's format before anything in it is used: exactly one JWT,
 * signed with the configured algorithm and key, naming the configured key id and scope, within
 * its validity times; every file present is listed with a matching digest and every listed
 * file is present; the manifest's roots cover the data and packages. Throws a
 * {@link FleetError} saying which rule failed.
 *
 * @example
 * ```ts
 * const { revision } = verifyBundle(bytes, { key: publicPem });
 * ```
 * @public
 */
export function verifyBundle(bundle: Uint8Array, options: VerifyBundleOptions): VerifiedBundle {
  checkVerificationOptions(options);
  return verifyFiles(readBundleFiles(bundle, options), options);
}

/**
 * {@link verifyBundle} with the gunzip off the application's thread, for the watcher.
 * @internal
 */
export async function verifyBundleAsync(
  bundle: Uint8Array,
  options: VerifyBundleOptions,
): Promise<VerifiedBundle> {
  checkVerificationOptions(options);
  return verifyFiles(await readBundleFilesAsync(bundle, options), options);
}

function verifyFiles(files: Map<string, Uint8Array>, options: VerifyBundleOptions): VerifiedBundle {
  // The signature is checked before any other file is hashed or decoded, so an unsigned or
  // forged download costs its gunzip and nothing more.
  const keyId = verifySignature(files, options);
  const manifest = parseManifest(files.get(".manifest"));
  checkRoots(manifest, files);
  return { files, manifest, revision: manifest.revision, keyId };
}

const MAX_SIGNATURES_BYTES = 1024 * 1024;

function verifySignature(files: Map<string, Uint8Array>, options: VerifyBundleOptions): string {
  const raw = files.get(".signatures.json");
  if (!raw)
    throw new FleetError("SignatureInvalid", "the bundle is not signed (no .signatures.json)");
  // One JWT listing a bundle's files fits easily; anything larger is not parsed at all.
  if (raw.byteLength > MAX_SIGNATURES_BYTES)
    throw new FleetError(
      "SignatureInvalid",
      `.signatures.json has ${raw.byteLength} bytes, more than ${MAX_SIGNATURES_BYTES}`,
    );
  let signatures: unknown;
  try {
    signatures = (JSON.parse(new TextDecoder().decode(raw)) as { signatures?: unknown }).signatures;
  } catch (cause) {
    throw new FleetError("SignatureInvalid", ".signatures.json is not valid JSON", { cause });
  }
  if (!Array.isArray(signatures) || signatures.length !== 1 || typeof signatures[0] !== "string") {
    throw new FleetError("SignatureInvalid", ".signatures.json must hold exactly one JWT");
  }
  const token = signatures[0];
  const algorithm = options.algorithm ?? "RS256";
  const expectedKeyId = options.keyId ?? "default";
  const header = peekHeader(token);
  const { payload } = verifyJws(token, algorithm, options.key);
  const named = typeof header.kid === "string" && header.kid !== "" ? header.kid : payload.keyid;
  if (named !== undefined && named !== expectedKeyId) {
    throw new FleetError(
      "KeyIdMismatch",
      `the bundle is signed with key ${JSON.stringify(named)}, not ${JSON.stringify(expectedKeyId)}`,
    );
  }
  const scope = payload.scope ?? "";
  if (scope !== (options.scope ?? "")) {
    throw new FleetError(
      "ScopeMismatch",
      `the signature's scope ${JSON.stringify(scope)} is not ${JSON.stringify(options.scope ?? "")}`,
    );
  }
  checkTimes(payload, options);
  const listed = new Map<string, { hash: string; algorithm: string }>();
  if (!Array.isArray(payload.files))
    throw new FleetError("SignatureInvalid", "the signature lists no files");
  for (const entry of payload.files as unknown[]) {
    const e = entry as { name?: unknown; hash?: unknown; algorithm?: unknown };
    if (
      typeof e?.name !== "string" ||
      typeof e.hash !== "string" ||
      typeof e.algorithm !== "string"
    ) {
      throw new FleetError(
        "SignatureInvalid",
        "the signature lists a file without name, hash or algorithm",
      );
    }
    listed.set(e.name.replace(/^\/+/, ""), { hash: e.hash.toLowerCase(), algorithm: e.algorithm });
  }
  for (const [path, body] of files) {
    if (path === ".signatures.json") continue;
    const signed = listed.get(path);
    if (!signed)
      throw new FleetError("DigestMismatch", `${path} is not covered by the bundle signature`);
    if (fileDigest(path, body, signed.algorithm) !== signed.hash) {
      throw new FleetError("DigestMismatch", `${path} does not match its signed digest`);
    }
    listed.delete(path);
  }
  if (listed.size > 0) {
    throw new FleetError(
      "DigestMismatch",
      `the signature lists ${[...listed.keys()].join(", ")}, missing from the bundle`,
    );
  }
  return expectedKeyId;
}

/** OPA does not read these claims; keycard honours them when a publisher sets them. */
function checkTimes(payload: Record<string, unknown>, options: VerificationOptions): void {
  const now = (options.now ?? Date.now)() / 1000;
  const skew = options.clockSkewSeconds ?? 60;
  const time = (name: string) => {
    const value = payload[name];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new FleetError("TokenTime", `the token's ${name} is not a number of seconds`);
    }
    return value;
  };
  const exp = time("exp");
  const nbf = time("nbf");
  const iat = time("iat");
  if (exp !== undefined && now > exp + skew)
    throw new FleetError(
      "TokenTime",
      `the bundle signature expired at ${new Date(exp * 1000).toISOString()}`,
    );
  if (nbf !== undefined && now + skew < nbf)
    throw new FleetError(
      "TokenTime",
      `the bundle signature is not valid before ${new Date(nbf * 1000).toISOString()}`,
    );
  if (iat !== undefined && now + skew < iat)
    throw new FleetError(
      "TokenTime",
      `the bundle signature was issued in the future (${new Date(iat * 1000).toISOString()}); check the clocks`,
    );
}
