import { decodeService, type ServiceData } from "./encoding.js";
import { IamReferenceError } from "./errors.js";
import { SERVICE_LOADERS, SERVICE_NAMES } from "./generated/index.js";

let names: Readonly<Record<string, string>> | undefined;
const loaded = new Map<string, ServiceData>();
const loading = new Map<string, Promise<ServiceData>>();

/** Service key → name, parsed on first use. @internal */
export function serviceNames(): Readonly<Record<string, string>> {
  names ??= JSON.parse(SERVICE_NAMES) as Record<string, string>;
  return names;
}

/** Own keys only: `constructor` or `__proto__` are not services. @internal */
export function hasService(key: string): boolean {
  return Object.hasOwn(serviceNames(), key);
}

/**
 * One service's tables, decoded once; later and concurrent calls share the result.
 * @param key - lower-case service key
 * @internal
 */
export function serviceData(key: string): Promise<ServiceData> {
  const done = loaded.get(key);
  if (done) return Promise.resolve(done);
  let pending = loading.get(key);
  if (!pending) {
    const load = Object.hasOwn(SERVICE_LOADERS, key) ? SERVICE_LOADERS[key] : undefined;
    if (!load) {
      return Promise.reject(
        new IamReferenceError("UNKNOWN_SERVICE", `Service ${key} does not exist`),
      );
    }
    pending = load().then(
      (module) => {
        const data = decodeService(module.default);
        loaded.set(key, data);
        loading.delete(key);
        return data;
      },
      (cause: unknown) => {
        loading.delete(key);
        throw new IamReferenceError(
          "DATA_UNAVAILABLE",
          `IAM reference data for ${key} could not be loaded`,
          { cause },
        );
      },
    );
    loading.set(key, pending);
  }
  return pending;
}
