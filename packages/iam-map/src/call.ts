import {
  type CallTarget,
  inputContext,
  resourcesFor,
  type VariableValues,
} from "./general-rule.js";
import { type ActionInfo, loadedCatalog } from "./iam-catalog.js";
import type { InputView } from "./input-view.js";
import type { AuthorizationRequest, ContextValue } from "./types.js";
import { finishResource, hasUnknownPart, unknownPart } from "./unknown-part.js";

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
  /** Actions a rule asked for that the IAM reference does not have. */
  readonly missing: string[] = [];
  /** Parts of the input the mapping could not place (a list entry of the wrong kind): the call is unknown. */
  readonly unmappable: string[] = [];
  /** Variable values the service rule derived for every action of the call. */
  variables: VariableValues | undefined;
  /** Condition keys a service rule derived for every request of the call. */
  readonly callContext: Record<string, ContextValue> = {};
  /**
   * Condition keys AWS will have for the call that a rule could not compute; each request of an
   * action that supports the key lists it in `unknownContext`.
   */
  readonly unknownContext: string[] = [];
  /** A note for the result's `reason`, for calls mapped in an unusual way. */
  note: string | undefined;

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

  /** An action by `Name` (this service) or `prefix:Name`, if the IAM reference has it and it is loaded. */
  action(id: string): ActionInfo | undefined {
    const colon = id.indexOf(":");
    const prefix = colon < 0 ? this.prefix : id.slice(0, colon);
    const name = colon < 0 ? id : id.slice(colon + 1);
    return loadedCatalog(prefix)?.actions.get(name.toLowerCase());
  }

  /** Adds the requests AWS makes for `action` on this call. */
  require(action: string, options?: RequestOptions): void {
    const info = this.action(action);
    if (!info) {
      this.missing.push(action.includes(":") ? action : `${this.prefix}:${action}`);
      return;
    }
    this.requests.push(...this.build(info, options));
  }

  /** Adds requests AWS makes only when server-side state the client cannot see calls for them. */
  mayNeed(action: string, options?: RequestOptions): void {
    const info = this.action(action);
    if (info) this.alsoMayNeed.push(...this.build(info, options));
  }

  /** The requests for one action: resources by the general rule unless given, context merged. */
  build(info: ActionInfo, options?: RequestOptions): AuthorizationRequest[] {
    const variables = options?.variables
      ? this.variables
        ? Object.assign({}, this.variables, options.variables)
        : options.variables
      : this.variables;
    const given = options?.resource;
    const resources =
      given === undefined
        ? resourcesFor(info, this, variables, this.unmappable)
        : typeof given === "string"
          ? [given]
          : given;
    // Object.assign, not spread: V8 copies these keyed records many times faster that way.
    const context: Record<string, ContextValue> = Object.assign({}, this.globalContext);
    const unknown: string[] = [];
    inputContext(info, this.input, context, unknown);
    for (const key in this.callContext) context[key] = this.callContext[key]!;
    if (options?.context) Object.assign(context, options.context);
    for (let i = 0; i < this.unknownContext.length; i++) {
      const key = this.unknownContext[i]!;
      if (info.conditionKeys.includes(key) && !(key in context)) unknown.push(key);
    }
    const out: AuthorizationRequest[] = new Array(resources.length);
    for (let i = 0; i < resources.length; i++) {
      const resource = resources[i]!;
      if (!hasUnknownPart(resource)) {
        const request: AuthorizationRequest = { action: info.id, resource, context };
        if (unknown.length > 0) request.unknownContext = unknown;
        out[i] = request;
        continue;
      }
      const finished = finishResource(resource);
      // Keys in the order decision logs have always had them.
      const request: AuthorizationRequest = finished.resourceParts
        ? {
            action: info.id,
            resource: finished.resource,
            resourceParts: finished.resourceParts,
            context,
          }
        : { action: info.id, resource: finished.resource, context };
      if (unknown.length > 0) request.unknownContext = unknown;
      out[i] = request;
    }
    return out;
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
