import { readFile } from "node:fs/promises";
import { AllowedDecisions } from "./allowed-decision.js";
import {
  type CompiledPolicyData,
  compilePolicyData,
  parseDocumentText,
  readDocumentObject,
  type SourceDocument,
  unknowableKeyWarnings,
} from "./compile.js";
import { assumedAbsentMatcher } from "./condition-keys.js";
import { DecisionCache } from "./decision-cache.js";
import { asError, PolicyLoadError, type PolicyWarning } from "./errors.js";
import { FoldedKeySet, foldKey, isAscii } from "./key-case.js";
import { wasmInput } from "./partial-requests.js";
import type { NamedPolicyDocument, PolicyDocumentInput } from "./policy-document.js";
import { changedPrototype, usePrototypeCheck } from "./prototype-check.js";
import {
  copyRecord,
  deepFreeze,
  type InputNeeds,
  inputNeeds,
  jsonHooked,
  MAX_INPUT_TEXT,
  prepareSnapshot,
  principalJson,
  type ReadInput,
  type RefusedInput,
  readInput,
  TOO_MUCH_TEXT,
  textProblem,
} from "./request-snapshot.js";
import {
  type ContextEntry,
  environmentText,
  type PreparedRequest,
  ReuseKeys,
  requestJson,
} from "./reuse-key.js";
import {
  freezeRequestDecision,
  type ReusableDecision,
  reusable,
  reuse,
} from "./reused-decision.js";
import type { AuthorizationRequest, Decision, EvaluationInput, RequestDecision } from "./types.js";
import {
  builtinModule,
  ENTRYPOINT,
  instantiate,
  jsonEvaluator,
  type LoadedWasmPolicy,
} from "./wasm-runtime.js";

/** Options for {@link loadPolicy}. @public */
export interface LoadPolicyOptions {
  /** Identity-based IAM JSON documents; several combine as IAM combines a principal's policies. */
  iam?: ReadonlyArray<PolicyDocumentInput>;
  /** A permissions boundary: when present, it must also allow a request. */
  boundary?: PolicyDocumentInput | ReadonlyArray<PolicyDocumentInput>;
  /**
   * An OPA bundle (`.tar.gz` path or bytes) built by `keycard build`, carrying custom Rego
   * rules compiled with the IAM library. Its `data.json` may hold more documents under
   * `keycard.documents` and any data the custom rules read.
   */
  bundle?: string | Uint8Array;
  /** Decision cache size; `false` turns it off. Defaults to 10,000 entries. */
  cache?: { maxEntries?: number } | false;
  /** Look actions up in the IAM reference data and warn about unknown ones. Defaults to true. */
  checkActions?: boolean;
  /** Receives load warnings (they are also on {@link Policy.warnings}). */
  onWarning?: (warning: PolicyWarning) => void;
  /**
   * Condition keys that only AWS knows (see the README's "What keycard cannot see before a
   * call") are unknown when a request does not carry them: a Deny that depends on one applies
   * and an Allow that depends on one does not allow. Name a key here (exact, or a prefix ending
   * in `*` such as `aws:ResourceTag/*`) to read it as absent instead, accepting that AWS may
   * decide differently.
   *
   * @example
   * ```ts
   * await loadPolicy({ iam: [doc], assumeUnknown: { "aws:ResourceTag/env": "absent" } });
   * ```
   */
  assumeUnknown?: Readonly<Record<string, "absent">>;
}

/** A loaded policy, ready to evaluate. @public */
export interface Policy {
  /**
   * Decides every request in `input`. Synchronous and safe to call millions of times.
   * The returned decision is frozen: it may be the cached object other callers also get.
   * Never throws and never allows what it cannot decide: malformed input or an
   * evaluation failure yields a deny whose reason says why.
   *
   * @example
   * ```ts
   * const d = policy.evaluate({ region: "us-east-1", requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::orders/a.json" }] });
   * d.allow; // true or false
   * d.requests[0].reason; // "allowed by orders.json statement 0 (ReadOrders)"
   * ```
   */
  evaluate(input: EvaluationInput): Decision;
  /** Problems that did not stop loading, such as unknown actions. */
  readonly warnings: ReadonlyArray<PolicyWarning>;
  /** Names of the loaded documents, in load order. */
  readonly documents: ReadonlyArray<string>;
  /** Number of statements across all documents, boundary included. */
  readonly statementCount: number;
  /** Where the evaluator came from: the built-in IAM library, or a bundle. */
  readonly source: "builtin" | "bundle";
  /** Runtime figures for monitoring: cached decisions and the wasm linear memory size. */
  stats(): PolicyStats;
  /**
   * Reads `input`, which names one request, once, and returns an evaluator that decides that
   * request for any resource: `resourceEvaluator(input).evaluate(arn)` is what
   * `evaluate(input)` decides with `arn` as the request's resource. Calls that differ only in
   * what they act on (a new object key on every call) are decided without reading the
   * principal, region and context again: a decision reused by equivalence then costs a
   * reuse-key computation on the new resource and a lookup. Optional: a policy without it
   * (a live policy that swaps its rules) is evaluated with `evaluate`.
   *
   * @example
   * ```ts
   * const puts = policy.resourceEvaluator?.({ region: "us-east-1", requests: [{ action: "s3:PutObject", resource: "arn:aws:s3:::orders/a.json" }] });
   * puts?.evaluate("arn:aws:s3:::orders/b.json").allow; // as evaluate decides for b.json
   * ```
   */
  resourceEvaluator?(input: EvaluationInput): ResourceEvaluator;
}

/**
 * Decides one request, read once by {@link Policy.resourceEvaluator}, for any resource. Never
 * throws and never allows what `evaluate` would not. @public
 */
export interface ResourceEvaluator {
  /** The decision for the evaluator's request with `resource` as its resource. */
  evaluate(resource: string): Decision;
}

/**
 * How a loaded {@link Policy} reuses decisions: `by-equivalence` (IAM documents only: a request
 * reuses the decision of an earlier request the documents cannot tell apart), `exact-input`
 * (a bundle, whose custom Rego rules may read any part of the input: only identical inputs) or
 * `off` (`cache: false`). @public
 */
export type DecisionReuse = "by-equivalence" | "exact-input" | "off";

/** Runtime figures of a loaded {@link Policy}. @public */
export interface PolicyStats {
  /** Decisions currently held in the cache (per request when reusing by equivalence). */
  cacheEntries: number;
  /** Size of the WebAssembly linear memory in bytes; it grows only for larger inputs. */
  wasmMemoryBytes: number;
  /** How decisions are reused. */
  decisionReuse: DecisionReuse;
  /** Why decisions are reused that way, in words. */
  decisionReuseReason: string;
  /** Request decisions answered from the cache since loading. */
  reusedDecisions: number;
}

function toSources(
  inputs: ReadonlyArray<PolicyDocumentInput>,
  group: "iam" | "boundary",
): SourceDocument[] {
  return inputs.map((input, position) => {
    const fallback = `${group}[${position}]`;
    const named =
      typeof input === "object" && input !== null && "document" in input && "name" in input
        ? (input as NamedPolicyDocument)
        : { name: fallback, document: input as PolicyDocumentInput };
    const name = typeof named.name === "string" && named.name ? named.name : fallback;
    const given = named.document;
    const document =
      typeof given === "string"
        ? parseDocumentText(name, given)
        : typeof given === "object" && given !== null
          ? readDocumentObject(name, given)
          : given;
    return { name, document, boundary: group === "boundary" };
  });
}

async function readBundle(
  bundle: string | Uint8Array,
): Promise<{ wasm: Uint8Array; data: Record<string, unknown>; origin: string }> {
  const origin = typeof bundle === "string" ? bundle : "the bundle";
  let bytes: Uint8Array;
  try {
    bytes = typeof bundle === "string" ? await readFile(bundle) : bundle;
  } catch (cause) {
    throw new PolicyLoadError("InvalidBundle", `cannot read bundle ${origin}`, { cause });
  }
  let files: Map<string, Uint8Array>;
  try {
    // Imported on demand: only bundles need gzip.
    files = await (await import("./tar.js")).readTarGz(bytes);
  } catch (cause) {
    throw new PolicyLoadError("InvalidBundle", `${origin} is not a gzip-compressed tar bundle`, {
      cause,
    });
  }
  const wasm = files.get("policy.wasm");
  if (!wasm) {
    throw new PolicyLoadError(
      "InvalidBundle",
      `${origin} has no policy.wasm; build it with \`keycard build\``,
    );
  }
  const dataFile = files.get("data.json");
  let data: Record<string, unknown> = {};
  if (dataFile) {
    const parsed = parseDocumentText(`${origin}:data.json`, new TextDecoder().decode(dataFile));
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      data = parsed as Record<string, unknown>;
  }
  return { wasm, data, origin };
}

/** What was thrown, in words, reading nothing of it that could throw again. */
function errorText(thrown: unknown): string {
  try {
    return asError(thrown).message;
  } catch {
    return "an internal error";
  }
}

function denyAll(input: unknown, reason: string): Decision {
  // The input may be anything, even an object whose properties throw when read; the
  // decision then names no requests rather than letting `evaluate` throw.
  try {
    const requests = Array.isArray((input as EvaluationInput | undefined)?.requests)
      ? (input as EvaluationInput).requests
      : [];
    return {
      allow: false,
      requests: requests.map((request) => ({
        action: typeof request?.action === "string" ? request.action : String(request?.action),
        resource:
          typeof request?.resource === "string" ? request.resource : String(request?.resource),
        allow: false,
        reason,
        matched: [],
      })),
    };
  } catch {
    return { allow: false, requests: [] };
  }
}

let lastRegion: string | undefined;
let lastRegionJson: string | undefined;

/** The region as JSON text; a process calls few regions, most often the last one. */
function regionJson(region: unknown): string | undefined {
  if (typeof region !== "string") return JSON.stringify(region);
  if (region !== lastRegion) {
    lastRegionJson = JSON.stringify(region);
    lastRegion = region;
  }
  return lastRegionJson;
}

/**
 * The longest resource a request may name. AWS's longest ARNs (an SSM parameter's 2,048-character
 * name, an S3 object's 1,024-byte key) are about half of it. Matching a resource against the
 * policy's patterns takes time in proportion to the resource's length times the pattern's, in
 * JavaScript and in WebAssembly alike: unbounded, a resource of megabytes chosen by a caller
 * against a long pattern between two `*` would block the process for minutes.
 */
const MAX_RESOURCE_LENGTH = 4096;

/**
 * Why an input cannot be evaluated, or undefined when it can. `contextsChecked`: the snapshot
 * already refused a context naming a key twice (it does when it filters contexts).
 */
function inputProblem(input: EvaluationInput, contextsChecked: boolean): string | undefined {
  if (typeof input !== "object" || input === null) return "the evaluation input is not an object";
  if (!Array.isArray(input.requests) || input.requests.length === 0)
    return "the evaluation input has no requests";
  const tags = input.principal?.tags;
  const duplicateTag = tags && typeof tags === "object" && caseDuplicate(Object.keys(tags));
  if (duplicateTag)
    return `principal.tags has the key ${duplicateTag} twice (tag keys are case-insensitive)`;
  for (const [i, request] of input.requests.entries()) {
    if (typeof request !== "object" || request === null) return `requests[${i}] is not an object`;
    if (typeof request.action !== "string" || !request.action.includes(":")) {
      return `requests[${i}].action must be "service:Action" (got ${JSON.stringify(request.action)})`;
    }
    const resource = resourceProblem(request.resource, i);
    if (resource !== undefined) return resource;
    if (
      request.context !== undefined &&
      (typeof request.context !== "object" || request.context === null)
    ) {
      return `requests[${i}].context must be an object`;
    }
    const duplicate =
      !contextsChecked && request.context && caseDuplicate(Object.keys(request.context));
    if (duplicate)
      return `requests[${i}].context has the key ${duplicate} twice (keys are case-insensitive)`;
  }
  return undefined;
}

/** Why a request's resource cannot be evaluated, or undefined when it can. */
function resourceProblem(resource: unknown, i: number): string | undefined {
  if (typeof resource !== "string" || resource === "")
    return `requests[${i}].resource must be an ARN or "*"`;
  if (resource.length > MAX_RESOURCE_LENGTH)
    return `requests[${i}].resource is ${resource.length} characters long, more than the ${MAX_RESOURCE_LENGTH} any AWS resource's ARN can be`;
  return undefined;
}

/**
 * A key that appears twice when case is ignored. Condition keys are case-insensitive, so
 * such a context has no single value for the key; the Rego library would fail on it.
 */
function caseDuplicate(keys: string[]): string | undefined {
  if (keys.length < 2) return undefined;
  const seen = new FoldedKeySet();
  for (const key of keys) if (!seen.add(foldKey(key))) return JSON.stringify(key);
  return undefined;
}

function isDecision(value: unknown): value is Decision {
  const d = value as Decision | undefined;
  return (
    typeof d === "object" && d !== null && typeof d.allow === "boolean" && Array.isArray(d.requests)
  );
}

/**
 * Reads one request once, into the form its key and the WebAssembly input are built from. Of
 * its context, only the keys the documents read (`contextKeys`) are kept: the library looks
 * nothing else up, so the rest would only be serialised and parsed for nothing.
 */
function prepareRequest(
  request: AuthorizationRequest,
  i: number,
  contextKeys: ReadonlySet<string>,
  sealedEntries: WeakMap<object, readonly ContextEntry[]>,
): PreparedRequest | string {
  const { action, resource, context } = request;
  if (typeof action !== "string" || typeof resource !== "string")
    return `requests[${i}] changed while it was read`;
  let entries: ContextEntry[] | undefined;
  if (context !== undefined) {
    if (typeof context !== "object" || context === null || Array.isArray(context))
      return `requests[${i}].context must be an object`;
    // A frozen context is the snapshot's shared copy of a sealed one: prepared once.
    const frozen = Object.isFrozen(context);
    if (frozen) {
      const known = sealedEntries.get(context);
      if (known !== undefined)
        return finishPrepared(request, preparedRequest(action, resource, known));
    }
    entries = [];
    if (contextKeys.size === 0)
      return finishPrepared(request, preparedRequest(action, resource, entries));
    // Decided before the list is filled: filling it hands it to a setter on `Array.prototype`.
    const keep = frozen && changedPrototype() === undefined;
    for (const name of Object.keys(context)) {
      // Other names are kept all the same: should `foldKey` ever disagree with the library,
      // the library then still sees every key it would match.
      const folded = foldKey(name);
      if (!contextKeys.has(folded) && isAscii(name)) continue;
      const value = (context as Record<string, unknown>)[name];
      const text = JSON.stringify(value);
      if (text !== undefined)
        entries.push(
          keep ? Object.freeze([name, text, folded, value] as const) : [name, text, folded, value],
        );
    }
    if (keep) sealedEntries.set(context, Object.freeze(entries));
  }
  return finishPrepared(request, preparedRequest(action, resource, entries));
}

/**
 * Whether an unknown key can be left out for IAM documents that read `contextKeys`: it is
 * assumed absent, or no statement reads it (nor, for a family `prefix*`, any key it covers).
 * Keys with letters outside ASCII are always kept, as `prepareRequest` keeps such context keys.
 */
function unreadKeys(
  contextKeys: ReadonlySet<string>,
  assumedAbsent: (key: string) => boolean,
): (key: string) => boolean {
  const read = [...contextKeys];
  return (key) => {
    if (assumedAbsent(key)) return true;
    if (!isAscii(key) || contextKeys.has(key)) return false;
    if (!key.endsWith("*")) return true;
    const prefix = key.slice(0, -1);
    return !read.some((name) => name.startsWith(prefix));
  };
}

/**
 * A prepared request, made from a prototype that inherits nothing: the fields of a partly known
 * request (`rp`, `rre`, `up`, `uk`) are then only ever its own, never a member code in the
 * process added to `Object.prototype`.
 */
function preparedRequest(
  action: string,
  resource: string,
  context: readonly ContextEntry[] | undefined,
): PreparedRequest {
  const request = copyRecord<PreparedRequest>();
  request.action = action;
  request.resource = resource;
  request.context = context;
  return request;
}

function finishPrepared(request: AuthorizationRequest, prepared: PreparedRequest): PreparedRequest {
  // Only `wasmInput` sets these (it refuses them on a caller's request), on objects it made.
  const internal = request as PreparedRequest;
  if (Object.hasOwn(request, "rp")) prepared.rp = internal.rp;
  if (Object.hasOwn(request, "rre")) prepared.rre = internal.rre;
  if (Object.hasOwn(request, "up")) prepared.up = internal.up;
  if (Object.hasOwn(request, "uk")) prepared.uk = internal.uk;
  return prepared;
}

/**
 * A request's decision from the built-in library, which leaves out what the loader knows: the
 * request's own action and resource, and the custom-rule lists (a module without custom rules
 * has none). Keys in the order the library writes the other decisions in.
 */
function completed(result: unknown, request: PreparedRequest): RequestDecision {
  const r = result as RequestDecision;
  return {
    action: request.action,
    allow: r.allow,
    conditionFailures: r.conditionFailures,
    customAllows: [],
    customDenies: [],
    explicitDeny: r.explicitDeny,
    matched: r.matched,
    reason: r.reason,
    resource: request.resource,
    unknown: r.unknown,
  } as RequestDecision;
}

/** How decisions are reused, as {@link PolicyStats} reports it. */
interface ReuseSetting {
  mode: DecisionReuse;
  reason: string;
}

/**
 * What a resource evaluator's fast path needs of its request, prepared once: everything but the
 * resource, as `#evaluateRead` prepares it.
 */
interface ResourceTemplate {
  readonly prepared: PreparedRequest;
  readonly envText: string;
}

/** See {@link Policy.resourceEvaluator}. */
class PolicyResourceEvaluator implements ResourceEvaluator {
  /**
   * @param textBesides - the characters of text the read of the input counted, but for its
   *   resource: the copy leaves out context keys the policy never reads, which count all the same.
   */
  constructor(
    private readonly reuse: (template: ResourceTemplate, resource: string) => Decision | undefined,
    private readonly full: (resource: string) => Decision,
    private readonly template: ResourceTemplate | undefined,
    private readonly textBesides: number,
  ) {}

  evaluate(resource: string): Decision {
    try {
      if (typeof resource === "string" && this.textBesides + resource.length > MAX_INPUT_TEXT)
        return denyAll(
          { requests: [{ action: this.template?.prepared.action, resource }] },
          `cannot evaluate: ${TOO_MUCH_TEXT}`,
        );
      const template = this.template;
      // Only what a full read would accept as it stands takes the fast path, by the read's own
      // tests; anything else (a resource the read refuses, a `toJSON` every object would
      // inherit, a built-in prototype with additions) is evaluated in full, which refuses it
      // with the reason `evaluate` gives.
      if (
        template !== undefined &&
        resourceProblem(resource, 0) === undefined &&
        textProblem(resource) === undefined &&
        !jsonHooked() &&
        changedPrototype() === undefined
      ) {
        const reused = this.reuse(template, resource);
        if (reused !== undefined) return reused;
      }
      return this.full(resource);
    } catch (thrown) {
      return denyAll(undefined, `cannot evaluate: ${errorText(thrown)}`);
    }
  }
}

/** The input with its one request's resource replaced, built from keycard's own copy. */
function withResource(input: EvaluationInput, resource: string): EvaluationInput {
  const request = Object.assign(copyRecord<AuthorizationRequest>(), input.requests[0], {
    resource,
  });
  return Object.assign(copyRecord<EvaluationInput>(), input, { requests: [request] });
}

class WasmPolicy implements Policy {
  readonly #wasm: LoadedWasmPolicy;
  /** Whole-input cache, for bundles whose custom rules may read any part of the input. */
  readonly #cache: DecisionCache<Decision> | undefined;
  /** Per-request cache keyed by what the IAM documents can tell apart. */
  readonly #reused: DecisionCache<ReusableDecision> | undefined;
  readonly #keys: ReuseKeys | undefined;
  readonly #reuse: ReuseSetting;
  readonly #run: (input: string) => unknown;
  readonly #needs: InputNeeds;
  readonly #allowed: AllowedDecisions;
  /**
   * Keys a request lists as unknown that need not reach the library: those `assumeUnknown`
   * reads as absent, and (without custom rules, which may read any key) those no statement reads.
   */
  readonly #dropUnknown: (key: string) => boolean;
  /** Context entries of the snapshot's frozen context copies, made once per copy. */
  readonly #sealedEntries = new WeakMap<object, readonly ContextEntry[]>();
  #reusedCount = 0;
  #environment:
    | { principal: string | undefined; region: string | undefined; text: string }
    | undefined;

  constructor(
    wasm: LoadedWasmPolicy,
    data: CompiledPolicyData,
    cache: { maxEntries: number } | undefined,
    reuse: ReuseSetting,
    readonly warnings: ReadonlyArray<PolicyWarning>,
    readonly documents: ReadonlyArray<string>,
    readonly statementCount: number,
    readonly source: "builtin" | "bundle",
    assumedAbsent: (key: string) => boolean,
  ) {
    this.#wasm = wasm;
    this.#needs = inputNeeds(data);
    this.#dropUnknown =
      source === "bundle" ? assumedAbsent : unreadKeys(this.#needs.contextKeys, assumedAbsent);
    this.#run = jsonEvaluator(wasm, ENTRYPOINT);
    this.#reuse = reuse;
    this.#allowed = new AllowedDecisions(data);
    if (cache && reuse.mode === "by-equivalence") {
      this.#reused = new DecisionCache<ReusableDecision>(cache.maxEntries);
      this.#keys = new ReuseKeys(data);
    } else if (cache) this.#cache = new DecisionCache<Decision>(cache.maxEntries);
  }

  /**
   * The input read once into plain data, checked and prepared; or why it cannot be evaluated,
   * with the requests to name in the denial. Nothing after this reads the caller's objects,
   * whose getters could answer differently, not even to deny.
   */
  #snapshot(raw: EvaluationInput): ReadInput | RefusedInput {
    const read =
      this.source === "bundle"
        ? readInput(raw, "all")
        : readInput(raw, "engine", this.#needs.contextKeys);
    if (!("input" in read)) return read;
    const input = read.input;
    const problem =
      inputProblem(input, this.source !== "bundle") ?? prepareSnapshot(input, this.#needs);
    if (problem === undefined) return read;
    const requests = (input as { requests?: unknown } | null)?.requests;
    return { reason: problem, requests: Array.isArray(requests) ? requests : [] };
  }

  stats(): PolicyStats {
    return {
      cacheEntries: (this.#cache ?? this.#reused)?.size ?? 0,
      wasmMemoryBytes: this.#wasm.mem.buffer.byteLength,
      decisionReuse: this.#reuse.mode,
      decisionReuseReason: this.#reuse.reason,
      reusedDecisions: this.#reusedCount,
    };
  }

  /** The principal and region as one text, the same string while they stay the same. */
  #environmentText(principal: string | undefined, region: string | undefined): string {
    const last = this.#environment;
    if (last !== undefined && last.principal === principal && last.region === region)
      return last.text;
    const text = environmentText(principal, region);
    this.#environment = { principal, region, text };
    return text;
  }

  evaluate(raw: EvaluationInput): Decision {
    try {
      return this.#evaluateRead(raw);
    } catch (thrown) {
      // Whatever went wrong unforeseen, the caller gets a denial, never an exception.
      return denyAll(undefined, `cannot evaluate: ${errorText(thrown)}`);
    }
  }

  resourceEvaluator(raw: EvaluationInput): ResourceEvaluator {
    try {
      return this.#resourceEvaluatorRead(raw);
    } catch (thrown) {
      const reason = `cannot evaluate: ${errorText(thrown)}`;
      return new PolicyResourceEvaluator(
        () => undefined,
        () => denyAll(undefined, reason),
        undefined,
        0,
      );
    }
  }

  #resourceEvaluatorRead(raw: EvaluationInput): ResourceEvaluator {
    const read = this.#snapshot(raw);
    // A refused input is refused for every resource, with what `evaluate` says of it; each call
    // gets a denial of its own, which it may change.
    if (!("input" in read)) {
      const refused = read;
      return new PolicyResourceEvaluator(
        () => undefined,
        () => denyAll(refused, `cannot evaluate: ${refused.reason}`),
        undefined,
        0,
      );
    }
    // Kept for every later call, and frozen: code that took hold of a list or an object of the
    // copy while it was made (a setter on `Array.prototype`) cannot change it afterwards.
    const input = deepFreeze(read.input);
    if (input.requests.length !== 1) {
      const reason = `cannot evaluate: a resource evaluator decides one request (got ${input.requests.length})`;
      return new PolicyResourceEvaluator(
        () => undefined,
        () => denyAll(input, reason),
        undefined,
        0,
      );
    }
    const own = input.requests[0] as AuthorizationRequest;
    return new PolicyResourceEvaluator(
      (template, resource) => this.#reusedFor(template, resource),
      (resource) => this.evaluate(withResource(input, resource)),
      this.#template(input),
      read.text - (typeof own.resource === "string" ? own.resource.length : 0),
    );
  }

  /**
   * The fast path's template of a read input's one request, or undefined when its decisions are
   * not reused by equivalence or its request is partly known (its resource then decides in
   * ways the new resource's text alone cannot): such evaluators always evaluate in full.
   */
  #template(input: EvaluationInput): ResourceTemplate | undefined {
    if (this.source === "bundle" || !this.#keys || !this.#reused) return undefined;
    // With resource parts, known or not, the parts decide and the resource is only shown.
    if ((input.requests[0] as AuthorizationRequest).resourceParts !== undefined) return undefined;
    // Kept for the evaluator's life, so built only while nothing added to a prototype can take
    // hold of the lists as they are filled (the same rule as everything `evaluate` keeps).
    if (changedPrototype() !== undefined) return undefined;
    try {
      const converted = wasmInput(input, this.#dropUnknown);
      if (typeof converted === "string") return undefined;
      const principal = principalJson(converted.principal);
      const region = regionJson(converted.region);
      const prepared = prepareRequest(
        converted.requests[0] as AuthorizationRequest,
        0,
        this.#needs.contextKeys,
        this.#sealedEntries,
      );
      if (typeof prepared === "string") return undefined;
      if (prepared.rp !== undefined || prepared.rre !== undefined || prepared.up !== undefined)
        return undefined;
      if (prepared.context !== undefined && !Object.isFrozen(prepared.context)) {
        for (let i = 0; i < prepared.context.length; i++) Object.freeze(prepared.context[i]);
        Object.freeze(prepared.context);
      }
      return Object.freeze({
        prepared: Object.freeze(prepared),
        envText: environmentText(principal, region),
      });
    } catch {
      return undefined;
    }
  }

  /**
   * The decision for the template's request with `resource`, when one reused by equivalence
   * answers it; otherwise undefined, and the caller evaluates in full (which keeps the decision
   * for the next such resource). The same reuse key and decision as `#evaluateRead` makes.
   */
  #reusedFor(template: ResourceTemplate, resource: string): Decision | undefined {
    const keys = this.#keys;
    const reused = this.#reused;
    if (keys === undefined || reused === undefined) return undefined;
    const base = template.prepared;
    const request = preparedRequest(base.action, resource, base.context);
    if (base.uk !== undefined) request.uk = base.uk;
    const key = keys.key(request, template.envText, () => requestJson(request));
    const entry = reused.get(key);
    if (entry === undefined) return undefined;
    this.#reusedCount += 1;
    const decision = reuse(entry, resource);
    const decisions: RequestDecision[] = [decision];
    Object.freeze(decisions);
    return Object.freeze({ allow: decision.allow === true, requests: decisions });
  }

  #evaluateRead(raw: EvaluationInput): Decision {
    const read = this.#snapshot(raw);
    if (!("input" in read)) return denyAll(read, `cannot evaluate: ${read.reason}`);
    const input = read.input;
    // Read last here, after the input's own code (getters, proxies) ran: from here on only the
    // engine's own code runs, and a member added to a built-in prototype could change what it
    // computes (a setter on `Array.prototype` swallowing a matched pattern's position in a
    // reuse key, say), so it does not decide.
    const changed = changedPrototype();
    if (changed !== undefined) return denyAll(input, `cannot evaluate: ${changed}`);
    if (this.source === "bundle") return this.#evaluateWhole(input);
    let prepared: PreparedRequest[];
    let principal: string | undefined;
    let region: string | undefined;
    try {
      const converted = wasmInput(input, this.#dropUnknown);
      if (typeof converted === "string") return denyAll(input, `cannot evaluate: ${converted}`);
      principal = principalJson(converted.principal);
      region = regionJson(converted.region);
      const requests = converted.requests;
      prepared = new Array(requests.length);
      for (let i = 0; i < requests.length; i++) {
        const one = prepareRequest(
          requests[i] as AuthorizationRequest,
          i,
          this.#needs.contextKeys,
          this.#sealedEntries,
        );
        if (typeof one === "string") return denyAll(input, `cannot evaluate: ${one}`);
        prepared[i] = one;
      }
    } catch (thrown) {
      return denyAll(
        input,
        `cannot evaluate: the input cannot be serialized (${asError(thrown).message})`,
      );
    }
    const count = prepared.length;
    // Filled: a hole would be read from `Array.prototype`, where code may have put an index
    // that stands in for a request's text or decision.
    const decisions: RequestDecision[] = new Array(count).fill(undefined);
    const texts: Array<string | undefined> = new Array(count).fill(undefined);
    const keys: Array<string | undefined> = new Array(count).fill(undefined);
    const missing: number[] = [];
    const reuseKeys = this.#keys;
    const reused = this.#reused;
    if (reuseKeys && reused) {
      const envText = this.#environmentText(principal, region);
      for (let i = 0; i < count; i++) {
        const request = prepared[i] as PreparedRequest;
        const key = reuseKeys.key(request, envText, () => {
          const text = requestJson(request);
          texts[i] = text;
          return text;
        });
        keys[i] = key;
        const entry = reused.get(key);
        if (entry) {
          decisions[i] = reuse(entry, request.resource);
          this.#reusedCount += 1;
        } else missing.push(i);
      }
    } else for (let i = 0; i < count; i++) missing.push(i);
    if (missing.length > 0) {
      let results: unknown[];
      try {
        let body = "";
        for (let k = 0; k < missing.length; k++) {
          const i = missing[k] as number;
          body += `${k === 0 ? "" : ","}${texts[i] ?? requestJson(prepared[i] as PreparedRequest)}`;
        }
        const text = `{${principal === undefined ? "" : `"principal":${principal},`}${
          region === undefined ? "" : `"region":${region},`
        }"requests":[${body}]}`;
        const result = this.#run(text);
        if (!isDecision(result) || result.requests.length !== missing.length)
          return denyAll(input, "cannot evaluate: the policy produced no decision");
        results = result.requests;
      } catch (thrown) {
        return denyAll(input, `cannot evaluate: ${asError(thrown).message}`);
      }
      for (let k = 0; k < missing.length; k++) {
        const i = missing[k] as number;
        const decision = this.#decision(results[k], prepared[i] as PreparedRequest);
        if (decision === undefined)
          return denyAll(input, "cannot evaluate: the policy produced no decision");
        decisions[i] = decision;
      }
      const keep = this.#reused !== undefined && changedPrototype() === undefined;
      for (let k = 0; k < missing.length && keep; k++) {
        const i = missing[k] as number;
        const key = keys[i];
        if (key === undefined || !this.#reused) continue;
        const request = prepared[i] as PreparedRequest;
        const entry = reusable(decisions[i] as RequestDecision, request.action, request.resource);
        if (entry) this.#reused.set(key, entry);
      }
    }
    let allow = decisions.length > 0;
    for (const decision of decisions) allow &&= decision.allow === true;
    Object.freeze(decisions);
    return Object.freeze({ allow, requests: decisions });
  }

  /**
   * One request's decision from the built-in library's result: an allow as the positions of
   * the statements that matched (see `allowed-decision.ts`), anything else in full. Undefined
   * when the result is neither.
   */
  #decision(result: unknown, request: PreparedRequest): RequestDecision | undefined {
    if (typeof result !== "object" || result === null) return undefined;
    const r = result as { allow?: unknown; m?: unknown; matched?: unknown };
    if (r.allow === true && r.m !== undefined)
      return this.#allowed.decision(r.m, request.action, request.resource);
    if (typeof r.allow !== "boolean" || !Array.isArray(r.matched)) return undefined;
    return freezeRequestDecision(completed(result, request));
  }

  /** The whole input as one key and one evaluation, for bundles that may hold custom rules. */
  #evaluateWhole(input: EvaluationInput): Decision {
    let key: string;
    try {
      const prepared = wasmInput(input, this.#dropUnknown);
      if (typeof prepared === "string") return denyAll(input, `cannot evaluate: ${prepared}`);
      key = JSON.stringify(prepared);
    } catch (thrown) {
      return denyAll(
        input,
        `cannot evaluate: the input cannot be serialized (${asError(thrown).message})`,
      );
    }
    const cached = this.#cache?.get(key);
    if (cached) return cached;
    let decision: Decision;
    try {
      const result = this.#run(key);
      if (!isDecision(result))
        return denyAll(input, "cannot evaluate: the policy produced no decision");
      decision = result;
    } catch (thrown) {
      return denyAll(input, `cannot evaluate: ${asError(thrown).message}`);
    }
    for (const request of decision.requests) freezeRequestDecision(request);
    Object.freeze(decision.requests);
    Object.freeze(decision);
    if (changedPrototype() === undefined) this.#cache?.set(key, decision);
    return decision;
  }
}

/** Throws when code in the process changed a prototype (see `prototypePollution`). */
function refuseChangedPrototype(found: string | undefined): void {
  if (found === undefined) return;
  throw new PolicyLoadError(
    "ChangedPrototype",
    `cannot compile the documents while code in the process changes the language's prototypes: ${found}`,
  );
}

/**
 * Loads IAM JSON documents (and optionally a bundle with custom Rego) into an in-process
 * evaluator. Documents are validated; a problem throws a {@link PolicyLoadError} naming the
 * document, statement index and element.
 *
 * @example
 * ```ts
 * const policy = await loadPolicy({ iam: [{ name: "orders.json", document: ordersPolicy }] });
 * ```
 * @public
 */
export async function loadPolicy(options: LoadPolicyOptions): Promise<Policy> {
  const boundaryInputs =
    options.boundary === undefined
      ? []
      : Array.isArray(options.boundary)
        ? options.boundary
        : [options.boundary];
  const sources = [
    ...toSources(options.iam ?? [], "iam"),
    ...toSources(boundaryInputs as PolicyDocumentInput[], "boundary"),
  ];

  // Compiled on other threads while the documents are compiled and checked below.
  if (options.bundle === undefined) builtinModule().catch(() => {});
  let wasmBytes: Uint8Array | "builtin" = "builtin";
  let extraData: Record<string, unknown> = {};
  let origin = "the built-in IAM library";
  if (options.bundle !== undefined) {
    const bundle = await readBundle(options.bundle);
    wasmBytes = bundle.wasm;
    origin = bundle.origin;
    extraData = bundle.data;
    const keycardData = (extraData.keycard ?? {}) as { documents?: unknown };
    if (Array.isArray(keycardData.documents)) {
      for (const [position, entry] of keycardData.documents.entries()) {
        const e = entry as { name?: unknown; document?: unknown; boundary?: unknown };
        const name = typeof e.name === "string" ? e.name : `${origin}:documents[${position}]`;
        sources.push({ name, document: e.document, boundary: e.boundary === true });
      }
    }
  }

  const assumedAbsent = assumedAbsentMatcher(options.assumeUnknown);
  // Compiling fills lists and records the policy keeps for its life: a setter code in the process
  // added to `Array.prototype` or `Object.prototype` would be handed them, to keep and change into
  // other statements later (a Deny made an Allow). Nothing is compiled while a prototype has
  // additions. The documents were read as JSON above, so no code of the caller's runs from here
  // to the end of compiling, and the check after it holds that.
  const { prototypePollution } = await import("@keycard/iam-reference");
  usePrototypeCheck(prototypePollution);
  refuseChangedPrototype(prototypePollution());
  const data: CompiledPolicyData = compilePolicyData(sources, { assumedAbsent });
  refuseChangedPrototype(prototypePollution());
  const warnings = [
    // Imported on demand: the IAM reference is a large read that `checkActions: false` skips.
    ...(options.checkActions === false
      ? []
      : await (await import("./action-catalog.js")).unknownActionWarnings(sources)),
    ...unknowableKeyWarnings(data.statements),
  ];
  for (const warning of warnings) options.onWarning?.(warning);

  const wasm = await instantiate(wasmBytes, origin);
  const { keycard: bundleKeycard, ...otherData } = extraData;
  const { documents: _documents, ...keycardRest } = (bundleKeycard ?? {}) as Record<
    string,
    unknown
  >;
  try {
    // The built-in library holds no custom rules; saying so lets it skip looking for them.
    const policyData = options.bundle === undefined ? { ...data, has_custom: false } : data;
    wasm.setData({ ...otherData, keycard: { ...keycardRest, policy: policyData } });
  } catch (thrown) {
    throw new PolicyLoadError(
      "WasmLoadFailed",
      "cannot load the compiled documents into the policy module",
      {
        cause: asError(thrown),
      },
    );
  }
  const cache =
    options.cache === false
      ? undefined
      : { maxEntries: Math.max(1, options.cache?.maxEntries ?? 10_000) };
  const reuse: ReuseSetting =
    cache === undefined
      ? { mode: "off", reason: "the decision cache is turned off" }
      : options.bundle !== undefined
        ? {
            mode: "exact-input",
            reason:
              "a bundle may hold custom Rego rules, which may read any part of the input: only identical inputs reuse a decision",
          }
        : {
            mode: "by-equivalence",
            reason:
              "IAM documents only: a request reuses the decision of an earlier one with the same action, the same matches of the relevant resource patterns and the same values of the keys they read",
          };
  return new WasmPolicy(
    wasm,
    data,
    cache,
    reuse,
    warnings,
    sources.map((s) => s.name),
    data.statements.length,
    options.bundle === undefined ? "builtin" : "bundle",
    assumedAbsent,
  );
}
