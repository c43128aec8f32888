import { decodeService, decompress, type ServiceData } from "./encoding.js";
import { IamReferenceError } from "./errors.js";
import { SERVICE_NAMES, SERVICES } from "./generated/tables.js";

let names: Readonly<Record<string, string>> | undefined;
const decoded = new Map<string, ServiceData>();

/** Service key → name, parsed on first use. @internal */
export function serviceNames(): Readonly<Record<string, string>> {
  names ??= JSON.parse(SERVICE_NAMES) as Record<string, string>;
  return names;
}

/** Own keys only: `constructor` or `__proto__` are not services. @internal */
export function hasService(key: string): boolean {
  return Object.hasOwn(SERVICES, key);
}

/**
 * One service's tables, decoded on first use and kept for the life of the process.
 * @param key - lower-case service key
 * @throws IamReferenceError `UNKNOWN_SERVICE`, or `DATA_UNAVAILABLE` if the tables are corrupt
 * @internal
 */
export function serviceData(key: string): ServiceData {
  let data = decoded.get(key);
  if (data) return data;
  if (!hasService(key)) {
    throw new IamReferenceError("UNKNOWN_SERVICE", `Service ${key} does not exist`);
  }
  try {
    data = decodeService(decompress(SERVICES[key]!));
  } catch (cause) {
    throw new IamReferenceError(
      "DATA_UNAVAILABLE",
      `IAM reference data for ${key} could not be decoded`,
      { cause },
    );
  }
  decoded.set(key, data);
  return data;
}
