import { Call } from "./call.js";
import { operationActionExceptions } from "./exceptions.js";
import { globalContext } from "./global-context.js";
import { loadCatalog, loadedCatalog } from "./iam-catalog.js";
import { InputView } from "./input-view.js";
import { partitionForRegion } from "./partition.js";
import { passesRoles, passRolePlan, requirePassRole } from "./pass-role.js";
import { serviceRules } from "./rules.js";
import {
  loadServiceIndex,
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
}

/** Plans by service identity, then operation name. */
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
  await loadServiceIndex();
  const prefixes = new Set<string>();
  for (const name of names) {
    const prefix = resolveService(name)?.prefix;
    if (!prefix) continue;
    prefixes.add(prefix);
    for (const related of serviceRules[prefix]?.related ?? []) prefixes.add(related);
    // Operations that pass a role also need iam:PassRole from the IAM reference.
    if (passesRoles(prefix)) prefixes.add("iam");
  }
  await Promise.all([...prefixes].map(loadCatalog));
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
  const { service, operation } = args;
  if (typeof service !== "string" || typeof operation !== "string") {
    return unknown("", "service and operation must be strings");
  }
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

  const names =
    operation.endsWith("Command") && operation.length > 7
      ? [operation.slice(0, -7), operation]
      : [operation];
  for (const name of names) {
    if (identity.unsigned.has(name)) {
      return {
        known: true,
        service: prefix,
        requests: [],
        alsoMayNeed: [],
        reason: `${name} is sent unsigned; AWS checks no IAM permission for it`,
      };
    }
  }
  let plan: Plan | null | undefined;
  for (const name of names) {
    plan = planFor(identity, prefix, name);
    if (plan) break;
  }
  if (!plan)
    return unknown(
      prefix,
      `no IAM action in the ${prefix} reference for operation "${clip(names[0]!)}"`,
    );

  const region =
    typeof args.region === "string" && args.region.length > 0 ? args.region : undefined;
  const account =
    typeof args.accountId === "string" && args.accountId.length > 0 ? args.accountId : undefined;
  const partition =
    typeof args.partition === "string" && args.partition.length > 0
      ? args.partition
      : partitionForRegion(region);
  const call = new Call(
    prefix,
    identity.sdkId,
    plan.operation,
    new InputView(args.input),
    partition,
    region,
    account,
    globalContext(args, region),
  );
  call.variables = serviceRules[prefix]?.variables?.(call);
  plan.run(call);
  if (call.missing.length > 0) {
    return unknown(
      prefix,
      `the IAM reference has no action ${[...new Set(call.missing)].join(", ")}`,
    );
  }
  const unreadable = call.input.problems();
  if (call.unmappable.length > 0 || unreadable.length > 0) {
    const reasons = [...unreadable, ...call.unmappable];
    return unknown(prefix, [...new Set(reasons)].slice(0, 5).join("; "));
  }
  const result: AuthorizationResult = {
    known: true,
    service: prefix,
    requests: call.requests,
    alsoMayNeed: call.alsoMayNeed,
  };
  if (call.note) result.reason = call.note;
  return result;
}

function planFor(identity: ServiceIdentity, prefix: string, operation: string): Plan | null {
  let byOperation = plans.get(identity);
  if (!byOperation) {
    byOperation = new Map();
    plans.set(identity, byOperation);
  }
  const found = byOperation.get(operation);
  if (found !== undefined) return found;
  const sdkId = identity.sdkId;
  const general = generalRule(prefix, operation);
  const rules = serviceRules[prefix];
  const rule: OperationRule | undefined =
    (Object.hasOwn(rules?.operations ?? {}, operation)
      ? rules?.operations?.[operation]
      : undefined) ?? rules?.operation?.(operation, sdkId, general !== null);
  let run: ((call: Call) => void) | undefined = rule
    ? (call) => rule(call, () => general?.(call))
    : (general ?? undefined);
  const passRole = run ? passRolePlan(prefix, operation) : undefined;
  if (run && passRole) {
    const main = run;
    run = (call) => {
      main(call);
      requirePassRole(call, passRole);
    };
  }
  const plan = run ? { operation, run } : null;
  // Only cache operations that exist, so odd names cannot grow the cache without bound.
  if (plan) byOperation.set(operation, plan);
  return plan;
}

/** Renamed or same-named actions, with resources from their ARN templates. */
function generalRule(prefix: string, operation: string): ((call: Call) => void) | null {
  const table = operationActionExceptions[prefix];
  const renamed = table && Object.hasOwn(table, operation) ? table[operation] : undefined;
  if (renamed !== undefined) {
    const actions = typeof renamed === "string" ? [renamed] : renamed;
    return (call) => {
      for (const action of actions) call.require(action);
    };
  }
  const info = loadedCatalog(prefix)?.actions.get(operation.toLowerCase());
  if (!info) return null;
  return (call) => {
    call.requests.push(...call.build(info));
  };
}

function notLoaded(service: string): string {
  return `IAM reference for "${clip(service)}" is not loaded yet; await preloadServices() or use authorizationFor()`;
}

function unknown(service: string, reason: string): AuthorizationResult {
  return { known: false, service, requests: [], alsoMayNeed: [], reason };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Names in reasons are clipped so a pathological input cannot make a huge message. */
function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
