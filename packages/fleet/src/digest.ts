import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";
import { FleetError } from "./errors.js";

/** OPA's names for the digests a signature may use, with node:crypto's names. */
const HASHES: Readonly<Record<string, string>> = {
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

/** Files OPA digests in canonical JSON form rather than as bytes. */
function isStructured(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base === "data.json" || base === ".manifest" || base === ".signatures.json";
}

/**
 * A file's digest as OPA computes it for a signature: the bytes for policy and wasm files,
 * the canonical JSON for `data.json` and `.manifest`. MD5 and SHA-1, which OPA also
 * accepts, are refused.
 * @internal
 */
export function fileDigest(path: string, body: Uint8Array, algorithm = "SHA-256"): string {
  const hash = HASHES[algorithm];
  if (!hash)
    throw new FleetError(
      "DigestMismatch",
      `${path}: the digest algorithm ${JSON.stringify(algorithm)} is not accepted`,
    );
  const content = isStructured(path) ? canonicalJson(utf8(path, body)) : body;
  return createHash(hash).update(content).digest("hex");
}

function utf8(path: string, body: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch (cause) {
    throw new FleetError("InvalidBundle", `${path} is not valid UTF-8`, { cause });
  }
}
