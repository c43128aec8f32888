import { decodeService, decompress, type ServiceData } from "./encoding.js";
import { IamReferenceError } from "./errors.js";
import { SERVICE_KEYS, SERVICE_NAMES, SERVICES } from "./generated/tables.js";

let names: Readonly<Record<string, string>> | undefined;
let keys: readonly string[] | undefined;
let positions: ReadonlyMap<string, number> | undefined;
const decoded = new Map<string, ServiceData>();

/** Service key → name, parsed on first use. @internal */
export function serviceNames(): Readonly<Record<string, string>> {
  names ??= JSON.parse(SERVICE_NAMES) as Record<string, string>;
  return names;
}

/** Every service key, in the reference's order, split on first use. @internal */
export function serviceKeys(): readonly string[] {
  keys ??= SERVICE_KEYS.split(" ");
  return keys;
}

/** A service's place in `SERVICES`; a Map, so `constructor` or `__proto__` are not services. */
function position(key: string): number | undefined {
  positions ??= new Map(serviceKeys().map((k, i) => [k, i]));
  return positions.get(key);
}

/** Whether a lower-case key names a service. @internal */
export function hasService(key: string): boolean {
  return position(key) !== undefined;
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
  const at = position(key);
  if (at === undefined) {
    throw new IamReferenceError("UNKNOWN_SERVICE", `Service ${key} does not exist`);
  }
  try {
    data = decodeService(decompress(SERVICES[at]!));
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
