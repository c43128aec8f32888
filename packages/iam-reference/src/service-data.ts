import { decodeService, decompress, type ServiceData } from "./encoding.js";
import { IamReferenceError } from "./errors.js";
import {
  SERVICE_GROUPS,
  SERVICE_KEYS,
  SERVICE_NAMES,
  SERVICES_PER_GROUP,
} from "./generated/tables.js";

let names: Readonly<Record<string, string>> | undefined;
let keys: readonly string[] | undefined;
let positions: ReadonlyMap<string, number> | undefined;
const decoded = new Map<string, ServiceData>();
/** Each group of `SERVICE_GROUPS` split into its services' texts, on first use. */
const groups: Array<readonly string[] | undefined> = new Array(SERVICE_GROUPS.length).fill(
  undefined,
);

/** Service key → name, parsed on first use. @internal */
export function serviceNames(): Readonly<Record<string, string>> {
  names ??= JSON.parse(SERVICE_NAMES) as Record<string, string>;
  return names;
}

/** Every service key, in the reference's order, parsed on first use. @internal */
export function serviceKeys(): readonly string[] {
  keys ??= textList(SERVICE_KEYS);
  return keys;
}

/** A service's place in `SERVICE_KEYS`; a Map, so `constructor` or `__proto__` are not services. */
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
    data = decodeService(decompress(compressedService(at)));
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

/** The compressed tables of the service at `at` in `SERVICE_KEYS`. */
function compressedService(at: number): string {
  const index = Math.floor(at / SERVICES_PER_GROUP);
  let group = groups[index];
  if (group === undefined) {
    group = textList(SERVICE_GROUPS[index]!());
    groups[index] = group;
  }
  const text = group[at % SERVICES_PER_GROUP];
  if (text === undefined) throw new Error(`no tables at position ${at}`);
  return text;
}

/**
 * A JSON list of texts from the generated module. Parsed rather than split: `text.split(" ")`
 * asks `String.prototype` for a `Symbol.split` method, which code in the process may have added,
 * and what it returned would be kept as the tables for the life of the process. `JSON.parse`
 * consults no prototype.
 */
function textList(json: string): string[] {
  return JSON.parse(json) as string[];
}
