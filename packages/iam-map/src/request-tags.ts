import { types } from "node:util";
import type { ActionInfo } from "./iam-catalog.js";
import { asString, type InputView, isDate, isRecord, read, safeKeys } from "./input-view.js";
import { hasOwnMember, RECORD_PROTOTYPE } from "./object-prototype.js";
import type { ContextValue } from "./types.js";

/** The key every request that carries request tags has, with `aws:RequestTag/<key>` for each. */
export const TAG_KEYS = "aws:TagKeys";
const REQUEST_TAG = "aws:RequestTag/";

/** Most tags read from one request; more make the call unknown rather than dropping some. */
const MAX_TAGS = 1000;

/** A tag as given: its value undefined when the entry gives none. */
type Tag = readonly [key: string, value: string | undefined];

/** Tags one member of the input sets, with the resource type it names for them (EC2). */
interface TagGroup {
  /** From `Tags` or `TagList`: for every resource of the call. */
  readonly forEvery: boolean;
  /** `TagSpecifications[].ResourceType`, when given. */
  readonly type: string | undefined;
  readonly tags: readonly Tag[];
}

/** The tags a call sets, read once per call. @internal */
export interface RequestTags {
  readonly groups: readonly TagGroup[];
  /** `TagKeys` of an untagging call: the keys it removes, which AWS has as `aws:TagKeys`. */
  readonly removedKeys: readonly string[] | undefined;
  /**
   * A member holds tags the mapping does not read: below the top level (EC2
   * `SpotFleetRequestConfig.TagSpecifications`, WorkSpaces `Workspaces[].Tags`) or under
   * another name (Cognito `UserPoolTags`, CloudTrail `TagsList`, Glue `TagsToAdd`). AWS may
   * have request tags no rule reads.
   */
  readonly unread: boolean;
}

/** Top-level members whose tags are read. */
const READ_MEMBERS: ReadonlySet<string> = new Set([
  "tags",
  "taglist",
  "tagspecifications",
  "tagkeys",
]);

/**
 * Reads the tags a call sets: `Tags` and `TagList` (lists of `{Key, Value}` or maps), each of
 * EC2's `TagSpecifications` with its `ResourceType`, and an untagging call's `TagKeys`.
 * @internal
 */
export function readRequestTags(input: InputView, operation: string): RequestTags {
  const groups: TagGroup[] = [];
  let complete = true;
  let total = 0;
  for (const member of ["tags", "taglist"]) {
    const tags: Tag[] = [];
    if (!addTags(input, input.getAnyCase(member), member, tags)) complete = false;
    total += tags.length;
    if (tags.length > 0) groups.push({ forEvery: true, type: undefined, tags });
  }
  const specs = input.getAnyCase("tagspecifications");
  for (const spec of input.list(specs, "TagSpecifications", MAX_TAGS)) {
    const tags: Tag[] = [];
    if (!addTags(input, read(spec, "Tags"), "TagSpecifications.Tags", tags)) complete = false;
    // More tags than one call can carry are not compared key by key: all are unknown.
    total += tags.length;
    if (total > MAX_TAGS) {
      complete = false;
      break;
    }
    if (tags.length === 0) continue;
    const type = input.textOf(read(spec, "ResourceType"), "TagSpecifications.ResourceType");
    groups.push({ forEvery: false, type, tags });
  }
  // Untagging calls name the keys they remove `TagKeys`, or `Keys` (DataSync, Resource Groups).
  let removed = input.getAnyCase("tagkeys");
  if ((removed === undefined || removed === null) && UNTAGGING.test(operation))
    removed = input.getAnyCase("keys");
  let removedKeys: string[] | undefined;
  // CloudFront's `TagKeys` is `{ Items: [...] }`.
  if (isRecord(removed)) {
    const keys = safeKeys(removed);
    if (keys.length === 1 && keys[0] === "Items") removed = read(removed, "Items");
  }
  if (Array.isArray(removed)) {
    removedKeys = [];
    for (const key of input.list(removed, "TagKeys", MAX_TAGS)) {
      const text = input.textOf(key, "TagKeys");
      if (text !== undefined) removedKeys.push(text);
    }
  } else if (removed !== undefined && removed !== null) complete = false;
  const unread = !complete || copiesTags(input) || holdsUnreadTags(input);
  return { groups, removedKeys, unread };
}

/** Operations that remove tags by key. */
const UNTAGGING = /^(?:Untag|RemoveTags|DeleteTags)/;

/**
 * Members that ask the service to give what the call creates tags from another resource (EC2
 * `CopyImage`'s `CopyImageTags`, `CreateSnapshots`' `CopyTagsFromSource`, RDS `CopyTags`, ECS
 * `propagateTags`). Members that copy tags to later resources (`CopyTagsToSnapshot`) are not.
 */
const COPIES_TAGS = /^(?:copyimagetags|copytagsfromsource|copytags|propagatetags)$/;

/** Whether the call asks AWS to copy tags it does not hold: those may be request tags too. */
function copiesTags(input: InputView): boolean {
  const lowers = input.lowerKeys();
  const values = input.memberValues();
  for (let i = 0; i < lowers.length; i++) {
    if (!COPIES_TAGS.test(lowers[i]!)) continue;
    const value = values[i];
    if (value === true) return true;
    if (typeof value === "string" && value !== "" && value.toUpperCase() !== "NONE") return true;
  }
  return false;
}

/**
 * Writes a call's request tags for every request of an action (before placement by resource
 * type): `aws:RequestTag/<key>` and `aws:TagKeys` where every reading of the call agrees, and
 * the keys in `unknown` where they do not. Several members that set tags (RDS `Tags` and
 * `TagSpecifications`, EC2 entries for several types) may each be for another resource: a key
 * is known only when every one of them gives it the same value.
 * @internal
 */
export function writeRequestTags(
  tags: RequestTags,
  into: Record<string, ContextValue>,
  unknown: string[],
): void {
  if (tags.unread) {
    for (const key of ALL_TAGS_UNKNOWN) pushOnce(unknown, key);
    return;
  }
  const groups = tags.groups;
  const removed = tags.removedKeys;
  if (groups.length === 0) {
    if (removed !== undefined) into[TAG_KEYS] = [...removed];
    return;
  }
  const agreed = commonTagsOf(tags);
  for (const [key, value] of agreed.values) into[`${REQUEST_TAG}${key}`] = value;
  addAll(
    unknown,
    agreed.unknownKeys.map((key) => `${REQUEST_TAG}${key}`),
  );
  if (agreed.keys !== undefined && removed === undefined) into[TAG_KEYS] = agreed.keys;
  else pushOnce(unknown, TAG_KEYS);
}

const commonByCall = new WeakMap<RequestTags, Agreement>();

/** {@link commonTags} of a call's groups, made once per call (each action's requests use it). */
function commonTagsOf(tags: RequestTags): Agreement {
  let agreed = commonByCall.get(tags);
  if (agreed === undefined) {
    agreed = commonTags(tags.groups);
    commonByCall.set(tags, agreed);
  }
  return agreed;
}

/** A request's tags where the readings of a call agree, and the keys where they do not. */
interface Agreement {
  readonly values: ReadonlyArray<readonly [string, string]>;
  readonly unknownKeys: readonly string[];
  /** `aws:TagKeys`, when every reading gives the same keys. */
  readonly keys: string[] | undefined;
}

/** A tag by its key lower-cased: every spelling given, and its value (undefined on a clash). */
interface KeyedTag {
  readonly spellings: string[];
  value: string | undefined;
}

/**
 * Tags by key lower-cased, as condition keys compare. Spellings that lower-case alike may still
 * be different keys to the engine's case folding (`ΑΣ` and `ας`), so a key given in several
 * spellings, or with several values, is unknown under each.
 */
function byKey(tags: Iterable<Tag>): Map<string, KeyedTag> {
  const out = new Map<string, KeyedTag>();
  for (const [key, value] of tags) {
    const lower = foldKey(key);
    const seen = out.get(lower);
    if (seen === undefined) out.set(lower, { spellings: [key], value });
    else {
      if (!seen.spellings.includes(key)) {
        seen.spellings.push(key);
        seen.value = undefined;
      }
      if (seen.value !== value) seen.value = undefined;
    }
  }
  return out;
}

const NON_ASCII = /[^\u0020-\u007e]/;

/**
 * A key folded at least as coarsely as condition keys are compared: lower-cased, with the dot
 * lower-casing `İ` leaves and final sigma folded too, so two keys the engine may read as one
 * always fall together here (they are then unknown, never one of them absent).
 */
function foldKey(key: string): string {
  const lower = key.toLowerCase();
  // Only text outside ASCII can lower-case in more than one way.
  if (!NON_ASCII.test(lower)) return lower;
  return lower
    .toUpperCase()
    .toLowerCase()
    .replace(/\u0307/g, "")
    .replace(/\u03C2/g, "\u03C3");
}

/** Whether two readings give a key the same single spelling and the same value. */
function sameTag(a: KeyedTag | undefined, b: KeyedTag | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.value !== undefined &&
    a.value === b.value &&
    a.spellings.length === 1 &&
    b.spellings.length === 1 &&
    a.spellings[0] === b.spellings[0]
  );
}

/**
 * The tags every group agrees on: with one group, its tags; with several (each possibly for
 * another resource), a key is known only when every group gives it the same value, and the keys
 * only when every group gives the same ones.
 */
function commonTags(groups: readonly TagGroup[]): Agreement {
  const maps = groups.map((group) => byKey(group.tags));
  const values: Array<readonly [string, string]> = [];
  const unknownKeys = new Set<string>();
  const seen = new Set<string>();
  for (const map of maps) {
    for (const [lower, tag] of map) {
      if (seen.has(lower)) continue;
      seen.add(lower);
      if (maps.every((m) => sameTag(tag, m.get(lower))))
        values.push([tag.spellings[0]!, tag.value!]);
      else
        for (const m of maps) for (const key of m.get(lower)?.spellings ?? []) unknownKeys.add(key);
    }
  }
  const first = groups[0]!.tags.map(([key]) => key);
  const sameKeys = groups.every((group) =>
    sameSet(
      group.tags.map(([key]) => key),
      first,
    ),
  );
  return { values, unknownKeys: [...unknownKeys], keys: sameKeys ? first : undefined };
}

/**
 * The tags of a request whose own groups are `own`, whether AWS takes those only or every
 * group's: a key is known when it is in `own` and `others` gives it no other value; the keys when
 * `others` adds none.
 */
function ownTags(own: readonly Tag[], others: readonly Tag[]): Agreement {
  const mine = byKey(own);
  const theirs = byKey(others);
  const values: Array<readonly [string, string]> = [];
  const unknownKeys = new Set<string>();
  for (const [lower, tag] of mine) {
    const other = theirs.get(lower);
    if (sameTag(tag, other ?? tag)) values.push([tag.spellings[0]!, tag.value!]);
    else for (const key of [...tag.spellings, ...(other?.spellings ?? [])]) unknownKeys.add(key);
  }
  for (const [lower, tag] of theirs)
    if (!mine.has(lower)) for (const key of tag.spellings) unknownKeys.add(key);
  const ownKeys = own.map(([key]) => key);
  const ownSet = new Set(ownKeys);
  const keys = others.every(([key]) => ownSet.has(key)) ? ownKeys : undefined;
  return { values, unknownKeys: [...unknownKeys], keys };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((key) => right.has(key));
}

/**
 * `aws:RequestTag/*` and `aws:TagKeys` for tags a rule finds below the top level (CloudFront's
 * `DistributionConfigWithTags.Tags`); empty when there are none.
 * @internal
 */
export function tagContext(
  input: InputView,
  value: unknown,
  where: string,
): { context: Record<string, ContextValue>; unknown: string[] } {
  const tags: Tag[] = [];
  const complete = addTags(input, value, where, tags);
  const context: Record<string, ContextValue> = {};
  const unknown: string[] = [];
  if (tags.length > 0 || !complete)
    writeRequestTags(
      {
        groups: [{ forEvery: true, type: undefined, tags }],
        removedKeys: undefined,
        unread: !complete,
      },
      context,
      unknown,
    );
  return { context, unknown };
}

/** Service keys that repeat the request's tags under the service's prefix (`rds:req-tag/env`). */
const SERVICE_REQUEST_TAG = /^[a-z0-9-]+:(?:req-tag|RequestTag)\/\*$/;

/** Each action's own request-tag key prefix (`rds:req-tag/`), or "" for none. */
const serviceTagPrefixes = new WeakMap<ActionInfo, string>();

/**
 * Copies the request tags to the service's own request-tag keys where the action lists them
 * (`rds:req-tag/${TagKey}`, `dms:req-tag/…`, `elasticmapreduce:RequestTag/…`), which AWS sets
 * from the same tags. Keys the tags leave unknown stay unknown through the family the action
 * lists.
 * @internal
 */
export function serviceRequestTags(info: ActionInfo, context: Record<string, ContextValue>): void {
  // Where tags are placed by resource type, the service's keys stay unknown (its family).
  if (info.tagTypes !== undefined) return;
  let prefix = serviceTagPrefixes.get(info);
  if (prefix === undefined) {
    prefix = "";
    for (const key of info.serviceKeys)
      if (SERVICE_REQUEST_TAG.test(key)) prefix = key.slice(0, -1);
    serviceTagPrefixes.set(info, prefix);
  }
  if (prefix === "") return;
  for (const key in context) {
    if (!hasOwnMember(context, key)) continue;
    if (key.startsWith(REQUEST_TAG))
      context[`${prefix}${key.slice(REQUEST_TAG.length)}`] = context[key]!;
  }
}

/** The unknown-context entries that stand for every request tag. @internal */
export const ALL_TAGS_UNKNOWN: readonly string[] = Object.freeze([`${REQUEST_TAG}*`, TAG_KEYS]);

/** Field names a tag entry gives its key and value under, lower-cased. */
const KEY_FIELDS: ReadonlySet<string> = new Set(["key", "tagkey"]);
const VALUE_FIELDS: ReadonlySet<string> = new Set(["value", "tagvalue"]);

/**
 * Adds the tags of a `[{Key, Value}]` list or a `{key: value}` map to `out`. Returns false when
 * an entry's key cannot be told (no key field, or several), so the tags are not all known.
 */
function addTags(input: InputView, value: unknown, where: string, out: Tag[]): boolean {
  if (Array.isArray(value)) {
    let complete = true;
    for (const tag of input.list(value, where, MAX_TAGS)) {
      const key = field(tag, KEY_FIELDS);
      const val = field(tag, VALUE_FIELDS);
      if (key === AMBIGUOUS || val === AMBIGUOUS || key === undefined) {
        complete = false;
        continue;
      }
      const text = input.textOf(key, where);
      if (text !== undefined) out.push([text, tagValue(input, val, where)]);
    }
    return complete;
  }
  if (isRecord(value)) {
    const keys = safeKeys(value);
    // CloudFront's `Tags` is `{ Items: [{ Key, Value }] }`; without items it sets none.
    if (keys.length === 1 && keys[0] === "Items") {
      const items = read(value, "Items");
      if (items === undefined || items === null) return true;
      return Array.isArray(items) && addTags(input, items, `${where}.Items`, out);
    }
    if (keys.length > MAX_TAGS) input.unreadable(`${where} (more than ${MAX_TAGS} entries)`);
    for (const key of keys.slice(0, MAX_TAGS)) {
      if (asString(key) === undefined) input.unreadable(where);
      out.push([key, tagValue(input, read(value, key), where)]);
    }
  }
  return true;
}

const AMBIGUOUS: unique symbol = Symbol("ambiguous");

/** The one field of an entry whose lower-cased name is in `names`; AMBIGUOUS when several. */
function field(entry: unknown, names: ReadonlySet<string>): unknown {
  if (!isRecord(entry)) return undefined;
  let found: unknown;
  let seen = false;
  for (const name of safeKeys(entry)) {
    if (!names.has(name.toLowerCase())) continue;
    const value = read(entry, name);
    if (value === undefined) continue;
    if (seen) return AMBIGUOUS;
    seen = true;
    found = value;
  }
  return found;
}

/**
 * A tag's value; undefined when the entry gives none (what AWS has then is not documented for
 * every call: an untagging `DeleteTags` entry without a value matches any), and unreadable in
 * any form other than text.
 */
function tagValue(input: InputView, value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  return input.textOf(value, where);
}

/** Member names that hold tags (`Tags`, `TagSpecifications`, `FinalBackupTags`, `TagsToAdd`). */
const TAG_MEMBER_NAME = /tag/;

/** How deep tags are looked for, and how many values at most. */
const MAX_TAG_DEPTH = 6;
const MAX_VISITED = 10_000;

/**
 * Whether a member holds tags the mapping does not read: a structure or list named for tags at
 * the top level other than those read, or anywhere below it. A structure too large or too deep
 * to look through counts as holding them: the tags are then unknown, never absent.
 */
function holdsUnreadTags(input: InputView): boolean {
  const lowers = input.lowerKeys();
  const values = input.memberValues();
  const budget = { left: MAX_VISITED };
  for (let i = 0; i < lowers.length; i++) {
    const lower = lowers[i]!;
    const value = values[i];
    if (typeof value !== "object" || value === null) continue;
    if (READ_MEMBERS.has(lower)) continue;
    if (TAG_MEMBER_NAME.test(lower) || nestedTags(value, 1, budget)) return true;
  }
  return false;
}

/** Whether a structure or list holds a member named for tags, at most {@link MAX_TAG_DEPTH} down. */
function nestedTags(value: unknown, depth: number, budget: { left: number }): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (ArrayBuffer.isView(value) || types.isAnyArrayBuffer(value) || isDate(value)) return false;
  if (--budget.left < 0 || depth > MAX_TAG_DEPTH) return true;
  if (Array.isArray(value)) {
    if (value.length > MAX_VISITED) return true;
    for (const entry of value) if (nestedTags(entry, depth + 1, budget)) return true;
    return false;
  }
  // Streams, blobs and other class instances carry the body, not members AWS reads.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && proto !== RECORD_PROTOTYPE) return false;
  for (const key of safeKeys(value)) {
    const inner = read(value, key);
    if (typeof inner !== "object" || inner === null) continue;
    if (TAG_MEMBER_NAME.test(key.toLowerCase())) return true;
    if (nestedTags(inner, depth + 1, budget)) return true;
  }
  return false;
}

/**
 * Services whose requests carry each resource's own request tags, checked resource by resource:
 * EC2 (EC2 User Guide, "Grant permission to tag Amazon EC2 resources during creation": a
 * `RunInstances` policy that conditions on `aws:RequestTag` with `Resource: "*"` fails on the
 * image, which has none). Elsewhere the tags belong to the whole request, and a resource type the
 * reference does not list them on may still see them.
 */
const TAGS_PER_RESOURCE: ReadonlySet<string> = new Set(["ec2"]);

/**
 * Where a call's request tags go among the requests of one action whose reference lists them on
 * resource types rather than on the action. A request has them as given when its resource is of
 * a listed type (per EC2 resource, the tags given for its type); they are absent where AWS
 * checks each resource with its own tags and the resource's type does not list them; and they
 * are unknown wherever keycard cannot tell.
 * @internal
 */
export class TagPlacement {
  readonly #perResource: boolean;
  /** Some request of the action is for a listed type: the resource the tags are for is checked. */
  readonly #listedSeen: boolean;
  readonly #byType = new Map<string | undefined, Agreement>();

  /** `types`: each request's resource type, where known. */
  constructor(
    readonly info: ActionInfo,
    readonly tags: RequestTags,
    types: ReadonlyArray<string | undefined>,
  ) {
    const tagTypes = info.tagTypes!;
    this.#perResource = TAGS_PER_RESOURCE.has(info.prefix);
    this.#listedSeen = types.some((type) => type !== undefined && tagTypes.has(type));
  }

  /** The context of the request for `resource` (of `type`, when known), and its unknown keys. */
  place(
    resource: string,
    type: string | undefined,
    context: Record<string, ContextValue>,
    unknown: string[],
  ): Record<string, ContextValue> {
    const tagTypes = this.info.tagTypes!;
    // `*` is a request for no resource: AWS checks it with the action's keys only.
    if (resource === "*") return withoutTags(context, unknown);
    const everyType = tagTypes.size === this.info.resourceTypes.length;
    const listed = type !== undefined ? tagTypes.has(type) : everyType;
    if (!listed) {
      // The resource the tags are for was not among the requests (a rule that does not build
      // it): they stay unknown rather than vanish.
      if (type === undefined || !this.#perResource || !this.#listedSeen)
        return withoutTags(context, unknown);
      return withoutTags(context, undefined);
    }
    if (!this.#perResource || this.tags.groups.length === 0) return context;
    return this.#ownTags(type, context, unknown);
  }

  /** The agreement for one resource type, made once per call (an action has a few requests). */
  #agreementFor(type: string | undefined): Agreement {
    let agreed = this.#byType.get(type);
    if (agreed === undefined) {
      const lowerType = type?.toLowerCase();
      const own: Tag[] = [];
      const others: Tag[] = [];
      for (const group of this.tags.groups) {
        const mine =
          group.forEvery || (lowerType !== undefined && group.type?.toLowerCase() === lowerType);
        (mine ? own : others).push(...group.tags);
      }
      agreed = ownTags(own, others);
      this.#byType.set(type, agreed);
    }
    return agreed;
  }

  /**
   * The tags of an EC2 resource of `type`: each key whose value is the same whether EC2 takes the
   * tags given for this type only or every tag of the call; the others are unknown.
   */
  #ownTags(
    type: string | undefined,
    context: Record<string, ContextValue>,
    unknown: string[],
  ): Record<string, ContextValue> {
    if (this.tags.groups.length === 1 && this.tags.groups[0]!.forEvery) return context;
    const agreed = this.#agreementFor(type);
    const out = withoutTags(context, undefined);
    // The request's own reading replaces the call's: drop what the call left unknown.
    let kept = 0;
    for (let i = 0; i < unknown.length; i++) {
      const key = unknown[i]!;
      if (key === TAG_KEYS || (key.startsWith(REQUEST_TAG) && !key.endsWith("*"))) continue;
      unknown[kept++] = key;
    }
    unknown.length = kept;
    for (const [key, value] of agreed.values) out[`${REQUEST_TAG}${key}`] = value;
    addAll(
      unknown,
      agreed.unknownKeys.map((key) => `${REQUEST_TAG}${key}`),
    );
    if (agreed.keys !== undefined && this.tags.removedKeys === undefined)
      out[TAG_KEYS] = agreed.keys;
    else pushOnce(unknown, TAG_KEYS);
    return out;
  }
}

/** A copy of the context without request tags; their keys go to `unknown` when it is given. */
function withoutTags(
  context: Readonly<Record<string, ContextValue>>,
  unknown: string[] | undefined,
): Record<string, ContextValue> {
  const own: Record<string, ContextValue> = {};
  const moved: string[] = [];
  for (const key in context) {
    if (!hasOwnMember(context, key)) continue;
    if (key === TAG_KEYS || key.startsWith(REQUEST_TAG)) moved.push(key);
    else own[key] = context[key]!;
  }
  if (unknown !== undefined) addAll(unknown, moved);
  return own;
}

function pushOnce(list: string[], key: string): void {
  if (!list.includes(key)) list.push(key);
}

/** Adds each key not in the list yet, in linear time (a call may set a thousand tags). */
function addAll(list: string[], keys: readonly string[]): void {
  if (keys.length === 0) return;
  const have = new Set(list);
  for (const key of keys) {
    if (have.has(key)) continue;
    have.add(key);
    list.push(key);
  }
}
