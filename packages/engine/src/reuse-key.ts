/**
 * Keys under which a decision of the built-in IAM library can be reused for another request.
 *
 * For a fully known request the library's decision depends only on: the action (it picks the
 * statements filed under it and is echoed in reasons), which of those statements' Resource and
 * NotResource patterns the resource matches, the values of the condition keys and policy
 * variables those statements read, the principal and region (`env`), and the keys marked
 * unknown. The resource text itself appears in the decision only as `resource` and inside the
 * implicit-deny reason, which `reused-decision.ts` rebuilds per request. Everything here is
 * computed from data the compiler prepared at load; the README's "Performance design" explains
 * why the key is sound.
 */
import type { CompiledPolicyData, StatementIndex } from "./compile.js";
import type { CompiledConditionValue } from "./condition-operators.js";
import { foldKey } from "./key-case.js";
import { unknownKeysId, unknownKeysJson } from "./partial-requests.js";
import {
  type CompiledGlob,
  type CompiledPattern,
  compileGlob,
  globMatches,
  RESERVED_CHARACTERS,
  type TemplatePart,
} from "./patterns.js";
import { changedPrototype } from "./prototype-check.js";

/**
 * A resource pattern as tested in JavaScript: exact, prefix, glob (see `globMatches`) or a
 * template of glob runs and policy variables.
 */
type ResourceTest =
  | { s: string }
  | { p: string }
  | { g: CompiledGlob }
  | { tpl: ReadonlyArray<{ g: string } | { var: string }> };

/**
 * What the statements that can name one action need to tell requests apart. A request is keyed
 * on the set of `tests` its resource matches, written as their ascending positions. Exact and
 * prefix tests are looked up by text, so their number does not add to the cost of a request.
 * @internal
 */
export interface ActionPlan {
  /** False when some pattern cannot be tested exactly as the library does: key on the request. */
  usable: boolean;
  tests: ResourceTest[];
  /** Positions in `tests` of each exact text. */
  exact: ReadonlyMap<string, readonly number[]>;
  /** Positions in `tests` of each prefix. */
  prefixes: ReadonlyMap<string, readonly number[]>;
  /** The distinct lengths, in UTF-16 code units as `startsWith` counts, of `prefixes`, ascending. */
  prefixLengths: readonly number[];
  /**
   * Positions in `tests` of the tests run one by one, ascending: regular expressions,
   * templates, and the prefixes when they are not looked up.
   */
  others: readonly number[];
  /** Lower-cased condition keys and variables the statements read. */
  keys: ReadonlySet<string>;
}

/** Printable ASCII, which JavaScript and the library lower-case alike. */
const ASCII = /^[\x20-\x7e]*$/;

/**
 * Whether text is well-formed UTF-16. JavaScript and the library would not compare a lone
 * surrogate alike. The library cannot read one in a request at all, so `evaluate` denies such
 * an input before keying it; a policy pattern holding one is left to the library rather than
 * imitated. (Node 20 has the method; the TypeScript libs in use do not declare it.)
 */
function wellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
const MAX_PLANS = 4096;
/** Approximate bytes the plans may hold before they are dropped and rebuilt on demand. */
const MAX_PLAN_BYTES = 8 * 2 ** 20;
/**
 * Actions longer than this (real ones are under 100 characters) get no plan of their own,
 * so a stream of distinct long names cannot fill the plan maps; they are keyed on the whole
 * request instead, which the byte-bounded decision cache limits.
 */
export const MAX_PLANNED_ACTION_LENGTH = 256;

/**
 * The test for one compiled resource pattern, or undefined when the pattern cannot be tested
 * in JavaScript exactly as WebAssembly does (text that is not well-formed UTF-16 is not
 * compared alike).
 */
function resourceTest(pattern: CompiledPattern): ResourceTest | "any" | undefined {
  if ("any" in pattern) return "any";
  if ("s" in pattern) return wellFormed(pattern.s) ? { s: pattern.s } : undefined;
  if ("p" in pattern) return wellFormed(pattern.p) ? { p: pattern.p } : undefined;
  if ("re" in pattern) {
    if (pattern.g === undefined || !wellFormed(pattern.g)) return undefined;
    // `?` is one code point, as `(?s:.)` is in the library's RE2.
    return { g: compileGlob(pattern.g) };
  }
  const parts: Array<{ g: string } | { var: string }> = [];
  for (const part of pattern.tpl as TemplatePart[]) {
    if ("var" in part) parts.push({ var: part.var });
    else if (part.g === undefined || !wellFormed(part.g)) return undefined;
    else parts.push({ g: part.g });
  }
  return { tpl: parts };
}

function templateKeys(value: CompiledPattern | CompiledConditionValue, into: Set<string>): void {
  if (typeof value !== "object" || value === null || !("tpl" in value)) return;
  for (const part of value.tpl) if ("var" in part) into.add(part.var);
}

/**
 * Plans requests by lower-cased action, built on first use: the statements the library
 * consults for an action are those the index files under it, its service, or anywhere, in
 * the identity and the boundary sets alike (`candidates` in `policies/keycard/iam`).
 * @internal
 */
export class ActionPlans {
  readonly #data: CompiledPolicyData;
  readonly #plans = new Map<string, ActionPlan>();
  /** By action as written, so the usual spelling skips lower-casing. */
  readonly #written = new Map<string, ActionPlan>();
  /** Tests by pattern, shared by every plan that holds the pattern. */
  readonly #tests = new Map<string, ResourceTest | "any" | undefined>();
  /** Approximate bytes held by both maps. */
  #bytes = 0;

  constructor(data: CompiledPolicyData) {
    this.#data = data;
  }

  /** The plan for an action as written (printable ASCII). */
  plan(written: string): ActionPlan {
    let plan = this.#written.get(written);
    if (plan !== undefined) return plan;
    const action = written.toLowerCase();
    plan = this.#plans.get(action);
    if (plan === undefined) {
      // Decided before the plan is built: building fills lists that a setter on
      // `Array.prototype` would be handed, to change for every later request of the action.
      if (changedPrototype() !== undefined) return this.#build(action, false);
      plan = this.#build(action, true);
      const bytes = 64 + 2 * action.length + 48 * plan.tests.length + 8 * plan.keys.size;
      if (this.#plans.size >= MAX_PLANS || this.#bytes + bytes > MAX_PLAN_BYTES) this.#clear();
      this.#plans.set(action, plan);
      this.#bytes += bytes;
    }
    if (this.#written.size >= MAX_PLANS || this.#bytes > MAX_PLAN_BYTES) this.#clear();
    this.#written.set(written, plan);
    this.#bytes += 32 + 2 * written.length;
    return plan;
  }

  #clear(): void {
    this.#plans.clear();
    this.#written.clear();
    this.#bytes = 0;
  }

  #build(action: string, keep: boolean): ActionPlan {
    const colon = action.indexOf(":");
    const service = colon > 0 ? action.slice(0, colon) : action;
    const positions = new Set<number>();
    const { identity, boundary } = this.#data.index;
    for (const index of [identity, boundary] as StatementIndex[]) {
      for (const i of Object.hasOwn(index.action, action) ? (index.action[action] ?? []) : [])
        positions.add(i);
      for (const i of Object.hasOwn(index.service, service) ? (index.service[service] ?? []) : [])
        positions.add(i);
      for (const i of index.any) positions.add(i);
    }
    const tests: ResourceTest[] = [];
    const seen = new Set<string>();
    const keys = new Set<string>();
    let usable = true;
    for (const i of [...positions].sort((a, b) => a - b)) {
      const statement = this.#data.statements[i];
      if (!statement) continue;
      for (const pattern of statement.resource ?? statement.not_resource ?? []) {
        templateKeys(pattern, keys);
        const id = JSON.stringify(pattern);
        if (seen.has(id)) continue;
        seen.add(id);
        // Bounded by the policy: only its own patterns are kept.
        let test = this.#tests.get(id);
        if (!this.#tests.has(id)) {
          test = resourceTest(pattern);
          if (keep) this.#tests.set(id, test);
        }
        if (test === undefined) usable = false;
        else if (test !== "any") tests.push(test);
      }
      for (const condition of statement.condition ?? []) {
        keys.add(condition.key);
        for (const value of condition.values) templateKeys(value, keys);
      }
    }
    // Frozen when kept: a plan serves every later request of the action.
    if (keep) Object.freeze(tests);
    return { usable, tests, keys, ...indexTests(tests) };
  }
}

function addPosition(map: Map<string, number[]>, text: string, position: number): void {
  const positions = map.get(text);
  if (positions === undefined) map.set(text, [position]);
  else positions.push(position);
}

/**
 * Rough cost, in characters compared, of one prefix tested on its own (it usually differs from
 * the resource within the first few characters) and of one lookup beside the characters of
 * the slice it hashes.
 */
const PREFIX_TEST_COST = 32;

/** Files each test by kind so that a request finds the exact and prefix tests it matches by lookup. */
function indexTests(
  tests: readonly ResourceTest[],
): Pick<ActionPlan, "exact" | "prefixes" | "prefixLengths" | "others"> {
  const exact = new Map<string, number[]>();
  const prefixes = new Map<string, number[]>();
  const lengths = new Set<number>();
  const others: number[] = [];
  let prefixCount = 0;
  tests.forEach((test, position) => {
    if ("s" in test) addPosition(exact, test.s, position);
    else if ("p" in test) {
      addPosition(prefixes, test.p, position);
      lengths.add(test.p.length);
      prefixCount += 1;
    } else others.push(position);
  });
  // A lookup hashes the resource's first L characters for every distinct prefix length L, so
  // prefixes of many distinct lengths (and few of each) are cheaper tested one by one: a
  // request then never costs more than testing every pattern did.
  let lookupCost = 0;
  for (const length of lengths) lookupCost += PREFIX_TEST_COST + length;
  if (lookupCost > PREFIX_TEST_COST * prefixCount) {
    tests.forEach((test, position) => {
      if ("p" in test) others.push(position);
    });
    return { exact, prefixes: new Map(), prefixLengths: [], others: others.sort((a, b) => a - b) };
  }
  return { exact, prefixes, prefixLengths: [...lengths].sort((a, b) => a - b), others };
}

/**
 * The principal and region as serialised for the library, in the form `[[principal],[region]]`
 * where a missing one is `[]`, so that a missing principal and a `null` one differ.
 * @internal
 */
export function environmentText(principal: string | undefined, region: string | undefined): string {
  return `[${principal === undefined ? "[]" : `[${principal}]`},${region === undefined ? "[]" : `[${region}]`}]`;
}

/** The principal and region as the library reads them, parsed once per distinct text. */
interface Environment {
  principal: Record<string, unknown> | undefined;
  region: unknown;
}

const PRINCIPAL_FIELDS: ReadonlyMap<string, string> = new Map([
  ["aws:principalarn", "arn"],
  ["aws:principalaccount", "accountId"],
  ["aws:userid", "userId"],
  ["aws:username", "username"],
  ["aws:principaltype", "type"],
]);

/**
 * `record[name]` when the record has it of its own. The principal is parsed back from JSON into
 * ordinary objects, and a member missing there must read as missing, as the library sees it, not
 * as one code in the process added to `Object.prototype`.
 */
function ownValue(record: Readonly<Record<string, unknown>> | undefined, name: string): unknown {
  return record !== undefined && Object.hasOwn(record, name) ? record[name] : undefined;
}

/**
 * A variable's value as text, as `context.variable` reads it, or undefined when it is not a
 * plain string (absent, unknown, a default, a list, a number): the caller then keys on the
 * resource itself rather than imitate those cases.
 */
function variableText(
  name: string,
  context: ReadonlyMap<string, unknown>,
  env: Environment,
): string | undefined {
  let value: unknown;
  if (context.has(name)) value = context.get(name);
  else if (name === "aws:requestedregion") value = env.region;
  else if (name.startsWith("aws:principaltag/")) {
    const tags = ownValue(env.principal, "tags");
    if (typeof tags !== "object" || tags === null) return undefined;
    const tag = name.slice("aws:principaltag/".length);
    let found = 0;
    for (const [k, v] of Object.entries(tags)) {
      if (!ASCII.test(k)) return undefined;
      if (foldKey(k) === tag) {
        value = v;
        found += 1;
      }
    }
    if (found > 1) return undefined;
  } else {
    const field = PRINCIPAL_FIELDS.get(name);
    if (field !== undefined) value = ownValue(env.principal, field);
  }
  if (typeof value !== "string" || value === "" || RESERVED_CHARACTERS.test(value))
    return undefined;
  return wellFormed(value) ? value : undefined;
}

/** One request, read once, in the form both the key and the WebAssembly input are built from. */
export interface PreparedRequest {
  action: string;
  resource: string;
  /** Own enumerable context members, each serialised once. */
  context: readonly ContextEntry[] | undefined;
  /** The internal fields of a partly known request (see `partial-requests.ts`). */
  rp?: string;
  rre?: string;
  up?: string[];
  uk?: Readonly<Record<string, true>>;
}

/**
 * One context member of a prepared request: its key as given, its value as JSON text, the key
 * folded (`foldKey`) and the value itself (plain data from the snapshot).
 * @internal
 */
export type ContextEntry = readonly [key: string, json: string, folded: string, value: unknown];

/** The JSON text the library reads for a prepared request. @internal */
export function requestJson(request: PreparedRequest): string {
  let text = `{"action":${JSON.stringify(request.action)},"resource":${JSON.stringify(request.resource)}`;
  if (request.context !== undefined) {
    text += ',"context":{';
    let first = true;
    for (const [key, value] of request.context) {
      text += `${first ? "" : ","}${JSON.stringify(key)}:${value}`;
      first = false;
    }
    text += "}";
  }
  if (request.rp !== undefined) text += `,"rp":${JSON.stringify(request.rp)}`;
  if (request.rre !== undefined) text += `,"rre":${JSON.stringify(request.rre)}`;
  if (request.up !== undefined) text += `,"up":${JSON.stringify(request.up)}`;
  if (request.uk !== undefined) text += `,"uk":${unknownKeysJson(request.uk)}`;
  return `${text}}`;
}

/** A request's context as its key reads it (see `ReuseKeys.#contextRead`). */
interface ContextRead {
  readonly contextKey: string;
  readonly values: ReadonlyMap<string, unknown>;
}

const NO_CONTEXT: ContextRead = { contextKey: "", values: new Map() };

/** Principal-and-region texts given short ids in keys; a process has a few callers and regions. */
const MAX_ENVIRONMENT_KEYS = 4096;

/**
 * Builds reuse keys for one loaded policy. Two requests with the same key, under the same
 * principal and region text, get the same decision apart from the resource they echo.
 * @internal
 */
export class ReuseKeys {
  readonly #plans: ActionPlans;
  /** What each frozen list of context entries adds to keys, for the plan it was last read for. */
  readonly #sealedReads = new WeakMap<object, { plan: ActionPlan; read: ContextRead }>();
  #envText: string | undefined;
  #env: Environment | undefined;
  /** Each principal-and-region text's short stand-in in keys, never reassigned. */
  readonly #environmentKeys = new Map<string, string>();
  #lastEnvironment: string | undefined;
  #lastEnvironmentKey = "";

  constructor(data: CompiledPolicyData) {
    this.#plans = new ActionPlans(data);
  }

  /**
   * What stands for the principal and region in a key: a short id, numbered in order of first
   * sight and never reused, so two texts never share one; past {@link MAX_ENVIRONMENT_KEYS}
   * the text itself (which starts with `[`, unlike an id).
   */
  #environmentKey(envText: string): string {
    if (envText === this.#lastEnvironment) return this.#lastEnvironmentKey;
    let key = this.#environmentKeys.get(envText);
    if (key === undefined) {
      if (this.#environmentKeys.size >= MAX_ENVIRONMENT_KEYS) key = envText;
      else {
        key = `\u0003${this.#environmentKeys.size.toString(36)}`;
        this.#environmentKeys.set(envText, key);
      }
    }
    this.#lastEnvironment = envText;
    this.#lastEnvironmentKey = key;
    return key;
  }

  /**
   * The key of one request. `envText` is the principal and region as serialised for the
   * library; `principal` and `region` their parsed values. Partly known requests, and any
   * request whose relevant parts JavaScript cannot read exactly as the library does, are keyed
   * on their whole text: they reuse only decisions of identical requests.
   */
  key(request: PreparedRequest, envText: string, json: () => string): string {
    const env = this.#environmentKey(envText);
    if (
      request.rp !== undefined ||
      request.action.length > MAX_PLANNED_ACTION_LENGTH ||
      !ASCII.test(request.action)
    )
      return `${env}\u0001E${json()}`;
    const plan = this.#plans.plan(request.action);
    if (!plan.usable || !wellFormed(request.resource)) return `${env}\u0001E${json()}`;
    const read = this.#contextRead(plan, request.context);
    if (read === undefined) return `${env}\u0001E${json()}`;
    const { contextKey, values } = read;
    const matched = this.#matches(plan, request.resource, values, envText);
    const tests =
      matched === undefined ? `R${JSON.stringify(request.resource)}` : matched.join(",");
    const uk = request.uk === undefined ? "" : unknownKeysId(request.uk);
    return `${env}\u0001Q${JSON.stringify(request.action)}|${tests}|${contextKey}|${uk}`;
  }

  /**
   * What a request's context adds to its key under `plan`: the values of the keys the plan's
   * statements read, as text and by folded key; undefined when a key is not printable ASCII
   * (the request is then keyed on its whole text). The snapshot hands the same frozen entries
   * to every request with the same sealed context, so those are read once per plan.
   */
  #contextRead(
    plan: ActionPlan,
    entries: readonly ContextEntry[] | undefined,
  ): ContextRead | undefined {
    if (entries === undefined) return NO_CONTEXT;
    const frozen = Object.isFrozen(entries);
    if (frozen) {
      const known = this.#sealedReads.get(entries);
      if (known !== undefined && known.plan === plan) return known.read;
    }
    const values = new Map<string, unknown>();
    let contextKey = "";
    for (const [name, text, lower, value] of entries) {
      if (!ASCII.test(name)) return undefined;
      if (plan.keys.size === 0) continue;
      if (!plan.keys.has(lower)) continue;
      contextKey += `${JSON.stringify(lower)}:${text},`;
      values.set(lower, value);
    }
    const read = { contextKey, values };
    // The last plan only: a context is shared by requests of one kind of call.
    if (frozen) this.#sealedReads.set(entries, { plan, read });
    return read;
  }

  /**
   * The ascending positions of the plan's tests the resource matches, or undefined when a
   * template's variable is not a plain string (the key then holds the resource itself).
   * `startsWith(p)` holds exactly when the resource's first `p.length` code units are `p`.
   */
  #matches(
    plan: ActionPlan,
    resource: string,
    values: ReadonlyMap<string, unknown>,
    envText: string,
  ): number[] | undefined {
    const matched: number[] = [];
    const exact = plan.exact.get(resource);
    if (exact !== undefined) for (const position of exact) matched.push(position);
    for (const length of plan.prefixLengths) {
      if (length > resource.length) break;
      const hits = plan.prefixes.get(resource.slice(0, length));
      if (hits !== undefined) for (const position of hits) matched.push(position);
    }
    for (const position of plan.others) {
      const test = plan.tests[position] as ResourceTest;
      if ("p" in test) {
        if (resource.startsWith(test.p)) matched.push(position);
        continue;
      }
      let glob: CompiledGlob | string | undefined;
      if ("g" in test) glob = test.g;
      else if ("tpl" in test) {
        glob = this.#template(test.tpl, values, envText);
        if (glob === undefined) return undefined;
      }
      if (glob !== undefined && globMatches(glob, resource)) matched.push(position);
    }
    return matched.length > 1 ? matched.sort((a, b) => a - b) : matched;
  }

  /**
   * A template's glob with the request's variable values in place, or undefined when a value is
   * not plain text the glob can hold as itself.
   */
  #template(
    parts: ReadonlyArray<{ g: string } | { var: string }>,
    values: ReadonlyMap<string, unknown>,
    envText: string,
  ): string | undefined {
    let glob = "";
    for (const part of parts) {
      if ("g" in part) {
        glob += part.g;
        continue;
      }
      // Plain text only (see `variableText`): a reserved character would read as a wildcard.
      const text = variableText(part.var, values, this.#environment(envText));
      if (text === undefined) return undefined;
      glob += text;
    }
    return glob;
  }

  /** The principal and region parsed back from the very text the library receives. */
  #environment(envText: string): Environment {
    if (this.#envText !== envText || this.#env === undefined) {
      const parsed = JSON.parse(envText) as [[unknown], [unknown]];
      const principal = parsed[0][0];
      const region = parsed[1][0];
      this.#env = {
        principal:
          typeof principal === "object" && principal !== null && !Array.isArray(principal)
            ? (principal as Record<string, unknown>)
            : undefined,
        region,
      };
      this.#envText = envText;
    }
    return this.#env;
  }
}
