import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists,
} from "@keycard/iam-reference";
import { type ArnTemplate, parseArnTemplates } from "./arn-template.js";
import { IamMapError } from "./errors.js";

/** A resource type an action can apply to, with its ARN formats. @internal */
export interface ResourceTypeInfo {
  readonly name: string;
  /** Marked required in the IAM reference: AWS always authorizes against it. */
  readonly required: boolean;
  readonly templates: readonly ArnTemplate[];
}

/** An IAM action with what is needed to build its requests quickly. @internal */
export interface ActionInfo {
  /** `prefix:Name` in IAM casing. */
  readonly id: string;
  readonly prefix: string;
  readonly name: string;
  readonly resourceTypes: readonly ResourceTypeInfo[];
  readonly conditionKeys: readonly string[];
  /**
   * Service condition keys whose value is an input member of the same name, as
   * `[condition key, lower-case member name without dashes]` (`s3:max-keys` ← `MaxKeys`).
   */
  readonly memberKeys: ReadonlyArray<readonly [string, string]>;
  /** The action supports `aws:RequestTag/${TagKey}` or `aws:TagKeys`. */
  readonly tagKeys: boolean;
}

/** The IAM reference for one service prefix, loaded once. @internal */
export interface ServiceCatalog {
  readonly prefix: string;
  /** Actions by lower-case name. */
  readonly actions: ReadonlyMap<string, ActionInfo>;
}

const loaded = new Map<string, ServiceCatalog | null>();
const loading = new Map<string, Promise<ServiceCatalog | null>>();

/** The catalog for a prefix if it has been loaded (null when the prefix is not in the reference). @internal */
export function loadedCatalog(prefix: string): ServiceCatalog | null | undefined {
  return loaded.get(prefix);
}

/** Loads the IAM reference for a prefix once; later calls share the result. @internal */
export function loadCatalog(prefix: string): Promise<ServiceCatalog | null> {
  const done = loaded.get(prefix);
  if (done !== undefined) return Promise.resolve(done);
  let pending = loading.get(prefix);
  if (!pending) {
    pending = readCatalog(prefix).then(
      (catalog) => {
        loaded.set(prefix, catalog);
        loading.delete(prefix);
        return catalog;
      },
      (cause: unknown) => {
        loading.delete(prefix);
        throw new IamMapError(
          "DATA_UNAVAILABLE",
          `IAM reference data for "${prefix}" could not be read`,
          {
            cause,
          },
        );
      },
    );
    loading.set(prefix, pending);
  }
  return pending;
}

async function readCatalog(prefix: string): Promise<ServiceCatalog | null> {
  if (!(await iamServiceExists(prefix))) return null;
  const typeNames = await iamResourceTypesForService(prefix);
  const templates = new Map<string, ArnTemplate[]>();
  for (const typeName of typeNames) {
    const details = await iamResourceTypeDetails(prefix, typeName);
    templates.set(typeName.toLowerCase(), parseArnTemplates(details.arn));
  }
  const actions = new Map<string, ActionInfo>();
  for (const actionName of await iamActionsForService(prefix)) {
    const details = await iamActionDetails(prefix, actionName);
    const resourceTypes: ResourceTypeInfo[] = details.resourceTypes.map((rt) => ({
      name: rt.name,
      required: rt.required,
      templates: templates.get(rt.name.toLowerCase()) ?? [],
    }));
    const conditionKeys = [...details.conditionKeys];
    const memberKeys: Array<readonly [string, string]> = [];
    for (const key of conditionKeys) {
      const m = /^([^:]+):([A-Za-z0-9-]+)$/.exec(key);
      if (m && m[1]!.toLowerCase() === prefix) {
        memberKeys.push([key, m[2]!.toLowerCase().replace(/-/g, "")]);
      }
    }
    // Request tags may be listed on the action or on its resource types (ec2:CreateTags).
    const isTagKey = (k: string) => k === "aws:TagKeys" || k.startsWith("aws:RequestTag/");
    const tagKeys =
      conditionKeys.some(isTagKey) ||
      details.resourceTypes.some((rt) => rt.conditionKeys.some(isTagKey));
    actions.set(details.name.toLowerCase(), {
      id: `${prefix}:${details.name}`,
      prefix,
      name: details.name,
      resourceTypes,
      conditionKeys,
      memberKeys,
      tagKeys,
    });
  }
  return { prefix, actions };
}
