/**
 * The compact form of one service's reference data, and its decoding. Arrays instead of objects,
 * repeated strings stored once and no descriptions keep the generated tables about a quarter of
 * the source data's size.
 */
// Aliased: a bundle's usual ESM banner declares `createRequire` at the top level, and esbuild
// keeps an import's own name, so an unaliased import would be declared twice.
import { createRequire as requireFrom } from "node:module";
import type { Action, ActionResourceType, ResourceType } from "./types.js";

/** `[name, required (1 or 0), condition keys]` of a resource type an action can target. @internal */
export type EncodedActionResourceType = [name: string, required: 0 | 1, conditionKeys: number[]];

/** `[name, access level, resource types, condition keys]` of one action. @internal */
export type EncodedAction = [
  name: string,
  accessLevel: number,
  resourceTypes: EncodedActionResourceType[],
  conditionKeys: number[],
];

/** `[key, ARN format, condition keys?]` of one resource type. @internal */
export type EncodedResourceType = [key: string, arn: string, conditionKeys?: number[]];

/**
 * A service's actions and resource types, in the reference's order; numbers index `strings`,
 * which holds each condition key and access level once.
 * @internal
 */
export type EncodedService = [
  strings: string[],
  actions: EncodedAction[],
  resourceTypes: EncodedResourceType[],
];

/**
 * One service's reference data, indexed by lower-case name. Only the index is built when the
 * service is decoded; each action and resource type becomes an object the first time it is asked
 * for (a service has hundreds; a process reads a few).
 * @internal
 */
export interface ServiceData {
  readonly actionNames: readonly string[];
  readonly actions: LazyTable<Omit<Action, "isWildcardOnly">>;
  readonly resourceTypeKeys: readonly string[];
  readonly resourceTypes: LazyTable<ResourceType>;
}

/**
 * `String.prototype.toLowerCase`, taken when the module loads: an index built with a method code
 * in the process replaced later would file one action under another's name for the life of the
 * process.
 */
const lowerCase = Function.prototype.call.bind(String.prototype.toLowerCase) as (
  text: string,
) => string;

/** Entries by lower-case name, each decoded on first use and kept. @internal */
export class LazyTable<T> {
  readonly #index = new Map<string, number>();
  /**
   * Entries made so far, by position: a record without a prototype, since a missing entry of an
   * array would be read from `Array.prototype`, where code in the process may have put one.
   */
  readonly #made: Record<number, T> = Object.create(null);
  readonly #make: (index: number) => T;

  constructor(names: readonly string[], make: (index: number) => T) {
    for (let i = 0; i < names.length; i++) this.#index.set(lowerCase(names[i]!), i);
    this.#make = make;
  }

  has(lowerName: string): boolean {
    return this.#index.has(lowerName);
  }

  get(lowerName: string): T | undefined {
    const i = this.#index.get(lowerName);
    if (i === undefined) return undefined;
    let entry = this.#made[i];
    if (entry === undefined) {
      entry = this.#make(i);
      this.#made[i] = entry;
    }
    return entry;
  }
}

let zlib: typeof import("node:zlib") | undefined;

/** The JSON of a service from its compressed, base64 form in the generated module. @internal */
export function decompress(blob: string): string {
  // Loaded on first use, so importing the package does not load zlib (the AWS SDK loads it anyway).
  // `process.getBuiltinModule` (Node 20.16+) skips making a `require` and `import.meta`.
  zlib ??= (process.getBuiltinModule?.("node:zlib") ??
    requireFrom(import.meta.url)("node:zlib")) as typeof import("node:zlib");
  // The global `Buffer` is the object `node:buffer` exports; importing that module would add a
  // module record to the package's import.
  return zlib.brotliDecompressSync(Buffer.from(blob, "base64")).toString("utf8");
}

/** Decodes the JSON of an {@link EncodedService}: its index now, its entries when asked for. @internal */
export function decodeService(json: string): ServiceData {
  // Read by position rather than destructured: destructuring asks `Array.prototype` for its
  // iterator, which code in the process may have replaced.
  const parsed = JSON.parse(json) as EncodedService;
  const strings = parsed[0];
  const encodedActions = parsed[1];
  const encodedTypes = parsed[2];
  const text = (index: number): string => strings[index]!;
  const actionNames = encodedActions.map((action) => action[0]);
  const resourceTypeKeys = encodedTypes.map((type) => type[0]);
  return {
    actionNames,
    actions: new LazyTable(actionNames, (i) => {
      const action = encodedActions[i]!;
      const resourceTypes = action[2].map(
        (type): ActionResourceType => ({
          name: type[0],
          required: type[1] === 1,
          conditionKeys: type[2].map(text),
        }),
      );
      return {
        name: action[0],
        accessLevel: text(action[1]),
        resourceTypes,
        conditionKeys: action[3].map(text),
      };
    }),
    resourceTypeKeys,
    resourceTypes: new LazyTable(resourceTypeKeys, (i) => {
      const type = encodedTypes[i]!;
      const conditionKeys = type[2];
      return conditionKeys === undefined
        ? { key: type[0], arn: type[1] }
        : { key: type[0], arn: type[1], conditionKeys: conditionKeys.map(text) };
    }),
  };
}
