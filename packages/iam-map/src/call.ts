import {
  type CallTarget,
  contextValue,
  inputContext,
  resourcesFor,
  type VariableValues,
} from "./general-rule.js";
import { copyContext } from "./global-context.js";
import {
  type ActionInfo,
  type KeyList,
  keyList,
  keyListIncludes,
  loadedCatalog,
  typeOfResource,
} from "./iam-catalog.js";
import type { InputView } from "./input-view.js";
import { hasOwnMember, prototypePollution } from "./object-prototype.js";
import {
  type RequestTags,
  readRequestTags,
  serviceRequestTags,
  TAG_KEYS,
  TagPlacement,
  writeRequestTags,
} from "./request-tags.js";
import { seal, sharedContext, sharedUnknown } from "./shared-context.js";
import type { AuthorizationRequest, ContextValue } from "./types.js";
import { finishResource, hasUnknownPart, unknownPart } from "./unknown-part.js";

/** Which of an action's service keys a call's requests leave unknown. @internal */
export interface KeyPlan {
  /** Keys listed on the action: unknown unless the request's context has them. */
  readonly unknown: readonly string[];
  /** By resource type: keys named after members, read when present, and keys otherwise unknown. */
  readonly types: ReadonlyMap<string, TypePlan>;
  /** For a resource of no one known type: every key of its types that no rule decides. */
  readonly anyType: readonly string[];
}

/** The keys one resource type adds to its requests. @internal */
export interface TypePlan {
  readonly memberKeys: ReadonlyArray<readonly [key: string, member: string]>;
  readonly unknown: readonly string[];
  /** Whether the type lists the key (a family by its prefix). */
  lists(key: string): boolean;
}

/**
 * The service condition keys a service's rules decide for one operation (see
 * `ServiceRules.decidedKeys`), and for each action the plan of the keys they leave unknown.
 *
 * A key named after an input member (`s3:max-keys` ← `MaxKeys`) has the member's value when the
 * call gives it. When the call leaves the member out, the key is absent only where the service
 * is known to derive it from that request parameter alone (`omittedMembersAbsent`) and the
 * operation defines the member (`inputMembers`): elsewhere AWS may fill a default (KMS, ECS) or
 * read it from somewhere else, so it is unknown.
 * @internal
 */
export class DecidedKeys {
  readonly #lower: ReadonlySet<string>;
  readonly #omittedAbsent: ReadonlySet<string>;
  readonly #plans = new WeakMap<ActionInfo, KeyPlan>();
  readonly #byMembers = new WeakMap<ActionInfo, WeakMap<readonly string[], KeyPlan>>();

  constructor(keys: readonly string[], omittedMembersAbsent: readonly string[] = []) {
    this.#lower = new Set(keys.map((key) => key.toLowerCase()));
    this.#omittedAbsent = new Set(omittedMembersAbsent);
  }

  /** The plan for one action, given the member names the operation defines when known. */
  plan(info: ActionInfo, inputMembers: readonly string[] | undefined): KeyPlan {
    if (inputMembers === undefined) {
      let plan = this.#plans.get(info);
      if (plan === undefined) {
        plan = this.#compute(info, undefined);
        this.#plans.set(info, plan);
      }
      return plan;
    }
    let byMembers = this.#byMembers.get(info);
    if (byMembers === undefined) {
      byMembers = new WeakMap();
      this.#byMembers.set(info, byMembers);
    }
    let plan = byMembers.get(inputMembers);
    if (plan === undefined) {
      plan = this.#compute(info, inputMembers);
      byMembers.set(inputMembers, plan);
    }
    return plan;
  }

  #compute(info: ActionInfo, inputMembers: readonly string[] | undefined): KeyPlan {
    const defined = new Set<string>();
    if (this.#omittedAbsent.has(info.prefix) && inputMembers !== undefined) {
      for (const name of inputMembers)
        if (typeof name === "string") defined.add(name.toLowerCase().replace(/-/g, ""));
    }
    const decided = (key: string) => this.#lower.has(key.toLowerCase());
    const undecided = (
      memberKeys: ReadonlyArray<readonly [string, string]>,
      serviceKeys: readonly string[],
    ): string[] => [
      // Each key once: `addUnknown` relies on it.
      ...new Set([
        ...memberKeys
          .filter(([key, member]) => !decided(key) && !defined.has(member))
          .map(([k]) => k),
        ...serviceKeys.filter((key) => !decided(key)),
      ]),
    ];
    const types = new Map<string, TypePlan>();
    const anyType = new Set<string>();
    for (const [name, keys] of info.typeKeys) {
      types.set(
        name,
        Object.freeze({
          memberKeys: keys.memberKeys,
          unknown: seal(undecided(keys.memberKeys, keys.serviceKeys)),
          lists: keys.lists,
        }),
      );
      // A member's value cannot be placed without the type: unknown even when given.
      for (const [key] of keys.memberKeys) if (!decided(key)) anyType.add(key);
      for (const key of keys.serviceKeys) if (!decided(key)) anyType.add(key);
    }
    // Made of whole lists (spread, `filter`, `map`) and frozen: a plan serves every later call
    // of the action, and nothing in it is ever written where a setter could be handed it.
    return Object.freeze({
      unknown: seal(undecided(info.memberKeys, info.serviceKeys)),
      types,
      anyType: seal([...anyType]),
    });
  }
}

/** For operations whose rules decide no service key. */
const NONE_DECIDED = new DecidedKeys([]);

/** How to build one request beyond the general rule. @internal */
export interface RequestOptions {
  /** Resources to use instead of filling the action's ARN templates. */
  readonly resource?: string | readonly string[];
  /** Template variable values that take precedence over input members. */
  readonly variables?: VariableValues;
  /** Extra condition keys for this request. */
  readonly context?: Readonly<Record<string, ContextValue>>;
  /**
   * The resource type of the given resources, in the reference's spelling: their requests get
   * the keys AWS lists on that type.
   */
  readonly resourceType?: string;
}

/**
 * One call being mapped: what it targets, and the requests found so far. Service rules receive
 * it and add requests through {@link Call.require} and {@link Call.mayNeed}.
 * @internal
 */
export class Call implements CallTarget {
  readonly requests: AuthorizationRequest[] = [];
  readonly alsoMayNeed: AuthorizationRequest[] = [];
  /** Actions a rule asked for that the IAM reference does not have (made on the first). */
  missing: string[] | undefined;
  /**
   * Parts of the input the mapping could not place (a list entry of the wrong kind): the call is
   * unknown. Made on the first.
   */
  unmappable: string[] | undefined;
  /** Variable values the service rule derived for every action of the call. */
  variables: VariableValues | undefined;
  #callContext: Record<string, ContextValue> | undefined;
  #unknownContext: string[] | undefined;
  #tags: RequestTags | undefined;
  /** A note for the result's `reason`, for calls mapped in an unusual way. */
  note: string | undefined;
  /** The service keys the operation's rules decide. */
  decided: DecidedKeys = NONE_DECIDED;
  /** The member names the operation's input defines, when the caller knows them. */
  inputMembers: readonly string[] | undefined;
  /**
   * Set by a rule when the call's resources may get tags the input does not hold (an EC2 launch
   * template's): every request tag is then unknown.
   */
  tagsElsewhere = false;

  constructor(
    readonly prefix: string,
    readonly sdkId: string | undefined,
    readonly operation: string,
    readonly input: InputView,
    readonly partition: string,
    readonly region: string | undefined,
    readonly account: string | undefined,
    readonly globalContext: Readonly<Record<string, ContextValue>>,
  ) {}

  /** Condition keys a service rule derived for every request of the call. */
  get callContext(): Record<string, ContextValue> {
    this.#callContext ??= {};
    return this.#callContext;
  }

  /**
   * Condition keys AWS will have for the call that a rule could not compute; each request of an
   * action that supports the key lists it in `unknownContext`.
   */
  get unknownContext(): string[] {
    this.#unknownContext ??= [];
    return this.#unknownContext;
  }

  /** Records an action the IAM reference does not have: the call is unknown. */
  addMissing(action: string): void {
    if (this.missing === undefined) this.missing = [action];
    else this.missing.push(action);
  }

  /** Records a part of the input the mapping could not place: the call is unknown. */
  push(problem: string): void {
    if (this.unmappable === undefined) this.unmappable = [problem];
    else this.unmappable.push(problem);
  }

  /** An action by `Name` (this service) or `prefix:Name`, if the IAM reference has it and it is loaded. */
  action(id: string): ActionInfo | undefined {
    const cached = actionCache.get(this.prefix)?.get(id);
    if (cached !== undefined) return cached;
    const colon = id.indexOf(":");
    const prefix = colon < 0 ? this.prefix : id.slice(0, colon);
    const name = colon < 0 ? id : id.slice(colon + 1);
    const catalog = loadedCatalog(prefix);
    if (!catalog) return undefined;
    // Kept only when no prototype has additions, checked before the catalog may prepare it: an
    // action prepared while one has serves only this call (see `iam-catalog.ts`).
    const keep = prototypePollution() === undefined;
    const info = catalog.actions.get(name.toLowerCase());
    // Found actions only: a prefix loaded later must still be found. Rules name a bounded set.
    if (info === undefined || !keep) return info;
    let byId = actionCache.get(this.prefix);
    if (byId === undefined) {
      byId = new Map();
      actionCache.set(this.prefix, byId);
    }
    if (byId.size < 10_000) byId.set(id, info);
    return info;
  }

  /** Adds the requests AWS makes for `action` on this call. */
  require(action: string, options?: RequestOptions): void {
    const info = this.action(action);
    if (!info) {
      this.addMissing(action.includes(":") ? action : `${this.prefix}:${action}`);
      return;
    }
    this.build(info, options, this.requests);
  }

  /** Adds requests AWS makes only when server-side state the client cannot see calls for them. */
  mayNeed(action: string, options?: RequestOptions): void {
    const info = this.action(action);
    if (info) this.build(info, options, this.alsoMayNeed);
  }

  /**
   * The requests for one action: resources by the general rule unless given, context merged.
   * Appended to `into` when given (and returned).
   */
  build(
    info: ActionInfo,
    options?: RequestOptions,
    into: AuthorizationRequest[] = [],
  ): AuthorizationRequest[] {
    let variables = this.variables;
    let given: string | readonly string[] | undefined;
    let extra: Readonly<Record<string, ContextValue>> | undefined;
    let givenType: string | undefined;
    if (options !== undefined) {
      // Own members only: rules build options as object literals, which would otherwise read a
      // member added to `Object.prototype` as an option the rule left out.
      givenType = ownOption(options, "resourceType");
      const own = ownOption(options, "variables");
      if (own !== undefined) variables = variables ? Object.assign({}, variables, own) : own;
      given = ownOption(options, "resource");
      extra = ownOption(options, "context");
    }
    const context = copyContext(this.globalContext);
    const unknown: string[] = [];
    // Whether any service key has a value: the global context holds only `aws:` and keycard keys.
    let valued = inputContext(info, this.input, context, unknown);
    let tags: RequestTags | undefined;
    if (info.tagKeys) {
      this.#tags ??= readRequestTags(this.input, this.operation);
      tags = this.#tags;
      if (this.tagsElsewhere && !tags.unread) {
        tags = { ...tags, unread: true };
        this.#tags = tags;
      }
      // Tags a rule read itself (CloudFront's, below the top level) are the call's.
      if (!(tags.unread && extra !== undefined && hasOwnMember(extra, TAG_KEYS)))
        writeRequestTags(tags, context, unknown);
      // The copies are under a family the plan lists as unknown (`rds:req-tag/*`): they need
      // no change to its shared list.
      serviceRequestTags(info, context);
    }
    const callContext = this.#callContext;
    // A rule's value goes where AWS lists the key: on every request when the action lists it,
    // on the requests for one resource type when that type does, nowhere else (a value AWS does
    // not have would let a negated condition fail where AWS's holds).
    let typeValues: Array<readonly [string, ContextValue]> | undefined;
    // A list value (`dynamodb:LeadingKeys`) makes the context one that is never shared.
    let listed = false;
    if (callContext !== undefined) {
      for (const key in callContext) {
        if (!hasOwnMember(callContext, key)) continue;
        const where = listedAt(info, key);
        if (where === "action") {
          const value = callContext[key]!;
          context[key] = value;
          if (Array.isArray(value)) listed = true;
          valued = true;
        } else if (where === "type") {
          typeValues ??= [];
          typeValues.push([key, callContext[key]!]);
        }
      }
    }
    if (extra !== undefined) {
      Object.assign(context, extra);
      valued = true;
    }
    // A rule's "unknown" wins over a member's raw text (an ECS cluster named where AWS's key
    // holds its ARN); a rule's value wins over its "unknown".
    let typeUnknown: string[] | undefined;
    const unknownContext = this.#unknownContext;
    if (unknownContext !== undefined) {
      for (let i = 0; i < unknownContext.length; i++) {
        const key = unknownContext[i]!;
        if (ruledKey(key, callContext, extra)) continue;
        const where = listedAt(info, key);
        if (where === "type") {
          typeUnknown ??= [];
          typeUnknown.push(key);
        }
        if (where !== "action") continue;
        delete context[key];
        if (!unknown.includes(key)) unknown.push(key);
      }
    }
    // AWS has the action's other service keys; what no rule computed is unknown, not absent.
    const plan = this.decided.plan(info, this.inputMembers);
    // Most calls give none of them: the plan's own frozen list is shared then.
    let callUnknown: readonly string[] = unknown;
    if (!valued && unknown.length === 0) callUnknown = plan.unknown;
    else addUnknown(plan.unknown, context, unknown);
    // Request tags the reference lists on resource types are placed per resource, like type keys.
    const placeTags =
      tags !== undefined &&
      info.tagTypes !== undefined &&
      !tags.unread &&
      (tags.groups.length > 0 || tags.removedKeys !== undefined);
    const typed =
      plan.types.size > 0 || placeTags ? new Map<string, string | undefined>() : undefined;
    const resources =
      given === undefined
        ? resourcesFor(info, this, variables, this, typed)
        : typeof given === "string"
          ? [given]
          : given;
    if (given !== undefined && givenType !== undefined && typed !== undefined)
      for (const resource of resources) typed.set(resource, givenType);
    // Each resource's type; one a rule gives as text is the type whose ARN formats it fits.
    const types =
      typed === undefined
        ? undefined
        : resources.map((r) =>
            typed.has(r) || r === "*" ? typed.get(r) : typeOfResource(info, r),
          );
    const tagPlacement =
      placeTags && types !== undefined ? new TagPlacement(info, tags!, types) : undefined;
    // Requests without per-type keys share the call's context and list, frozen, and an equal
    // pair from an earlier call is handed out again (see `shared-context.ts`).
    const sharedOwn = typed === undefined && !listed ? sharedContext(plan, context) : context;
    const sharedList =
      typed === undefined && callUnknown.length > 0
        ? sharedUnknown(plan, callUnknown as string[])
        : callUnknown;
    for (let i = 0; i < resources.length; i++) {
      const resource = resources[i]!;
      if (typed === undefined) {
        into.push(
          request(info.id, resource, sharedOwn, sharedList.length > 0 ? sharedList : undefined),
        );
        continue;
      }
      // Keys of the resource's type go on its request only: AWS checks each resource with the
      // keys its type lists.
      const type = types![i];
      const inferred = !typed.has(resource);
      const keys = type === undefined ? undefined : plan.types.get(type);
      let own = context;
      const ownUnknown = callUnknown.slice();
      if (type === undefined) addUnknown(plan.anyType, own, ownUnknown);
      else if (keys !== undefined) {
        for (const [key, value] of typeValues ?? []) {
          if (!keys.lists(key)) continue;
          if (own === context) own = Object.assign({}, context);
          own[key] = value;
        }
        for (const key of typeUnknown ?? [])
          if (keys.lists(key) && !ownUnknown.includes(key)) ownUnknown.push(key);
        // A member describes what the call creates, not a resource that exists already: its
        // value goes only on the request for a resource whose name AWS assigns (the new
        // instance of RunInstances), while an existing snapshot's or volume's own state stays
        // unknown. Not for an inferred type either: which members describe that resource is
        // not known (`ec2:CreateTags` on a new instance), so its member keys stay unknown.
        if (hasUnknownPart(resource) && !inferred)
          own = typeContext(keys, this.input, own, ownUnknown, callContext, extra, typeUnknown);
        addUnknown(keys.unknown, own, ownUnknown);
      }
      if (tagPlacement !== undefined) own = tagPlacement.place(resource, type, own, ownUnknown);
      into.push(request(info.id, resource, own, ownUnknown.length > 0 ? ownUnknown : undefined));
    }
    return into;
  }

  /** An ARN of this call's partition, region and account (marked unknown where not known). */
  arn(
    service: string,
    resource: string,
    region = this.region ?? unknownPart("region"),
    account = this.account ?? unknownPart("account"),
  ): string {
    return `arn:${this.partition}:${service}:${region}:${account}:${resource}`;
  }
}

function ownOption<K extends keyof RequestOptions>(
  options: RequestOptions,
  key: K,
): RequestOptions[K] | undefined {
  return hasOwnMember(options, key) ? options[key] : undefined;
}

/** Where the IAM reference lists a key for an action: on the action, on a resource type, or not. */
function listedAt(info: ActionInfo, key: string): "action" | "type" | undefined {
  if (key.startsWith("aws:")) return "action";
  // Rules give the same few keys on every call of an action: each is looked up once.
  let places = listings.get(info);
  if (places === undefined) {
    places = new Map();
    listings.set(info, places);
  }
  let place = places.get(key);
  if (place === undefined) {
    place = keyListIncludes(actionKeyList(info), key)
      ? "action"
      : [...info.typeKeys.values()].some((keys) => keys.lists(key))
        ? "type"
        : "nowhere";
    // Bounded: keys come from rules, and from tag keys an application names.
    if (places.size < 1000) places.set(key, place);
  }
  return place === "nowhere" ? undefined : place;
}

/** Where each key an action was asked about is listed (see {@link listedAt}). */
const listings = new WeakMap<ActionInfo, Map<string, "action" | "type" | "nowhere">>();

const actionKeyLists = new WeakMap<ActionInfo, KeyList>();

function actionKeyList(info: ActionInfo): KeyList {
  let list = actionKeyLists.get(info);
  if (list === undefined) {
    list = keyList([...info.conditionKeys, ...info.serviceKeys]);
    actionKeyLists.set(info, list);
  }
  return list;
}

/** Whether a rule gave the key a value, for the whole call or for this action. */
function ruledKey(
  key: string,
  callContext: Readonly<Record<string, ContextValue>> | undefined,
  extra: Readonly<Record<string, ContextValue>> | undefined,
): boolean {
  return (
    (callContext !== undefined && hasOwnMember(callContext, key)) ||
    (extra !== undefined && hasOwnMember(extra, key))
  );
}

/** Adds the keys (each listed once) the context does not have to `unknown`, once each. */
function addUnknown(
  keys: readonly string[],
  context: Readonly<Record<string, ContextValue>>,
  unknown: string[],
): void {
  if (unknown.length === 0) {
    for (let i = 0; i < keys.length; i++)
      if (!hasOwnMember(context, keys[i]!)) unknown.push(keys[i]!);
    return;
  }
  if (keys.length * unknown.length < 256) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (!hasOwnMember(context, key) && !unknown.includes(key)) unknown.push(key);
    }
    return;
  }
  // EC2 actions list hundreds of keys across their types: a set keeps this linear.
  const seen = new Set(unknown);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (hasOwnMember(context, key) || seen.has(key)) continue;
    seen.add(key);
    unknown.push(key);
  }
}

/**
 * The context of a request for a resource of one type: the call's, plus the type's keys named
 * after members the input gives (a copy only when there are any).
 */
function typeContext(
  keys: TypePlan,
  input: InputView,
  context: Record<string, ContextValue>,
  unknown: string[],
  callContext: Readonly<Record<string, ContextValue>> | undefined,
  extra: Readonly<Record<string, ContextValue>> | undefined,
  typeUnknown: readonly string[] | undefined,
): Record<string, ContextValue> {
  if (keys.memberKeys.length === 0) return context;
  let own: Record<string, ContextValue> | undefined;
  const lowers = input.lowerKeys();
  const values = input.memberValues();
  for (const [key, member] of keys.memberKeys) {
    // A rule's value or "unknown" wins over the member's raw value.
    if (ruledKey(key, callContext, extra) || typeUnknown?.includes(key) === true) continue;
    const at = lowers.lastIndexOf(member);
    if (at < 0) continue;
    const raw = values[at];
    if (raw === undefined || raw === null) continue;
    const value = contextValue(raw);
    if (value === undefined) {
      if (!unknown.includes(key)) unknown.push(key);
      continue;
    }
    own ??= Object.assign({}, context);
    own[key] = value;
  }
  return own ?? context;
}

/** Actions by the id rules ask for them with, per prefix of the call. */
const actionCache = new Map<string, Map<string, ActionInfo>>();

/** One finished request. */
function request(
  action: string,
  resource: string,
  context: Readonly<Record<string, ContextValue>>,
  unknown: readonly string[] | undefined,
): AuthorizationRequest {
  let out: AuthorizationRequest;
  if (!hasUnknownPart(resource)) out = { action, resource, context };
  else {
    const finished = finishResource(resource);
    // Keys in the order decision logs have always had them.
    out = finished.resourceParts
      ? { action, resource: finished.resource, resourceParts: finished.resourceParts, context }
      : { action, resource: finished.resource, context };
  }
  if (unknown !== undefined) out.unknownContext = unknown;
  return out;
}
