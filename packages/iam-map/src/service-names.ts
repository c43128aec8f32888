import { iamServiceExistsSync, iamServiceKeysSync } from "@keycard/iam-reference";
import { sdkServices, unsignedOperations } from "./data/sdk-services.js";
import { signingNameExceptions } from "./exceptions.js";
import { ownMember } from "./object-prototype.js";

/** A service resolved from any of its names. @internal */
export interface ServiceIdentity {
  /** IAM prefix, or null when AWS publishes no IAM reference for the service. */
  readonly prefix: string | null;
  /** The SDK's service id when the service has an SDK client. */
  readonly sdkId?: string;
  /** Operations AWS accepts unsigned, so checks no permission for. */
  readonly unsigned: ReadonlySet<string>;
}

/** Set once a caller has asked for services to be loaded: names resolve from then on. */
let ready = false;
/** Names as given, resolved: most calls name their client the same way every time. */
const resolved = new Map<string, ServiceIdentity>();

/** Lower-case letters and digits only, so `Secrets Manager`, `secrets-manager` and `SecretsManager` meet. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Each SDK service's identity by its place in the table, made the first time a name resolves to
 * it. A map, not a list: writing a list's entry it does not have yet would hand the list and the
 * identity to a setter code in the process put on `Array.prototype`, to keep and change.
 */
const sdkIdentities = new Map<number, ServiceIdentity>();
/** Identities of IAM prefixes named directly (no SDK service has the name). */
const prefixIdentities = new Map<string, ServiceIdentity>();

function sdkIdentity(i: number): ServiceIdentity {
  let identity = sdkIdentities.get(i);
  if (identity === undefined) {
    const [sdkId, signingName, endpointPrefix] = sdkServices()[i]!;
    const exception = ownMember(signingNameExceptions, signingName.toLowerCase());
    let prefix: string | null;
    if (exception !== undefined) prefix = exception;
    else if (isPrefix(signingName)) prefix = signingName;
    else if (isPrefix(endpointPrefix)) prefix = endpointPrefix;
    else prefix = null;
    const ops = ownMember(unsignedOperations(), sdkId);
    identity = Object.freeze({ prefix, sdkId, unsigned: ops ? new Set(ops) : NONE });
    sdkIdentities.set(i, identity);
  }
  return identity;
}

/** An IAM prefix exactly as the reference spells it (all lower case). */
function isPrefix(name: string): boolean {
  return name === name.toLowerCase() && iamServiceExistsSync(name);
}

/**
 * The character a name's normalized form starts with (lower-case), or -1 when that is not simply
 * its first character. Names whose first characters differ cannot normalize to the same text,
 * so most entries are passed over without being normalized.
 */
function lead(name: string): number {
  const c = name.charCodeAt(0);
  if (c >= 0x61 && c <= 0x7a) return c;
  if (c >= 0x41 && c <= 0x5a) return c + 0x20;
  if (c >= 0x30 && c <= 0x39) return c;
  return -1;
}

/**
 * The identity a lower-case, normalized or exact name stands for. Every SDK service answers to
 * its signing name (as given and normalized), its SDK id normalized and that with `client`; an
 * IAM prefix to itself and its normalized form. A name an SDK service answers to wins over an IAM
 * prefix, and among SDK services (or among prefixes) the later one in the table wins.
 */
function lookup(key: string): ServiceIdentity | undefined {
  if (key.length === 0) return undefined;
  const c = key.charCodeAt(0);
  const services = sdkServices();
  for (let i = services.length - 1; i >= 0; i--) {
    const [sdkId, signingName] = services[i]!;
    const s = lead(signingName);
    if ((s === c || s < 0) && (signingName.toLowerCase() === key || normalize(signingName) === key))
      return sdkIdentity(i);
    const d = lead(sdkId);
    if (d === c || d < 0) {
      const n = normalize(sdkId);
      if (n === key || `${n}client` === key) return sdkIdentity(i);
    }
  }
  const prefixes = iamServiceKeysSync();
  for (let i = prefixes.length - 1; i >= 0; i--) {
    const prefix = prefixes[i]!;
    const p = lead(prefix);
    if ((p === c || p < 0) && (prefix === key || normalize(prefix) === key)) {
      let identity = prefixIdentities.get(prefix);
      if (identity === undefined) {
        identity = Object.freeze({ prefix, unsigned: NONE });
        prefixIdentities.set(prefix, identity);
      }
      return identity;
    }
  }
  return undefined;
}

/**
 * Makes names resolve (nothing is built: each name is looked up in the tables the first time
 * it is seen). @internal
 */
export function loadServiceIndexSync(): void {
  ready = true;
}

/**
 * Resolves an SDK client name, SDK service id, SigV4 signing name or IAM prefix. Returns
 * undefined for names nobody uses, and also before {@link loadServiceIndexSync}.
 * @internal
 */
export function resolveService(name: string): ServiceIdentity | undefined {
  if (!ready || typeof name !== "string" || name.length === 0 || name.length > 200)
    return undefined;
  const known = resolved.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  const key = normalize(name);
  const identity =
    lookup(lower) ?? lookup(key) ?? (key.endsWith("client") ? lookup(key.slice(0, -6)) : undefined);
  // Bounded: names come from the application.
  if (identity !== undefined && resolved.size < 1000) resolved.set(name, identity);
  return identity;
}

/** True once names resolve. @internal */
export function serviceIndexReady(): boolean {
  return ready;
}
