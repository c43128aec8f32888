import type { AuthorizationRequest, RequestContext } from "@keycard/engine";
import { type GeneratePolicyOptions, generatePolicy, type PolicyDocument } from "@keycard/iam-map";

/** One distinct IAM request an application made, with how often it was seen. @public */
export interface LearnedRequest {
  action: string;
  resource: string;
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
      const key = `${request.action}\u0000${request.resource}\u0000${context ? JSON.stringify(context) : ""}`;
      const known = this.#records.get(key);
      if (known) {
        known.count++;
      } else if (this.#records.size < this.#max) {
        const record: LearnedRequest = {
          action: request.action,
          resource: request.resource,
          count: 1,
        };
        if (context) record.context = context;
        this.#records.set(key, record);
      } else {
        this.#dropped++;
      }
    }
  }

  /** The distinct requests recorded so far, in the order first seen (copies). */
  records(): LearnedRequest[] {
    return [...this.#records.values()].map((r) => ({ ...r }));
  }

  /** Requests not kept because `maxRecords` was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The least-privilege identity policy that allows every recorded request (see `generatePolicy` of `@keycard/iam-map`). */
  policy(options?: GeneratePolicyOptions): Promise<PolicyDocument> {
    return generatePolicy(this.#records.values(), options);
  }

  /** Forgets everything recorded. */
  clear(): void {
    this.#records.clear();
    this.#dropped = 0;
  }
}
