import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from "node:crypto";
import { FleetError } from "./errors.js";

/** The JWS algorithms OPA's bundle signing supports and keycard accepts. @public */
export type SigningAlgorithm = "RS256" | "ES256" | "HS256";

/** Accepted algorithms; `none` and everything else are refused outright. @internal */
export const ALGORITHMS: ReadonlyArray<SigningAlgorithm> = ["RS256", "ES256", "HS256"];

/** A key as PEM text, raw bytes (HS256 secrets) or a node:crypto KeyObject. @public */
export type KeyInput = string | Uint8Array | KeyObject;

/** The most a compact token may hold; a bundle's file list is small. */
const MAX_TOKEN_CHARS = 1024 * 1024;

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");

function isPem(key: KeyInput): boolean {
  const text =
    typeof key === "string"
      ? key
      : key instanceof Uint8Array
        ? Buffer.from(key).toString("latin1")
        : "";
  return text.includes("-----BEGIN");
}

/**
 * The key a given algorithm needs, refusing a key of the wrong kind. An HS256 secret that is
 * PEM text or an asymmetric KeyObject is refused: verifying HMAC with a published RSA public
 * key as the secret is the classic key-confusion attack.
 */
function keyFor(alg: SigningAlgorithm, key: KeyInput, use: "sign" | "verify"): KeyObject | Buffer {
  if (alg === "HS256") {
    if (
      isPem(key) ||
      (typeof key === "object" && !(key instanceof Uint8Array) && key.type !== "secret")
    ) {
      throw new FleetError(
        "InvalidOptions",
        "HS256 needs a shared secret, not a PEM or asymmetric key",
      );
    }
    const secret =
      typeof key === "string"
        ? Buffer.from(key, "utf8")
        : key instanceof Uint8Array
          ? Buffer.from(key)
          : key.export();
    if (secret.length < 32)
      throw new FleetError("InvalidOptions", "an HS256 secret must have at least 32 bytes");
    return secret;
  }
  let object: KeyObject;
  try {
    if (typeof key === "object" && !(key instanceof Uint8Array)) object = key;
    else if (use === "sign")
      object = createPrivateKey(typeof key === "string" ? key : Buffer.from(key));
    else object = createPublicKey(typeof key === "string" ? key : Buffer.from(key));
  } catch (cause) {
    throw new FleetError(
      "InvalidOptions",
      `cannot read the ${alg} ${use === "sign" ? "signing" : "verification"} key`,
      { cause },
    );
  }
  if (object.type === "secret")
    throw new FleetError("InvalidOptions", `${alg} needs an asymmetric key, not a secret`);
  const expected = alg === "RS256" ? "rsa" : "ec";
  if (object.asymmetricKeyType !== expected) {
    throw new FleetError(
      "InvalidOptions",
      `${alg} needs an ${expected.toUpperCase()} key (got ${object.asymmetricKeyType})`,
    );
  }
  if (alg === "ES256" && object.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new FleetError("InvalidOptions", "ES256 needs a P-256 key");
  }
  if (use === "verify" && object.type === "private") return createPublicKey(object);
  return object;
}

/** Checks a key once, so a bad key fails when options are read rather than at the first bundle. @internal */
export function checkKey(alg: SigningAlgorithm, key: KeyInput, use: "sign" | "verify"): void {
  keyFor(alg, key, use);
}

/** Signs a JSON payload as a compact JWS. @internal */
export function signJws(
  payload: string,
  alg: SigningAlgorithm,
  key: KeyInput,
  header: Record<string, string>,
): string {
  const input = `${b64url(JSON.stringify({ alg, ...header }))}.${b64url(payload)}`;
  const k = keyFor(alg, key, "sign");
  let signature: Buffer;
  if (alg === "HS256")
    signature = createHmac("sha256", k as Buffer)
      .update(input)
      .digest();
  else
    signature = sign("sha256", Buffer.from(input), {
      key: k as KeyObject,
      dsaEncoding: "ieee-p1363",
    });
  return `${input}.${b64url(signature)}`;
}

/** A verified token's header and payload. @internal */
export interface VerifiedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** Reads a compact token's header without trusting it, to pick the key by `kid`. @internal */
export function peekHeader(token: string): Record<string, unknown> {
  if (typeof token !== "string" || token.length > MAX_TOKEN_CHARS) {
    throw new FleetError(
      "SignatureInvalid",
      "the signature token is not a string of reasonable size",
    );
  }
  const parts = token.split(".");
  if (parts.length !== 3)
    throw new FleetError("SignatureInvalid", "the signature is not a compact JWS (three parts)");
  return decodeJson(parts[0] ?? "", "header");
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part))
    throw new FleetError("SignatureInvalid", `the token ${what} is not base64url`);
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch (cause) {
    throw new FleetError("SignatureInvalid", `the token ${what} is not a JSON object`, { cause });
  }
}

/**
 * Verifies a compact JWS with one configured algorithm and key. The header's `alg` must be
 * that algorithm: the token never chooses how it is checked.
 * @internal
 */
export function verifyJws(token: string, alg: SigningAlgorithm, key: KeyInput): VerifiedJws {
  const header = peekHeader(token);
  if (header.alg !== alg) {
    throw new FleetError(
      "SignatureInvalid",
      `the token is signed with ${JSON.stringify(header.alg)} but the verification key is for ${alg}`,
    );
  }
  if (header.crit !== undefined)
    throw new FleetError(
      "SignatureInvalid",
      "the token has critical header parameters keycard does not understand",
    );
  const [h, p, s] = token.split(".") as [string, string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(s))
    throw new FleetError("SignatureInvalid", "the token signature is not base64url");
  const input = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, "base64url");
  const k = keyFor(alg, key, "verify");
  let ok: boolean;
  if (alg === "HS256") {
    const expected = createHmac("sha256", k as Buffer)
      .update(input)
      .digest();
    ok = expected.length === signature.length && timingSafeEqual(expected, signature);
  } else {
    ok = verify("sha256", input, { key: k as KeyObject, dsaEncoding: "ieee-p1363" }, signature);
  }
  if (!ok)
    throw new FleetError(
      "SignatureInvalid",
      "the bundle signature does not verify with the configured key",
    );
  return { header, payload: decodeJson(p, "payload") };
}
