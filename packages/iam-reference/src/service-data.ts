import { decodeService, decompress, type ServiceData } from "./encoding.js";
import { IamReferenceError } from "./errors.js";
import {
  SERVICE_GROUPS,
  SERVICE_KEYS,
  SERVICE_NAMES,
  SERVICES_PER_GROUP,
} from "./generated/tables.js";

// The package's own tables are records without a prototype, written and read as their own
// members: an array or a `Map` filled here would hand each entry to a setter code in the process
// put on `Array.prototype` (with the list itself, to forge later), and read a missing entry from
// there. Their entries are kept for the life of the process.
let names: Readonly<Record<string, string>> | undefined;
let keys: readonly string[] | undefined;
let positions: Readonly<Record<string, number>> | undefined;
const decoded: Record<string, ServiceData> = Object.create(null);
/** Each group of `SERVICE_GROUPS` as its services' texts, by group number, on first use. */
const groups: Record<number, readonly string[]> = Object.create(null);

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

/**
 * A service's place in `SERVICE_KEYS`. A record without a prototype, so `constructor` or
 * `__proto__` are not services.
 */
function position(key: string): number | undefined {
  if (positions === undefined) {
    const places: Record<string, number> = Object.create(null);
    const list = serviceKeys();
    for (let i = 0; i < list.length; i++) places[list[i]!] = i;
    positions = places;
  }
  const at = positions[key];
  return typeof at === "number" ? at : undefined;
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
  let data = decoded[key];
  if (data !== undefined) return data;
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
  decoded[key] = data;
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
