import { types } from "node:util";
import { Call, DecidedKeys } from "./call.js";
import { operationActionExceptions } from "./exceptions.js";
import type { VariableValues } from "./general-rule.js";
import { globalContext } from "./global-context.js";
import { catalogGeneration, loadCatalogSync, loadedCatalog } from "./iam-catalog.js";
import { InputView } from "./input-view.js";
import { type CallSetting, MappingReuse } from "./mapping-reuse.js";
import { hasOwnMember, ownMember, prototypePollution } from "./object-prototype.js";
import { partitionForRegion } from "./partition.js";
import { passesRoles, passRolePlan, requirePassRole } from "./pass-role.js";
import { serviceRules } from "./rules.js";
import {
  loadServiceIndexSync,
  resolveService,
  type ServiceIdentity,
  serviceIndexReady,
} from "./service-names.js";
import type { OperationRule } from "./service-rules.js";
import type { AuthorizationInput, AuthorizationResult } from "./types.js";

/** How to map one operation of one prefix, found once and cached. */
interface Plan {
  readonly operation: string;
  readonly run: (call: Call) => void;
  /** The service rule's variables for every operation (an S3 bucket, an SQS queue URL). */
  readonly variables: ((call: Call) => VariableValues | undefined) | undefined;
  /** For operations sent unsigned: the result's reason (no request is made). */
  readonly unsigned: string | undefined;
  // Every member is the plan's own, even when undefined: none is read from `Object.prototype`.
  /** Service condition keys the rules decide for this operation (see `ServiceRules`). */
  readonly decided: DecidedKeys | undefined;
  /** Made while `Object.prototype` had members added: serves its own call only (see {@link keepsPlans}). */
  readonly transient: true | undefined;
  /** Reuse of mappings across calls that differ only in a name (see `mapping-reuse.ts`). */
  readonly reuse: MappingReuse | undefined;
}

/** Plans by service identity, then operation name as given. */
const plans = new WeakMap<ServiceIdentity, Map<string, Plan>>();

/** Service names whose data is loaded, so the async path can skip straight to mapping. */
const ready = new Set<string>();

/**
 * Loads what mapping the given services needs (names as {@link AuthorizationInput.service}
 * accepts them), so that {@link authorizationForSync} can map their calls. Unknown names are
 * ignored. Rejects with an {@link IamMapError} (`DATA_UNAVAILABLE`) if IAM reference data
 * cannot be read.
 * @example
 * ```ts
 * await preloadServices(["S3Client", "DynamoDBClient"]);
 * ```
 * @public
 */
export async function preloadServices(services: Iterable<string>): Promise<void> {
  // Read once: a generator would be empty the second time round.
  const names = [...services];
  loadServiceIndexSync();
  // The named services are decoded now, so unreadable data rejects here; the prefixes their rules
  // may also use (S3's `kms`, `iam` for PassRole) only when a call first needs one of their actions.
  const prefixes = new Map<string, boolean>();
  for (const name of names) {
    const prefix = resolveService(name)?.prefix;
    if (!prefix) continue;
    prefixes.set(prefix, true);
    for (const related of ownMember(serviceRules, prefix)?.related ?? []) {
      if (!prefixes.has(related)) prefixes.set(related, false);
    }
    // Operations that pass a role also need iam:PassRole from the IAM reference.
    if (passesRoles(prefix) && !prefixes.has("iam")) prefixes.set("iam", false);
  }
  for (const [prefix, decode] of prefixes) loadCatalogSync(prefix, decode);
  if (ready.size < 1000) for (const name of names) if (typeof name === "string") ready.add(name);
}

/**
 * Every authorization AWS performs for one SDK call: the IAM actions, resource ARNs and condition
 * context. Loads and caches the IAM reference for the service on first use. Never throws and never
 * rejects: a service or operation that cannot be mapped gives `known: false` with a reason.
 * @example
 * ```ts
 * const result = await authorizationFor({
 *   service: "S3Client",
 *   operation: "GetObjectCommand",
 *   input: { Bucket: "reports", Key: "2024/q1.csv" },
 *   region: "us-east-1",
 *   accountId: "123456789012",
 * });
 * // result.requests[0]: { action: "s3:GetObject", resource: "arn:aws:s3:::reports/2024/q1.csv", context: {…} }
 * ```
 * @public
 */
export async function authorizationFor(args: AuthorizationInput): Promise<AuthorizationResult> {
  try {
    if (!ready.has(args?.service)) await preloadServices([args?.service]);
  } catch (error) {
    return unknown("", `IAM reference data could not be loaded: ${message(error)}`);
  }
  return authorizationForSync(args);
}

/**
 * {@link authorizationFor} without waiting: for services already loaded by
 * {@link preloadServices} or an earlier {@link authorizationFor}. For a service not loaded yet it
 * returns `known: false` with a reason that says so.
 * @public
 */
export function authorizationForSync(args: AuthorizationInput): AuthorizationResult {
  try {
    return map(args);
  } catch (error) {
    return unknown("", `mapping failed: ${message(error)}`);
  }
}

function map(args: AuthorizationInput): AuthorizationResult {
  if (!args || typeof args !== "object") return unknown("", "no call to map");
  const service = args.service;
  const operation = args.operation;
  if (typeof service !== "string" || typeof operation !== "string") {
    return unknown("", "service and operation must be strings");
  }
  let identity: ServiceIdentity | undefined;
  let prefix: string;
  let plan: Plan | null;
  // The last few calls' service and operation names, as given: most calls repeat one of them.
  let memo: Memo | undefined;
  for (let i = 0; i < MEMOS; i++) {
    const m = memos[i];
    if (m !== undefined && m.service === service && m.operation === operation) {
      memo = m;
      break;
    }
  }
  if (memo !== undefined) {
    identity = memo.identity;
    prefix = memo.prefix;
    plan = memo.plan;
  } else {
    const found = resolvePlan(service, operation);
    if (hasOwnMember(found, "known")) return found as AuthorizationResult;
    ({ identity, prefix, plan } = found as Exclude<typeof found, AuthorizationResult>);
    // Kept only while no prototype has additions: a memo names its plan, which code that kept a
    // memo it was handed (a setter on `Array.prototype`) could change for every later call.
    if (plan.transient === undefined && keepsPlans()) {
      memos[nextMemo] = Object.freeze({ service, operation, identity, prefix, plan });
      nextMemo = (nextMemo + 1) % MEMOS;
    }
  }
  if (plan.unsigned !== undefined) {
    return { known: true, service: prefix, requests: [], alsoMayNeed: [], reason: plan.unsigned };
  }
  return run(args, identity, prefix, plan);
}

/** A service and operation name as given, and the plan they resolved to. */
interface Memo {
  readonly service: string;
  readonly operation: string;
  readonly identity: ServiceIdentity;
  readonly prefix: string;
  readonly plan: Plan;
}

const MEMOS = 8;
/**
 * Written in place, never grown: every entry is the list's own from the start (`Array.from`
 * defines them), so no write meets a setter on `Array.prototype`.
 */
const memos: Array<Memo | undefined> = Array.from({ length: MEMOS });
let nextMemo = 0;

/** The plan for a service and operation, or the result that says why there is none. */
function resolvePlan(
  service: string,
  operation: string,
): AuthorizationResult | { identity: ServiceIdentity; prefix: string; plan: Plan } {
  const identity = resolveService(service);
  if (!identity) {
    return unknown(
      "",
      serviceIndexReady() ? `unknown service "${clip(service)}"` : notLoaded(service),
    );
  }
  const prefix = identity.prefix;
  if (prefix === null)
    return unknown("", `AWS publishes no IAM reference for service "${clip(service)}"`);
  const catalog = loadedCatalog(prefix);
  if (catalog === undefined) return unknown(prefix, notLoaded(service));
  if (catalog === null) return unknown(prefix, `the IAM reference has no service "${prefix}"`);

  const plan = planForName(identity, prefix, operation);
  if (plan === null) {
    const name =
      operation.endsWith("Command") && operation.length > 7 ? operation.slice(0, -7) : operation;
    return unknown(
      prefix,
      `no IAM action in the ${prefix} reference for operation "${clip(name)}"`,
    );
  }
  return { identity, prefix, plan };
}

/** Maps one call by its plan. */
function run(
  args: AuthorizationInput,
  identity: ServiceIdentity,
  prefix: string,
  plan: Plan,
): AuthorizationResult {
  // Optional members as the caller's own: one left out is not read from `Object.prototype`.
  const given = args as unknown as Readonly<Record<string, unknown>>;
  const argRegion = ownMember(given, "region");
  const region = typeof argRegion === "string" && argRegion.length > 0 ? argRegion : undefined;
  const argAccount = ownMember(given, "accountId");
  const account = typeof argAccount === "string" && argAccount.length > 0 ? argAccount : undefined;
  const argPartition = ownMember(given, "partition");
  const partition =
    typeof argPartition === "string" && argPartition.length > 0
      ? argPartition
      : partitionForRegion(region);
  const global = globalContext(args, region);
  const inputMembers = ownMember(given, "inputMembers");
  if (inputMembers !== undefined && !memberList(inputMembers))
    return unknown(prefix, "inputMembers must be a list of the operation's member names");
  const input = ownMember(given, "input");
  const reuse = plan.transient === undefined ? plan.reuse : undefined;
  // Only a member list that cannot change may be part of what a reused mapping depends on: a
  // frozen list of data entries (a frozen list may still hold getters, which would run amid the
  // mappings that make a class).
  if (reuse !== undefined && (inputMembers === undefined || checkedMemberLists.has(inputMembers))) {
    const setting: CallSetting = {
      global,
      region,
      account,
      partition,
      inputMembers,
      catalogs: catalogGeneration(),
    };
    const reused = reuse.result(input, setting, (copy) =>
      mapFresh(copy, plan, prefix, identity, setting),
    );
    if (reused !== undefined) return reused;
  }
  return mapFresh(input, plan, prefix, identity, {
    global,
    region,
    account,
    partition,
    inputMembers,
  });
}

/** Maps `input` afresh in the call's setting (the setting's catalog generation aside). */
function mapFresh(
  input: unknown,
  plan: Plan,
  prefix: string,
  identity: ServiceIdentity,
  setting: Omit<CallSetting, "catalogs">,
): AuthorizationResult {
  const call = new Call(
    prefix,
    identity.sdkId,
    plan.operation,
    new InputView(input),
    setting.partition,
    setting.region,
    setting.account,
    setting.global,
  );
  return mapCall(call, plan, setting.inputMembers);
}

/** The mapping of one call, by its plan. */
function mapCall(
  call: Call,
  plan: Plan,
  inputMembers: readonly string[] | undefined,
): AuthorizationResult {
  const prefix = call.prefix;
  if (plan.decided !== undefined) call.decided = plan.decided;
  if (inputMembers !== undefined) call.inputMembers = inputMembers;
  const variables = plan.variables;
  if (variables !== undefined) call.variables = variables(call);
  plan.run(call);
  const missing = call.missing;
  if (missing !== undefined) {
    return unknown(prefix, `the IAM reference has no action ${[...new Set(missing)].join(", ")}`);
  }
  const unreadable = call.input.problems();
  const unmappable = call.unmappable;
  if (unmappable !== undefined || unreadable.length > 0) {
    const reasons = unmappable === undefined ? unreadable : [...unreadable, ...unmappable];
    return unknown(prefix, [...new Set(reasons)].slice(0, 5).join("; "));
  }
  const result: AuthorizationResult = {
    known: true,
    service: prefix,
    requests: call.requests,
    alsoMayNeed: call.alsoMayNeed,
  };
  if (call.note !== undefined) result.reason = call.note;
  return result;
}

/** Frozen member lists already checked: the middleware passes one list per operation. */
const checkedMemberLists = new WeakSet<readonly string[]>();

/**
 * Whether `inputMembers` is a list of names. A frozen list of plain entries (no getters), which
 * cannot change, is checked once.
 */
function memberList(inputMembers: unknown): inputMembers is readonly string[] {
  if (!Array.isArray(inputMembers)) return false;
  if (checkedMemberLists.has(inputMembers)) return true;
  for (let i = 0; i < inputMembers.length; i++)
    if (typeof inputMembers[i] !== "string") return false;
  if (!isProxy(inputMembers) && Object.isFrozen(inputMembers) && plainEntries(inputMembers))
    checkedMemberLists.add(inputMembers);
  return true;
}

function plainEntries(list: readonly unknown[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const entry = Object.getOwnPropertyDescriptor(list, i);
    // Own members of the descriptor: `in` would also find a `value` added to `Object.prototype`.
    if (entry === undefined || !Object.hasOwn(entry, "value") || typeof entry.value !== "string")
      return false;
  }
  return true;
}

/**
 * Whether a plan made now may be kept for later calls. Plans read the rule tables, whose optional
 * members a member added to `Object.prototype` would stand in for, and fill lists a setter added
 * to `Array.prototype` would be handed; one made while any prototype has additions serves only the
 * call that made it, so that removing them leaves no trace.
 */
function keepsPlans(): boolean {
  return prototypePollution() === undefined;
}

/** What an operation name (`PutObject` or `PutObjectCommand`) maps to, cached by the name as given. */
function planForName(identity: ServiceIdentity, prefix: string, operation: string): Plan | null {
  let byName = plans.get(identity);
  if (!byName) {
    byName = new Map();
    plans.set(identity, byName);
  }
  const found = byName.get(operation);
  if (found !== undefined) return found;
  // Asked before the plan is made, not after: a setter that removes itself when it first fires
  // leaves the prototypes clean again by the time the plan is done.
  const keep = keepsPlans();
  const names =
    operation.endsWith("Command") && operation.length > 7
      ? [operation.slice(0, -7), operation]
      : [operation];
  let plan: Plan | null = null;
  for (const name of names) {
    if (identity.unsigned.has(name)) {
      plan = {
        operation: name,
        run: () => {},
        variables: undefined,
        unsigned: `${name} is sent unsigned; AWS checks no IAM permission for it`,
        decided: undefined,
        transient: undefined,
        reuse: undefined,
      };
      break;
    }
  }
  if (plan === null) {
    for (const name of names) {
      plan = planFor(identity, prefix, name);
      if (plan) break;
    }
  }
  if (plan !== null && !keep) return { ...plan, transient: true };
  // Only names that map are cached, so odd names cannot grow the cache without bound.
  if (plan !== null && byName.size < 5000) byName.set(operation, plan);
  return plan;
}

function planFor(identity: ServiceIdentity, prefix: string, operation: string): Plan | null {
  const sdkId = identity.sdkId;
  const general = generalRule(prefix, operation);
  const rules = ownMember(serviceRules, prefix);
  const rule: OperationRule | undefined =
    (rules?.operations ? ownMember(rules.operations, operation) : undefined) ??
    rules?.operation?.(operation, sdkId, general !== null);
  let run: ((call: Call) => void) | undefined = rule
    ? (call) => rule(call, general ?? noGeneral)
    : (general ?? undefined);
  const passRole = run ? passRolePlan(prefix, operation) : undefined;
  if (run && passRole) {
    const main = run;
    run = (call) => {
      main(call);
      requirePassRole(call, passRole);
    };
  }
  if (!run) return null;
  const variables = rules?.variables;
  const decided = rules?.decidedKeys?.(operation) ?? [];
  const omitted = rules?.omittedMembersAbsent ?? [];
  const reusable = passRole === undefined ? rules?.reusable?.(operation) : undefined;
  return {
    operation,
    run,
    variables: variables === undefined ? undefined : (call) => variables.call(rules, call),
    unsigned: undefined,
    decided:
      decided.length > 0 || omitted.length > 0 ? new DecidedKeys(decided, omitted) : undefined,
    transient: undefined,
    reuse: reusable !== undefined ? new MappingReuse(reusable) : undefined,
  };
}

function noGeneral(): void {}

/** Renamed or same-named actions, with resources from their ARN templates. */
function generalRule(prefix: string, operation: string): ((call: Call) => void) | null {
  const table = ownMember(operationActionExceptions, prefix);
  const renamed = table ? ownMember(table, operation) : undefined;
  if (renamed !== undefined) {
    const actions = typeof renamed === "string" ? [renamed] : renamed;
    return (call) => {
      for (const action of actions) call.require(action);
    };
  }
  const info = loadedCatalog(prefix)?.actions.get(operation.toLowerCase());
  if (!info) return null;
  return (call) => {
    call.build(info, undefined, call.requests);
  };
}

function notLoaded(service: string): string {
  return `IAM reference for "${clip(service)}" is not loaded yet; await preloadServices() or use authorizationFor()`;
}

function unknown(service: string, reason: string): AuthorizationResult {
  return { known: false, service, requests: [], alsoMayNeed: [], reason };
}

const { isNativeError, isProxy } = types;

/**
 * What was thrown, in words, never throwing itself: a caller's getter may throw anything, even a
 * proxy or an object whose text cannot be read.
 */
function message(error: unknown): string {
  try {
    if (isNativeError(error)) {
      const text = (error as Error).message;
      return typeof text === "string" ? text : "an error";
    }
    return typeof error === "string" ? error : "a value that is not an error";
  } catch {
    return "an error whose message cannot be read";
  }
}

/** Names in reasons are clipped so a pathological input cannot make a huge message. */
function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
