/**
 * The compact form of one service's reference data, and its decoding. Arrays instead of objects,
 * repeated strings stored once and no descriptions keep the generated tables about a quarter of
 * the source data's size.
 */
import { Buffer } from "node:buffer";
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

/** One service's reference data, decoded and indexed by lower-case name. @internal */
export interface ServiceData {
  readonly actionNames: readonly string[];
  readonly actions: ReadonlyMap<string, Omit<Action, "isWildcardOnly">>;
  readonly resourceTypeKeys: readonly string[];
  readonly resourceTypes: ReadonlyMap<string, ResourceType>;
}

/** The JSON of a service from its compressed, base64 form in the generated module. @internal */
export function decompress(blob: string): string {
  // Required on first use, so importing the package does not load zlib (the AWS SDK loads it anyway).
  const zlib = requireFrom(import.meta.url)("node:zlib") as typeof import("node:zlib");
  return zlib.brotliDecompressSync(Buffer.from(blob, "base64")).toString("utf8");
}

/** Decodes the JSON of an {@link EncodedService}. @internal */
export function decodeService(json: string): ServiceData {
  const [strings, encodedActions, encodedTypes] = JSON.parse(json) as EncodedService;
  const text = (index: number): string => strings[index]!;
  const actions = new Map<string, Omit<Action, "isWildcardOnly">>();
  for (const [name, accessLevel, types, conditionKeys] of encodedActions) {
    const resourceTypes = types.map(
      ([rtName, required, rtKeys]): ActionResourceType => ({
        name: rtName,
        required: required === 1,
        conditionKeys: rtKeys.map(text),
      }),
    );
    actions.set(name.toLowerCase(), {
      name,
      accessLevel: text(accessLevel),
      resourceTypes,
      conditionKeys: conditionKeys.map(text),
    });
  }
  const resourceTypes = new Map<string, ResourceType>();
  for (const [key, arn, conditionKeys] of encodedTypes) {
    resourceTypes.set(
      key.toLowerCase(),
      conditionKeys === undefined
        ? { key, arn }
        : { key, arn, conditionKeys: conditionKeys.map(text) },
    );
  }
  return {
    actionNames: encodedActions.map(([name]) => name),
    actions,
    resourceTypeKeys: encodedTypes.map(([key]) => key),
    resourceTypes,
  };
}
