import { iamServiceKeys } from "@keycard/iam-reference";
import { sdkServices, unsignedOperations } from "./data/sdk-services.js";
import { signingNameExceptions } from "./exceptions.js";

/** A service resolved from any of its names. @internal */
export interface ServiceIdentity {
  /** IAM prefix, or null when AWS publishes no IAM reference for the service. */
  readonly prefix: string | null;
  /** The SDK's service id when the service has an SDK client. */
  readonly sdkId?: string;
  /** Operations AWS accepts unsigned, so checks no permission for. */
  readonly unsigned: ReadonlySet<string>;
}

let index: Map<string, ServiceIdentity> | undefined;
let building: Promise<Map<string, ServiceIdentity>> | undefined;

/** Lower-case letters and digits only, so `Secrets Manager`, `secrets-manager` and `SecretsManager` meet. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function build(iamPrefixes: readonly string[]): Map<string, ServiceIdentity> {
  const known = new Set(iamPrefixes);
  const map = new Map<string, ServiceIdentity>();
  const none: ReadonlySet<string> = new Set();
  // Least specific first, so SDK names and signing names win over a bare IAM prefix.
  for (const prefix of iamPrefixes) {
    map.set(prefix, { prefix, unsigned: none });
    map.set(normalize(prefix), { prefix, unsigned: none });
  }
  for (const [sdkId, signingName, endpointPrefix] of sdkServices) {
    const exception = signingNameExceptions[signingName.toLowerCase()];
    let prefix: string | null;
    if (exception !== undefined) prefix = exception;
    else if (known.has(signingName)) prefix = signingName;
    else if (known.has(endpointPrefix)) prefix = endpointPrefix;
    else prefix = null;
    const ops = unsignedOperations[sdkId];
    const identity: ServiceIdentity = { prefix, sdkId, unsigned: ops ? new Set(ops) : none };
    map.set(signingName.toLowerCase(), identity);
    map.set(normalize(signingName), identity);
    map.set(normalize(sdkId), identity);
    map.set(`${normalize(sdkId)}client`, identity);
  }
  return map;
}

/** Builds the name index once (the IAM prefix list is read asynchronously). @internal */
export function loadServiceIndex(): Promise<Map<string, ServiceIdentity>> {
  if (index) return Promise.resolve(index);
  building ??= iamServiceKeys().then((keys) => {
    index = build(keys);
    return index;
  });
  return building;
}

/**
 * Resolves an SDK client name, SDK service id, SigV4 signing name or IAM prefix. Returns
 * undefined for names nobody uses, and also before {@link loadServiceIndex} has finished.
 * @internal
 */
export function resolveService(name: string): ServiceIdentity | undefined {
  if (!index || typeof name !== "string" || name.length === 0 || name.length > 200)
    return undefined;
  const lower = name.toLowerCase();
  const direct = index.get(lower);
  if (direct) return direct;
  const key = normalize(name);
  return index.get(key) ?? (key.endsWith("client") ? index.get(key.slice(0, -6)) : undefined);
}

/** True once the name index is built. @internal */
export function serviceIndexReady(): boolean {
  return index !== undefined;
}
