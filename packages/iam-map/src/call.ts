import {
  type CallTarget,
  inputContext,
  resourcesFor,
  type VariableValues,
} from "./general-rule.js";
import { copyContext } from "./global-context.js";
import { type ActionInfo, loadedCatalog } from "./iam-catalog.js";
import type { InputView } from "./input-view.js";
import type { AuthorizationRequest, ContextValue } from "./types.js";
import { finishResource, hasUnknownPart, unknownPart } from "./unknown-part.js";

/**
 * The service condition keys a service's rules decide for one operation (see
 * `ServiceRules.decidedKeys`), and for each action the listed service keys they leave unknown.
 * @internal
 */
export class DecidedKeys {
  readonly #lower: ReadonlySet<string>;
  readonly #undecided = new WeakMap<ActionInfo, readonly string[]>();
  readonly #byMembers = new WeakMap<ActionInfo, WeakMap<readonly string[], readonly string[]>>();

  constructor(keys: readonly string[]) {
    this.#lower = new Set(keys.map((key) => key.toLowerCase()));
  }

  /**
   * The action's service keys that no rule decides: unknown unless a request's context has
   * them. A key named after an input member (`s3:max-keys` ← `MaxKeys`) is decided by the
   * member only where the operation defines it (`inputMembers`): there, a call that leaves the
   * member out sends no value and AWS has no key. Without the operation's members, and for
   * members the operation does not define, the key is unknown when the input does not give it.
   */
  undecided(info: ActionInfo, inputMembers: readonly string[] | undefined): readonly string[] {
    if (inputMembers === undefined) {
      let keys = this.#undecided.get(info);
      if (keys === undefined) {
        keys = this.#compute(info, undefined);
        this.#undecided.set(info, keys);
      }
      return keys;
    }
    let byMembers = this.#byMembers.get(info);
    if (byMembers === undefined) {
      byMembers = new WeakMap();
      this.#byMembers.set(info, byMembers);
    }
    let keys = byMembers.get(inputMembers);
    if (keys === undefined) {
      keys = this.#compute(info, inputMembers);
      byMembers.set(inputMembers, keys);
    }
    return keys;
  }

  #compute(info: ActionInfo, inputMembers: readonly string[] | undefined): readonly string[] {
    const defined = new Set(inputMembers?.map((m) => m.toLowerCase().replace(/-/g, "")));
    const keys: string[] = [];
    for (const [key, member] of info.memberKeys)
      if (!defined.has(member) && !this.#lower.has(key.toLowerCase())) keys.push(key);
    for (const key of info.serviceKeys) if (!this.#lower.has(key.toLowerCase())) keys.push(key);
    return Object.freeze(keys);
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
  /** A note for the result's `reason`, for calls mapped in an unusual way. */
  note: string | undefined;
  /** The service keys the operation's rules decide. */
  decided: DecidedKeys = NONE_DECIDED;
  /** The member names the operation's input defines, when the caller knows them. */
  inputMembers: readonly string[] | undefined;

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
    let byId = actionCache.get(this.prefix);
    if (byId === undefined) {
      byId = new Map();
      actionCache.set(this.prefix, byId);
    }
    const cached = byId.get(id);
    if (cached !== undefined) return cached;
    const colon = id.indexOf(":");
    const prefix = colon < 0 ? this.prefix : id.slice(0, colon);
    const name = colon < 0 ? id : id.slice(colon + 1);
    const info = loadedCatalog(prefix)?.actions.get(name.toLowerCase());
    // Found actions only: a prefix loaded later must still be found. Rules name a bounded set.
    if (info !== undefined && byId.size < 10_000) byId.set(id, info);
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
    if (options !== undefined) {
      const own = options.variables;
      if (own !== undefined) variables = variables ? Object.assign({}, variables, own) : own;
      given = options.resource;
      extra = options.context;
    }
    const context = copyContext(this.globalContext);
    const unknown: string[] = [];
    inputContext(info, this.input, context, unknown);
    const callContext = this.#callContext;
    if (callContext !== undefined) for (const key in callContext) context[key] = callContext[key]!;
    if (extra !== undefined) Object.assign(context, extra);
    const unknownContext = this.#unknownContext;
    if (unknownContext !== undefined) {
      for (let i = 0; i < unknownContext.length; i++) {
        const key = unknownContext[i]!;
        if (info.conditionKeys.includes(key) && !(key in context)) unknown.push(key);
      }
    }
    // AWS has the action's other service keys; what no rule computed is unknown, not absent.
    const undecided = this.decided.undecided(info, this.inputMembers);
    for (let i = 0; i < undecided.length; i++) {
      const key = undecided[i]!;
      if (!(key in context) && !unknown.includes(key)) unknown.push(key);
    }
    const hasUnknown = unknown.length > 0;
    if (given === undefined) {
      const resources = resourcesFor(info, this, variables, this);
      for (let i = 0; i < resources.length; i++) {
        into.push(request(info.id, resources[i]!, context, hasUnknown ? unknown : undefined));
      }
    } else if (typeof given === "string") {
      into.push(request(info.id, given, context, hasUnknown ? unknown : undefined));
    } else {
      for (let i = 0; i < given.length; i++) {
        into.push(request(info.id, given[i]!, context, hasUnknown ? unknown : undefined));
      }
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

/** Actions by the id rules ask for them with, per prefix of the call. */
const actionCache = new Map<string, Map<string, ActionInfo>>();

/** One finished request. */
function request(
  action: string,
  resource: string,
  context: Record<string, ContextValue>,
  unknown: string[] | undefined,
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
