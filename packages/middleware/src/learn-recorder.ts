import type { AuthorizationRequest, RequestContext, UnknownResourcePart } from "@keycard/engine";
import { type GeneratePolicyOptions, generatePolicy, type PolicyDocument } from "@keycard/iam-map";

/** One distinct IAM request an application made, with how often it was seen. @public */
export interface LearnedRequest {
  action: string;
  /**
   * Resource ARN, or `*`. When part of it was unknown before the call, this is its display form
   * (unknown parts shown as `*`) and `resourceParts` says which parts.
   */
  resource: string;
  /**
   * Known text and unknown parts, in order, when part of the resource was unknown (an IAM user's
   * path, the key behind a KMS alias), or when known text holds `*`, `?` or `$`: the learned
   * policy then matches the known text exactly and allows any value only where a part was unknown.
   */
  resourceParts?: ReadonlyArray<string | UnknownResourcePart>;
  /** Condition context, without the keys that change on every call (`aws:CurrentTime`, `aws:EpochTime`). */
  context?: RequestContext;
  /** Number of calls that needed it. */
  count: number;
}

/** Options of {@link LearnRecorder}. @public */
export interface LearnRecorderOptions {
  /**
   * Most distinct requests kept, so an application that touches endless distinct resources
   * cannot grow memory without bound; later new requests are counted in `dropped`.
   * Defaults to 100,000.
   */
  maxRecords?: number;
}

/** Characters a policy reads as wildcards or variables; known text holding them must be escaped. */
const POLICY_SPECIAL = /[*?$]/;

/**
 * A request's `resourceParts`, its own member only: the recorder runs right after the
 * application's `onDecision` callback, and a member that code added to `Object.prototype` must
 * not stand in for parts the mapping did not give (the learned policy would be wider).
 */
function ownParts(request: AuthorizationRequest): AuthorizationRequest["resourceParts"] {
  return Object.hasOwn(request, "resourceParts") ? request.resourceParts : undefined;
}

/**
 * The parts to record for a resource: the mapping's own when part of it was unknown; a single
 * known part when the known text holds characters a policy would read as wildcards (so the
 * learned policy matches it exactly); none otherwise. `*` alone means every resource: AWS
 * authorizes the action on no particular one.
 */
function partsOf(request: AuthorizationRequest): Array<string | UnknownResourcePart> | undefined {
  const parts = ownParts(request);
  if (Array.isArray(parts) && parts.length > 0) {
    return parts.map((part) =>
      typeof part === "string"
        ? part
        : !Object.hasOwn(part, "length") || part.length === undefined
          ? { unknown: String(part.unknown) }
          : { unknown: String(part.unknown), length: part.length },
    );
  }
  if (request.resource !== "*" && POLICY_SPECIAL.test(request.resource)) return [request.resource];
  return undefined;
}

/** The parts as text for a record's key: unknown parts can never collide with known text. */
function partsKey(request: AuthorizationRequest): string {
  const parts = ownParts(request);
  if (!Array.isArray(parts) || parts.length === 0) return "";
  let key = "";
  for (const part of parts) {
    key +=
      typeof part === "string"
        ? `\u0001${part}`
        : `\u0002${String(part.unknown)}\u0002${Object.hasOwn(part, "length") ? (part.length ?? "") : ""}`;
  }
  return key;
}

/** Keys whose values differ on every call; they would make every request distinct. */
const VOLATILE_KEYS = new Set(["aws:currenttime", "aws:epochtime"]);

function stableContext(context: RequestContext | undefined): RequestContext | undefined {
  if (!context) return undefined;
  const out: Record<string, RequestContext[string]> = {};
  for (const key of Object.keys(context).sort()) {
    if (!VOLATILE_KEYS.has(key.toLowerCase())) out[key] = context[key]!;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Learn mode's memory: the distinct (action, resource, context) requests the application's
 * calls needed, and the least-privilege policy that allows them.
 * @example
 * ```ts
 * const recorder = new LearnRecorder();
 * withKeycard(s3, { mode: "learn", recorder });
 * withKeycard(dynamo, { mode: "learn", recorder });
 * // … run the application …
 * console.log(JSON.stringify(await recorder.policy({ generalize: "resource-names" }), null, 2));
 * ```
 * @public
 */
export class LearnRecorder {
  readonly #records = new Map<string, LearnedRequest>();
  readonly #max: number;
  #dropped = 0;

  constructor(options: LearnRecorderOptions = {}) {
    const max = options.maxRecords ?? 100_000;
    this.#max = Number.isFinite(max) && max > 0 ? Math.floor(max) : 100_000;
  }

  /** Records the requests of one call. */
  record(requests: ReadonlyArray<AuthorizationRequest>): void {
    for (const request of requests) {
      const context = stableContext(request.context);
      const key = `${request.action}\u0000${request.resource}\u0000${partsKey(request)}\u0000${context ? JSON.stringify(context) : ""}`;
      const known = this.#records.get(key);
      if (known) {
        known.count++;
      } else if (this.#records.size < this.#max) {
        const record: LearnedRequest = {
          action: request.action,
          resource: request.resource,
          count: 1,
        };
        const parts = partsOf(request);
        if (parts) record.resourceParts = parts;
        if (context) record.context = context;
        this.#records.set(key, record);
      } else {
        this.#dropped++;
      }
    }
  }

  /** The distinct requests recorded so far, in the order first seen (copies). */
  records(): LearnedRequest[] {
    return [...this.#records.values()].map((r) => {
      const copy = { ...r };
      if (r.resourceParts)
        copy.resourceParts = r.resourceParts.map((p) => (typeof p === "string" ? p : { ...p }));
      return copy;
    });
  }

  /** Requests not kept because `maxRecords` was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * The least-privilege identity policy that allows every recorded request: `generatePolicy` of
   * `@keycard/iam-map` over the records. Resources with a part unknown before the call sit in
   * statements whose Sid ends in `UnknownParts`, with `*` only where the part was unknown, and
   * `options.onWarning` gets a line for each.
   */
  policy(options?: GeneratePolicyOptions): Promise<PolicyDocument> {
    return generatePolicy(this.#records.values(), options);
  }

  /** Forgets everything recorded. */
  clear(): void {
    this.#records.clear();
    this.#dropped = 0;
  }
}
