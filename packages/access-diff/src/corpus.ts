import type { AuthorizationRequest, ContextValue, PrincipalInfo } from "@keycard/engine";
import { conditionContexts } from "./condition-samples.js";
import type { SideStatement } from "./documents.js";
import { type ActionInfo, PROBE, type ResourceTypeInfo, serviceActions } from "./iam-reference.js";
import { ESCALATION_METHODS } from "./risk-catalogue.js";
import {
  actionMatches,
  instantiate,
  resourceMatches,
  serviceOf,
  type VariableValues,
} from "./wildcard.js";

/** The caller every generated request is made as. @public */
export const PROBE_PRINCIPAL: PrincipalInfo = {
  arn: `arn:aws:iam::${PROBE.account}:role/${PROBE.name}`,
  accountId: PROBE.account,
  userId: "AROAKEYCARDPROBE",
  username: PROBE.name,
  type: "AssumedRole",
  tags: {},
};

/** The region of generated requests. @public */
export const PROBE_REGION = PROBE.region;

/**
 * Services probed when a statement can name any service (`*`, a wildcard service, or
 * `NotAction`): those where broad access matters most, besides every service the set names.
 * @internal
 */
export const BROAD_SERVICES: ReadonlyArray<string> = [
  "iam",
  "sts",
  "organizations",
  "s3",
  "kms",
  "secretsmanager",
  "ssm",
  "ec2",
  "lambda",
  "dynamodb",
  "rds",
  "cloudtrail",
  "logs",
  "cloudformation",
  "ecs",
  "ecr",
  "eks",
  "sns",
  "sqs",
];

/** Limits on the generated corpus. @public */
export interface CorpusLimits {
  /** Most resources tried per action. Default 16. */
  resourcesPerAction?: number;
  /** Most condition contexts tried per action (the empty context included). Default 8. */
  contextsPerAction?: number;
}

/** Policy-variable values for the probe principal. @internal */
export function variablesFor(
  principal: PrincipalInfo | undefined,
  region: string | undefined,
): Map<string, string> {
  const values = new Map<string, string>();
  if (principal?.arn) values.set("aws:principalarn", principal.arn);
  if (principal?.accountId) values.set("aws:principalaccount", principal.accountId);
  if (principal?.userId) values.set("aws:userid", principal.userId);
  if (principal?.username) values.set("aws:username", principal.username);
  if (principal?.type) values.set("aws:principaltype", principal.type);
  for (const [k, v] of Object.entries(principal?.tags ?? {}))
    values.set(`aws:principaltag/${k.toLowerCase()}`, v);
  if (region) values.set("aws:requestedregion", region);
  return values;
}

/** True when the statement's Action or NotAction element covers the action. @internal */
export function statementCoversAction(statement: SideStatement, action: string): boolean {
  let covers = coverage.get(statement);
  if (!covers) {
    covers = compileCoverage(statement);
    coverage.set(statement, covers);
  }
  return covers(action);
}

const coverage = new WeakMap<SideStatement, (action: string) => boolean>();

/**
 * A statement's Action or NotAction element as a function. Patterns are grouped by service,
 * so most (statement, action) pairs are settled by one lookup: corpus generation asks this
 * for every action of every service the set names, against every statement.
 */
function compileCoverage(statement: SideStatement): (action: string) => boolean {
  const patterns = statement.action ?? statement.notAction ?? [];
  const byService = new Map<string, string[]>();
  const anyService: string[] = [];
  for (const p of patterns) {
    const service = serviceOf(p);
    if (service) byService.set(service, [...(byService.get(service) ?? []), p]);
    else anyService.push(p);
  }
  const matches = (action: string): boolean => {
    const colon = action.indexOf(":");
    const service = colon > 0 ? action.slice(0, colon).toLowerCase() : "";
    const candidates = byService.get(service);
    return (
      candidates?.some((p) => actionMatches(p, action)) === true ||
      anyService.some((p) => actionMatches(p, action))
    );
  };
  return statement.action ? matches : (action) => !matches(action);
}

/** Statements of `a` that `b` lacks, by what they decide (not their Sid or place). @internal */
export function changedStatements(
  a: ReadonlyArray<SideStatement>,
  b: ReadonlyArray<SideStatement>,
): SideStatement[] {
  const counts = new Map<string, number>();
  for (const s of b) counts.set(s.canonical, (counts.get(s.canonical) ?? 0) + 1);
  const out: SideStatement[] = [];
  for (const s of a) {
    const n = counts.get(s.canonical) ?? 0;
    if (n > 0) counts.set(s.canonical, n - 1);
    else out.push(s);
  }
  return out;
}

/** True when the statement's Action or NotAction element may cover some action of the service. */
function mayNameService(statement: SideStatement, service: string): boolean {
  if (!statement.action) return true;
  return statement.action.some((p) => {
    const named = serviceOf(p);
    return named === undefined || named === service;
  });
}

/** Services the statements can name. @internal */
export function servicesOf(statements: ReadonlyArray<SideStatement>): string[] {
  const services = new Set<string>();
  let broad = false;
  for (const statement of statements) {
    if (!statement.action) broad = true;
    for (const pattern of statement.action ?? statement.notAction ?? []) {
      const service = serviceOf(pattern);
      if (service) services.add(service);
      else broad = true;
    }
  }
  if (broad) {
    for (const s of BROAD_SERVICES) services.add(s);
    for (const method of ESCALATION_METHODS)
      for (const group of method.requires)
        for (const a of group) services.add(a.split(":")[0] ?? "");
  }
  services.delete("");
  return [...services].sort();
}

/** Concrete resources the statements name, for matching against each action's resource types. @internal */
export function derivedResources(
  statements: ReadonlyArray<SideStatement>,
  variables: VariableValues,
): string[] {
  const out = new Set<string>();
  for (const statement of statements) {
    for (const pattern of [...(statement.resource ?? []), ...(statement.notResource ?? [])]) {
      if (pattern === "*" || !pattern.startsWith("arn:")) continue;
      out.add(instantiate(pattern, variables));
    }
  }
  return [...out];
}

/**
 * The requests that exercise one action: resources the set names that fit the action's
 * resource types, one out-of-pattern probe per resource type (or `*` when the action has no
 * resource-level permissions), each with no context and with the condition contexts of the
 * statements that cover the action.
 * @internal
 */
export function requestsForAction(
  info: ActionInfo,
  statements: ReadonlyArray<SideStatement>,
  derived: ReadonlyArray<string>,
  variables: VariableValues,
  limits: CorpusLimits = {},
): AuthorizationRequest[] {
  const { resources, contexts } = actionDimensions(info, statements, derived, variables, limits);
  const requests: AuthorizationRequest[] = [];
  for (const resource of resources) {
    for (const context of contexts) {
      requests.push(
        context ? { action: info.name, resource, context } : { action: info.name, resource },
      );
    }
  }
  return requests;
}

/**
 * Work shared by every action of one corpus: which derived resources fit each resource type,
 * and each statement's condition contexts. Without it a set with a few hundred covered actions
 * redoes the same matching for each of them.
 */
interface DimensionCache {
  byType: Map<ResourceTypeInfo, string[]>;
  contexts: WeakMap<SideStatement, Array<[string, Record<string, ContextValue>]>>;
}

function newDimensionCache(): DimensionCache {
  return { byType: new Map(), contexts: new WeakMap() };
}

/** The resources and condition contexts an action is tried with; requests are their product. */
function actionDimensions(
  info: ActionInfo,
  statements: ReadonlyArray<SideStatement>,
  derived: ReadonlyArray<string>,
  variables: VariableValues,
  limits: CorpusLimits,
  cache: DimensionCache = newDimensionCache(),
): {
  resources: Set<string>;
  contexts: Array<Record<string, ContextValue> | undefined>;
  truncated: boolean;
} {
  const resources = new Set<string>();
  if (info.resourceTypes.length === 0) resources.add("*");
  else {
    const maxResources = limits.resourcesPerAction ?? 16;
    const fitting = new Set<string>();
    for (const type of info.resourceTypes) {
      let arns = cache.byType.get(type);
      if (!arns) {
        arns = derived.filter((arn) => type.matcher.test(arn));
        cache.byType.set(type, arns);
      }
      for (const arn of arns) fitting.add(arn);
    }
    // Derived resources keep their order, so the same ones are chosen whatever the types' order.
    for (const arn of derived) {
      if (resources.size >= maxResources) break;
      if (fitting.has(arn)) resources.add(arn);
    }
    for (const type of info.resourceTypes) resources.add(type.probe);
  }
  const contexts: Array<Record<string, ContextValue> | undefined> = [undefined];
  const seen = new Set<string>(["{}"]);
  const maxContexts = limits.contextsPerAction ?? 8;
  let truncated = false;
  for (const statement of statements) {
    if (!statement.condition || !statementCoversAction(statement, info.name)) continue;
    let keyed = cache.contexts.get(statement);
    if (!keyed) {
      keyed = conditionContexts(statement.condition, variables).map((c) => [JSON.stringify(c), c]);
      cache.contexts.set(statement, keyed);
    }
    for (const [key, context] of keyed) {
      if (seen.has(key)) continue;
      if (contexts.length >= maxContexts) {
        truncated = true;
        continue;
      }
      seen.add(key);
      contexts.push(context);
    }
  }
  return { resources, contexts, truncated };
}

/** True when the statement's Resource or NotResource element may cover the resource. */
function resourceMayApply(
  statement: SideStatement,
  resource: string,
  variables: VariableValues,
): boolean {
  if (statement.resource)
    return statement.resource.some((p) => resourceMatches(p, resource, variables));
  return !(statement.notResource ?? []).some(
    (p) => !p.includes("${") && resourceMatches(p, resource),
  );
}

/** A generated corpus, with how many of its requests were skipped as unaffected. @internal */
export interface GeneratedCorpus {
  requests: AuthorizationRequest[];
  total: number;
  pruned: number;
  /**
   * Actions a changed statement covers whose condition values did not all fit in
   * `contextsPerAction`: the diff may miss what the untried values allow.
   */
  truncated: string[];
}

/**
 * The generated corpus for a diff: every IAM action of the services the statements name that
 * some statement covers, against derived resources and probes, with condition variations.
 * With `prune`, only requests a changed statement may apply to are kept: for every other
 * request both versions match the same statements, so their decisions are equal.
 * @internal
 */
export async function generateCorpus(
  base: ReadonlyArray<SideStatement>,
  head: ReadonlyArray<SideStatement>,
  options: { prune: boolean; everyAction: boolean; limits?: CorpusLimits },
): Promise<GeneratedCorpus> {
  const all = [...base, ...head];
  const changed = [...changedStatements(base, head), ...changedStatements(head, base)];
  const variables = variablesFor(PROBE_PRINCIPAL, PROBE_REGION);
  const derived = derivedResources(all, variables);
  const cache = newDimensionCache();
  const requests: AuthorizationRequest[] = [];
  const truncated: string[] = [];
  const isChanged = new Set(changed);
  let total = 0;
  for (const service of servicesOf(all)) {
    // Only statements that can name this service are asked about each of its actions.
    const relevant = all.filter((s) => mayNameService(s, service));
    for (const info of await serviceActions(service)) {
      // Changed statements first, so the limit on contexts drops unchanged ones' variations.
      const covering = relevant
        .filter((s) => statementCoversAction(s, info.name))
        .sort((a, b) => Number(isChanged.has(b)) - Number(isChanged.has(a)));
      if (covering.length === 0 && !options.everyAction) continue;
      const dimensions = actionDimensions(
        info,
        covering,
        derived,
        variables,
        options.limits ?? {},
        cache,
      );
      const { resources, contexts } = dimensions;
      if (dimensions.truncated && covering.some((s) => isChanged.has(s))) truncated.push(info.name);
      total += resources.size * contexts.length;
      // Which changed statements could touch this action decides what must be evaluated.
      const candidates = options.prune
        ? changed.filter((s) => statementCoversAction(s, info.name))
        : undefined;
      if (candidates?.length === 0) continue;
      for (const resource of resources) {
        if (candidates && !candidates.some((s) => resourceMayApply(s, resource, variables)))
          continue;
        for (const context of contexts) {
          requests.push(
            context ? { action: info.name, resource, context } : { action: info.name, resource },
          );
        }
      }
    }
  }
  return { requests, total, pruned: total - requests.length, truncated };
}
