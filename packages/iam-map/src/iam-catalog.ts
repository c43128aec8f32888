import {
  type Action,
  iamActionDetailsSync,
  iamActionExistsSync,
  iamActionsForServiceSync,
  iamResourceTypeDetailsSync,
  iamResourceTypeExistsSync,
  iamServiceExistsSync,
} from "@keycard/iam-reference";
import { type ArnTemplate, matchesTemplate, parseArnTemplates } from "./arn-template.js";
import { IamMapError } from "./errors.js";
import { prototypePollution } from "./object-prototype.js";

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
  /**
   * When the reference lists the request tags on resource types rather than on the action: the
   * names of those types. AWS has the tags only on the requests for resources of these types
   * (`ec2:RunInstances` has them for the instance, not for its image).
   */
  readonly tagTypes: ReadonlySet<string> | undefined;
  /**
   * The service condition keys listed on the action that no same-named member supplies, in IAM
   * casing. A family written with a placeholder (`kms:EncryptionContext:${EncryptionContextKey}`)
   * is given as its prefix and `*` (`kms:EncryptionContext:*`). Keys the engine already treats as
   * known only to AWS (tags on the existing resource or object) are left out. A rule that does
   * not compute one of these leaves it unknown.
   */
  readonly serviceKeys: readonly string[];
  /**
   * Service keys listed only on one of the action's resource types (EC2 lists most keys there):
   * AWS has them only when it authorizes a resource of that type. Keyed by the type's name.
   */
  readonly typeKeys: ReadonlyMap<string, TypeKeys>;
}

/** The service keys one resource type adds to an action's requests for it. @internal */
export interface TypeKeys {
  /** Keys named after an input member, as `[key, lower-case member name without dashes]`. */
  readonly memberKeys: ReadonlyArray<readonly [string, string]>;
  /** The other keys (families as `prefix*`). */
  readonly serviceKeys: readonly string[];
  /** Whether the type lists the key (a family by its prefix), case-insensitively. */
  lists(key: string): boolean;
}

/** Keys as listed (families as `prefix*`), for case-insensitive lookups. @internal */
export interface KeyList {
  readonly exact: ReadonlySet<string>;
  readonly families: readonly string[];
}

/**
 * A {@link KeyList} of keys in IAM casing or as families. Its lists are made whole (`map`,
 * `filter`) and frozen: key lists are kept per action, and a list filled with `push` would be
 * handed to a setter on `Array.prototype`, to keep and change.
 * @internal
 */
export function keyList(keys: readonly string[]): KeyList {
  const lower = keys.map((key) => keyFamily(key).toLowerCase());
  return Object.freeze({
    exact: new Set(lower.filter((family) => !family.endsWith("*"))),
    families: Object.freeze(
      lower.filter((family) => family.endsWith("*")).map((family) => family.slice(0, -1)),
    ),
  });
}

/** Whether a key is in the list, or in one of its families. @internal */
export function keyListIncludes(list: KeyList, key: string): boolean {
  const lower = key.toLowerCase();
  if (list.exact.has(lower)) return true;
  for (let i = 0; i < list.families.length; i++)
    if (lower.startsWith(list.families[i]!)) return true;
  return false;
}

/** The IAM reference for one service prefix, loaded once. @internal */
export interface ServiceCatalog {
  readonly prefix: string;
  /** Actions by lower-case name, each prepared the first time it is asked for. */
  readonly actions: { get(lowerName: string): ActionInfo | undefined };
}

/** Most names remembered as not being actions of a service (operation names come from callers). */
const MAX_MISSES = 2000;

/**
 * A service's catalog. Nothing is read when it is made: the IAM reference decodes the service on
 * the first action asked for, and each action and ARN format is prepared on its first use, so a
 * process pays only for the actions its calls need.
 */
class Catalog implements ServiceCatalog {
  readonly actions = this;
  readonly #byName = new Map<string, ActionInfo | null>();
  readonly #templates = new Map<string, readonly ArnTemplate[]>();
  #misses = 0;

  constructor(readonly prefix: string) {}

  get(lowerName: string): ActionInfo | undefined {
    const known = this.#byName.get(lowerName);
    if (known !== undefined) return known ?? undefined;
    // Kept only if made while no prototype has additions: preparing fills lists that a setter on
    // `Array.prototype` would be handed, to keep and change for every later call.
    const keep = prototypePollution() === undefined;
    const info = iamActionExistsSync(this.prefix, lowerName)
      ? this.#prepare(iamActionDetailsSync(this.prefix, lowerName))
      : null;
    if (keep && (info !== null || this.#misses++ < MAX_MISSES)) this.#byName.set(lowerName, info);
    return info ?? undefined;
  }

  #arnTemplates(typeName: string): readonly ArnTemplate[] {
    const key = typeName.toLowerCase();
    let templates = this.#templates.get(key);
    if (!templates) {
      const keep = prototypePollution() === undefined;
      templates = iamResourceTypeExistsSync(this.prefix, key)
        ? parseArnTemplates(iamResourceTypeDetailsSync(this.prefix, key).arn)
        : [];
      if (keep) this.#templates.set(key, templates);
    }
    return templates;
  }

  #prepare(details: Action): ActionInfo {
    const prefix = this.prefix;
    const resourceTypes: ResourceTypeInfo[] = details.resourceTypes.map((rt) => ({
      name: rt.name,
      required: rt.required,
      templates: this.#arnTemplates(rt.name),
    }));
    const conditionKeys = [...details.conditionKeys];
    const memberKeys: Array<readonly [string, string]> = [];
    for (const key of conditionKeys) {
      const member = memberOf(key, prefix);
      if (member !== undefined) memberKeys.push([key, member]);
    }
    // Request tags may be listed on the action or on its resource types (ec2:CreateTags).
    const isTagKey = (k: string) => k === "aws:TagKeys" || k.startsWith("aws:RequestTag/");
    const onAction = conditionKeys.some(isTagKey);
    const tagTypes = onAction
      ? undefined
      : new Set(
          details.resourceTypes
            .filter((rt) => rt.conditionKeys.some(isTagKey))
            .map((rt) => rt.name),
        );
    const tagKeys = onAction || (tagTypes !== undefined && tagTypes.size > 0);
    const fromMembers = new Set(memberKeys.map(([key]) => key));
    const serviceKeys = new Set<string>();
    for (const key of conditionKeys) {
      if (key.startsWith("aws:") || fromMembers.has(key)) continue;
      const family = keyFamily(key);
      if (!AWS_ONLY_FAMILY.test(family)) serviceKeys.add(family);
    }
    const actionLevel = new Set(conditionKeys);
    const typeKeys = new Map<string, TypeKeys>();
    for (const rt of details.resourceTypes) {
      const members: Array<readonly [string, string]> = [];
      const others = new Set<string>();
      for (const key of rt.conditionKeys) {
        if (key.startsWith("aws:") || actionLevel.has(key)) continue;
        const member = memberOf(key, prefix);
        if (member !== undefined) members.push([key, member]);
        else {
          const family = keyFamily(key);
          if (!AWS_ONLY_FAMILY.test(family)) others.add(family);
        }
      }
      if (members.length > 0 || others.size > 0) {
        const list = keyList([...members.map(([key]) => key), ...others]);
        typeKeys.set(rt.name, {
          memberKeys: members,
          serviceKeys: [...others],
          lists: (key) => keyListIncludes(list, key),
        });
      }
    }
    return {
      id: `${prefix}:${details.name}`,
      prefix,
      name: details.name,
      resourceTypes,
      conditionKeys,
      memberKeys,
      tagKeys,
      tagTypes: tagKeys ? tagTypes : undefined,
      serviceKeys: [...serviceKeys],
      typeKeys,
    };
  }
}

/**
 * Placeholders the IAM reference writes in key families: `${TagKey}`, `<key>`, and Secrets
 * Manager's `tag-key`.
 */
const PLACEHOLDER = /\$\{[^}]*\}|<[^>]*>|(?<=\/)tag-key$/;

/** The lower-case member name (without dashes) a key of the service may be named after. */
function memberOf(key: string, prefix: string): string | undefined {
  const m = /^([^:]+):([A-Za-z0-9-]+)$/.exec(key);
  return m && m[1]!.toLowerCase() === prefix ? m[2]!.toLowerCase().replace(/-/g, "") : undefined;
}

/** A key as given, or a family's prefix followed by `*`. @internal */
export function keyFamily(key: string): string {
  const at = key.search(PLACEHOLDER);
  return at < 0 ? key : `${key.slice(0, at)}*`;
}

/** Families whose values only AWS knows, which the engine treats as unknown by itself. */
const AWS_ONLY_FAMILY = /^(?:[^:]+:ResourceTag|s3:ExistingObjectTag)\/\*$/i;

const loaded = new Map<string, ServiceCatalog | null>();

/** How many prefixes have been looked up: a mapping made before a lookup may lack its actions. */
let lookedUp = 0;

/** Changes whenever a prefix is looked up for the first time (see `mapping-reuse.ts`). @internal */
export function catalogGeneration(): number {
  return lookedUp;
}

/** The catalog for a prefix if it has been loaded (null when the prefix is not in the reference). @internal */
export function loadedCatalog(prefix: string): ServiceCatalog | null | undefined {
  return loaded.get(prefix);
}

/**
 * Loads the IAM reference for a prefix once; later calls share the result. With `decode` false
 * the service is only looked up, and decoded when a call first needs one of its actions (for
 * prefixes a service's rules may use, such as `kms` for S3).
 * @throws IamMapError `DATA_UNAVAILABLE` (as a rejection) when the reference cannot be read
 * @internal
 */
export function loadCatalog(prefix: string, decode = true): Promise<ServiceCatalog | null> {
  try {
    return Promise.resolve(loadCatalogSync(prefix, decode));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** {@link loadCatalog}, synchronously. @internal */
export function loadCatalogSync(prefix: string, decode = true): ServiceCatalog | null {
  let catalog = loaded.get(prefix);
  try {
    if (catalog === undefined) catalog = iamServiceExistsSync(prefix) ? new Catalog(prefix) : null;
    // Decoding now reports unreadable data here rather than on a call.
    if (decode && catalog !== null) iamActionsForServiceSync(prefix);
  } catch (cause) {
    throw new IamMapError(
      "DATA_UNAVAILABLE",
      `IAM reference data for "${prefix}" could not be read`,
      {
        cause,
      },
    );
  }
  if (!loaded.has(prefix)) lookedUp++;
  loaded.set(prefix, catalog);
  return catalog;
}

/**
 * The one resource type of the action whose ARN formats the resource fits, for resources a rule
 * gives as text (the new instance `ec2:CreateTags` tags on create); undefined when none or
 * several fit.
 * @internal
 */
export function typeOfResource(info: ActionInfo, resource: string): string | undefined {
  // Rules give the same few resources on every call (a new instance's ARN with its unknown id).
  let known = resourceTypes.get(info);
  if (known === undefined) {
    known = new Map();
    resourceTypes.set(info, known);
  }
  const cached = known.get(resource);
  if (cached !== undefined) return cached ?? undefined;
  let found: string | undefined;
  for (const type of info.resourceTypes) {
    if (!type.templates.some((template) => matchesTemplate(template, resource))) continue;
    if (found !== undefined && found !== type.name) {
      found = undefined;
      break;
    }
    found = type.name;
  }
  if (known.size < 256) known.set(resource, found ?? null);
  return found;
}

const resourceTypes = new WeakMap<ActionInfo, Map<string, string | null>>();
