import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import {
  type KeyInput,
  type SignBundleOptions,
  type SigningAlgorithm,
  signBundle,
  verifyBundle,
} from "@keycard/fleet";
import { oneOf } from "../args.js";
import { CliError } from "../errors.js";

/** The signing flags `keycard build` takes, in `parseArgs` form. @internal */
export const signingOptions = {
  "signing-key": { type: "string" },
  "signing-alg": { type: "string" },
  "signing-key-id": { type: "string" },
  scope: { type: "string" },
  revision: { type: "string" },
} as const;

/** The help lines for {@link signingOptions}. @internal */
export const SIGNING_HELP = `      --signing-key <pem>     sign the bundle in OPA's format (.signatures.json); a PEM
                              private key file, or for HS256 a file holding the secret
      --signing-alg <alg>     RS256 (default), ES256 or HS256
      --signing-key-id <id>   the key id verifiers select the key by (default: default)
      --scope <scope>         a scope claim verifiers must be configured with
      --revision <rev>        the manifest revision, for example the commit SHA`;

/** What signing did, for the summary. @internal */
export interface SigningResult {
  algorithm: SigningAlgorithm;
  keyId: string;
  revision: string;
}

type SigningValues = { [K in keyof typeof signingOptions]?: string | undefined };

/** Signing settings read from the flags, with the key already loaded and checked. @internal */
export interface SigningRequest {
  options: SignBundleOptions & { algorithm: SigningAlgorithm; keyId: string };
  /** What verifies the result: the public half, or the HS256 secret. */
  verificationKey: KeyInput;
}

/**
 * Reads the signing flags before anything is built, so a missing key, an unknown algorithm
 * or a key of the wrong kind fails at once. Undefined when the bundle is not to be signed.
 * @internal
 */
export async function readSigningRequest(
  values: SigningValues,
  cwd: string,
  verb: string,
): Promise<SigningRequest | undefined> {
  const keyFile = values["signing-key"];
  if (keyFile === undefined) {
    const stray = (["signing-alg", "signing-key-id", "scope", "revision"] as const).find(
      (flag) => values[flag] !== undefined,
    );
    if (stray) throw new CliError("UsageError", `--${stray} needs --signing-key`, { verb });
    return undefined;
  }
  const algorithm = oneOf(
    verb,
    values["signing-alg"],
    "--signing-alg",
    ["RS256", "ES256", "HS256"],
    "RS256",
  );
  let key: Buffer;
  try {
    key = await readFile(resolve(cwd, keyFile));
  } catch (cause) {
    throw new CliError("UsageError", `cannot read the signing key ${keyFile}`, { cause, verb });
  }
  try {
    // HS256 secrets are often written with a trailing newline; it is not part of the secret.
    const secret = algorithm === "HS256" ? key.toString("utf8").replace(/\r?\n$/, "") : key;
    const verificationKey =
      algorithm === "HS256"
        ? secret
        : createPublicKey(createPrivateKey(key)).export({ type: "spki", format: "pem" });
    const options = {
      key: secret,
      algorithm,
      keyId: values["signing-key-id"] ?? "default",
      ...(values.scope !== undefined ? { scope: values.scope } : {}),
      ...(values.revision !== undefined ? { revision: values.revision } : {}),
    };
    // Signing an empty bundle checks the key's kind against the algorithm before the build.
    signBundle(EMPTY_BUNDLE, options);
    return { options, verificationKey };
  } catch (cause) {
    throw new CliError("UsageError", `cannot sign with ${keyFile}: ${messageOf(cause)}`, {
      cause,
      verb,
    });
  }
}

const EMPTY_BUNDLE = gzipSync(Buffer.alloc(1024));

function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/**
 * Signs the built bundle in place, then verifies it with the key's public half so a bundle
 * that would not verify is never left behind as signed.
 * @internal
 */
export async function signBuiltBundle(
  request: SigningRequest,
  output: string,
  verb: string,
): Promise<SigningResult> {
  try {
    const signed = signBundle(await readFile(output), request.options);
    const verified = verifyBundle(signed, { ...request.options, key: request.verificationKey });
    await writeFile(output, signed);
    return {
      algorithm: request.options.algorithm,
      keyId: request.options.keyId,
      revision: verified.revision,
    };
  } catch (cause) {
    throw new CliError("UsageError", `cannot sign the bundle: ${messageOf(cause)}`, {
      cause,
      verb,
    });
  }
}
