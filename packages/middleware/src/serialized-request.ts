import type { NormalizedSchema as Schema } from "@smithy/core/schema";
import { UnreadableInputError } from "./input-snapshot.js";
import { ownMember } from "./object-prototype.js";
import type { Shape } from "./serialized-members.js";
import { extendedEncodeURIComponent } from "./smithy-schema.js";

/**
 * Where the model places one top-level input member in the HTTP request. Members bound to the
 * body or the payload are not listed: only the parts a binding names (query, headers, path) are
 * compared with the input.
 */
interface MemberBinding {
  readonly name: string;
  readonly where: "label" | "query" | "queryParams" | "header" | "prefixHeaders";
  /** The query parameter, the header (lower case) or the header prefix (lower case). */
  readonly wire: string;
  readonly shape: Shape;
  /** A header whose text the SDK encodes (a `mediaType` string): compared by presence. */
  readonly encoded: boolean;
  /** The SDK fills the member when the input leaves it out. */
  readonly generated: boolean;
}

/** A label of the URI's path, as written (`{Key+}`); greedy labels keep their slashes. */
interface PathLabel {
  readonly template: string;
  readonly name: string;
  readonly greedy: boolean;
}

type PathSegment = string | PathLabel;

/** What the operation's `http` trait fixes: method, the URI's query and its path. */
interface HttpLayout {
  readonly method: string;
  readonly fixedQuery: ReadonlyMap<string, string>;
  /** The URI's path: text as it is, and labels, filled from the input member they name. */
  readonly path: readonly PathSegment[];
}

/**
 * How the SDK must lay out an operation's request, as keycard reads the model: the method, host
 * prefix and fixed query of the operation, and where each bound member goes. Read from the
 * model's own trait members only, so nothing added to `Object.prototype` takes part.
 * @internal
 */
export interface RequestLayout {
  /** S3's operations address a bucket in the host or the path. */
  readonly s3: boolean;
  /** Undefined for protocols that carry every member in the body (JSON, query, CBOR). */
  readonly http: HttpLayout | undefined;
  /** The `endpoint` trait's host prefix (`{RequestRoute}.`), filled from the host labels. */
  readonly hostPrefix: string | undefined;
  readonly hostLabels: readonly string[];
  readonly queries: ReadonlyMap<string, MemberBinding>;
  readonly headers: ReadonlyMap<string, MemberBinding>;
  readonly prefixHeaders: readonly MemberBinding[];
  readonly queryParams: MemberBinding | undefined;
  /** Every bound member by name, for checking that each present one was sent where it belongs. */
  readonly bound: ReadonlyMap<string, MemberBinding>;
  /** How each header name seen so far is compared, by its name as sent. */
  readonly headerRules: Map<string, HeaderRule>;
}

function httpLayout(http: unknown): HttpLayout | undefined {
  if (!Array.isArray(http) || typeof http[0] !== "string" || typeof http[1] !== "string") {
    return undefined;
  }
  const uri: string = http[1];
  const mark = uri.indexOf("?");
  const path = mark < 0 ? uri : uri.slice(0, mark);
  const fixedQuery = new Map<string, string>();
  if (mark >= 0) {
    for (const [name, value] of new URLSearchParams(uri.slice(mark + 1))) {
      fixedQuery.set(name, value);
    }
  }
  const segments: PathSegment[] = [];
  let offset = 0;
  for (const label of path.matchAll(/\{([^{}+]+)(\+)?\}/g)) {
    if (label.index > offset) segments.push(path.slice(offset, label.index));
    segments.push({ template: label[0], name: label[1] ?? "", greedy: label[2] === "+" });
    offset = label.index + label[0].length;
  }
  if (offset < path.length) segments.push(path.slice(offset));
  return { method: http[0].toUpperCase(), fixedQuery, path: segments };
}

/**
 * The layout of an operation. `shapeOf` is the schema reader that gave the input's shape.
 * @internal
 */
export function requestLayout(
  namespace: unknown,
  operationTraits: unknown,
  input: Schema,
  shapeOf: (member: Schema) => Shape,
): RequestLayout {
  const operation =
    typeof operationTraits === "object" && operationTraits !== null ? operationTraits : {};
  const http = httpLayout(ownMember(operation, "http"));
  const endpoint = ownMember(operation, "endpoint");
  const hostPrefix =
    Array.isArray(endpoint) && typeof endpoint[0] === "string" ? endpoint[0] : undefined;
  const queries = new Map<string, MemberBinding>();
  const headers = new Map<string, MemberBinding>();
  const prefixHeaders: MemberBinding[] = [];
  const bound = new Map<string, MemberBinding>();
  const hostLabels: string[] = [];
  let queryParams: MemberBinding | undefined;
  for (const [name, member] of input.structIterator()) {
    const traits: object = member.getMergedTraits();
    if (ownMember(traits, "hostLabel")) hostLabels.push(name);
    // Without an `http` trait the protocol puts every member in the body.
    if (http === undefined) continue;
    const header = ownMember(traits, "httpHeader");
    const prefix = ownMember(traits, "httpPrefixHeaders");
    const query = ownMember(traits, "httpQuery");
    const binding = (where: MemberBinding["where"], wire: string): MemberBinding => ({
      name,
      where,
      wire,
      shape: shapeOf(member),
      encoded: ownMember(traits, "mediaType") !== undefined,
      generated: Boolean(ownMember(traits, "idempotencyToken")),
    });
    let found: MemberBinding;
    // The SDK's order of precedence when a member carries more than one binding trait.
    if (ownMember(traits, "httpPayload")) continue;
    if (ownMember(traits, "httpLabel")) found = binding("label", name);
    else if (typeof header === "string" && header) {
      found = binding("header", header.toLowerCase());
      headers.set(found.wire, found);
    } else if (typeof prefix === "string") {
      found = binding("prefixHeaders", prefix.toLowerCase());
      prefixHeaders.push(found);
    } else if (typeof query === "string" && query) {
      found = binding("query", query);
      queries.set(query, found);
    } else if (ownMember(traits, "httpQueryParams")) {
      found = binding("queryParams", "");
      queryParams = found;
    } else continue;
    bound.set(name, found);
  }
  return {
    s3: namespace === "com.amazonaws.s3",
    http,
    hostPrefix,
    hostLabels,
    queries,
    headers,
    prefixHeaders,
    queryParams,
    bound,
    headerRules: new Map(),
  };
}

/**
 * Headers the SDK's own middleware set between serializing and keycard's check (content
 * length, checksums, `Expect`), or replaced, whether or not the input has their member. No
 * IAM condition key reads them; they are not compared.
 */
const SDK_SET_HEADERS = new Set([
  "accept",
  "content-type",
  "content-length",
  "content-md5",
  "content-encoding",
  "expect",
  "transfer-encoding",
  "x-amz-sdk-checksum-algorithm",
  "x-amz-decoded-content-length",
  "x-amz-trailer",
]);

const sdkSets = (header: string): boolean =>
  SDK_SET_HEADERS.has(header) || header.startsWith("x-amz-checksum-");

/**
 * The `x-amz-` headers the SDK's protocols and middleware add that no input member is bound to.
 * AWS reads `x-amz-` headers as parameters of the call (S3 takes `x-amz-copy-source` on a
 * `PutObject` as a copy), so any other one that no member of this operation carries is refused.
 */
const SDK_AMZ_HEADERS = new Set([
  "x-amz-user-agent",
  "x-amz-target",
  "x-amz-date",
  "x-amz-security-token",
  "x-amz-content-sha256",
  "x-amzn-trace-id",
  "x-amzn-query-mode",
]);

const isAmzHeader = (header: string): boolean =>
  header.startsWith("x-amz-") || header.startsWith("x-amzn-");

function mismatch(what: string): never {
  throw new UnreadableInputError(
    `request not checked: ${what}; the SDK did not serialize the input as its model says, so ` +
      "what would be sent is not what keycard maps",
  );
}

const present = (input: Record<string, unknown>, name: string): boolean =>
  Object.hasOwn(input, name) && input[name] !== undefined && input[name] !== null;

/** The instant a serialized timestamp names, in whole seconds; NaN when it names none. */
function seconds(text: string): number {
  const ms = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  return Math.floor(ms / 1000);
}

/**
 * Whether `text` is how the SDK writes `value` of `shape` into a query parameter or header.
 * Values whose text keycard does not reproduce (blobs, encoded headers, documents) match by
 * presence.
 */
function sameText(text: unknown, value: unknown, shape: Shape, encoded: boolean): boolean {
  if (typeof text !== "string") return false;
  switch (shape.kind) {
    case "scalar":
      if (encoded && typeof value === "string") return true;
      return typeof value === "object" ? true : text === String(value);
    case "timestamp":
      return value instanceof Date && seconds(text) === Math.floor(value.getTime() / 1000);
    default:
      return true;
  }
}

function sameQuery(sent: unknown, value: unknown, shape: Shape): boolean {
  if (shape.kind !== "list") return sameText(sent, value, shape, false);
  if (!Array.isArray(sent) || !Array.isArray(value)) return false;
  // Sparse lists keep nulls the SDK drops otherwise: compare what is there when lengths differ.
  const items = value.filter((item) => item !== null && item !== undefined);
  if (sent.length !== items.length) return false;
  return items.every((item, i) => sameText(sent[i], item, shape.item, false));
}

/** What the check compares a header by, worked out once per operation and header name. */
type HeaderRule =
  | {
      readonly kind: "member";
      readonly lower: string;
      readonly member: MemberBinding;
      readonly sdkSet: boolean;
    }
  | { readonly kind: "host"; readonly lower: string }
  | {
      readonly kind: "prefixed";
      readonly lower: string;
      readonly members: readonly MemberBinding[];
    }
  /** An `x-amz-` header no member of the operation is bound to, and not the SDK's own. */
  | { readonly kind: "unbound"; readonly lower: string }
  | { readonly kind: "free" };

const FREE: HeaderRule = { kind: "free" };

/** Header names an operation keeps rules for; the SDK sends a dozen or so distinct ones. */
const MAX_HEADER_RULES = 256;

function headerRule(layout: RequestLayout, header: string): HeaderRule {
  const known = layout.headerRules.get(header);
  if (known !== undefined) return known;
  const lower = header.toLowerCase();
  const member = layout.headers.get(lower);
  let rule: HeaderRule;
  if (member !== undefined) rule = { kind: "member", lower, member, sdkSet: sdkSets(lower) };
  else if (lower === "host" || lower === ":authority") rule = { kind: "host", lower };
  else {
    const members = layout.prefixHeaders.filter((prefixed) => lower.startsWith(prefixed.wire));
    if (members.length > 0) rule = { kind: "prefixed", lower, members };
    else if (isAmzHeader(lower) && !SDK_AMZ_HEADERS.has(lower) && !sdkSets(lower)) {
      rule = { kind: "unbound", lower };
    } else rule = FREE;
  }
  if (layout.headerRules.size < MAX_HEADER_RULES) layout.headerRules.set(header, rule);
  return rule;
}

/**
 * Throws {@link UnreadableInputError} unless the request goes to the resolved endpoint (host,
 * with the model's own host prefix, protocol, port) with the model's method, and its query, the
 * headers the model binds to input members and the path's labels carry exactly the input's
 * members as the model places them, with no other `x-amz-` header than the SDK's own. The SDK
 * keeps how it lays out each operation after its first call, and reads the operation's traits
 * through plain objects on every call; a getter added to `Object.prototype` for that moment
 * would send members under other names, other members' values under a checked name, or the
 * request elsewhere, with nothing left for a later check of the prototype to see.
 * @internal
 */
export function assertSerializedAsInput(
  layout: RequestLayout,
  request: unknown,
  input: Record<string, unknown>,
  endpoints: Endpoints = {},
): void {
  const endpoint = endpoints.resolved;
  if (typeof request !== "object" || request === null) mismatch("the request is missing");
  const query: unknown = ownMember(request, "query");
  const headers: unknown = ownMember(request, "headers");
  if (
    typeof query !== "object" ||
    query === null ||
    typeof headers !== "object" ||
    headers === null
  ) {
    mismatch("the request has no query or headers to compare");
  }
  const sentQuery = query as Record<string, unknown>;
  const sentHeaders = headers as Record<string, unknown>;
  const hostname = ownMember(request, "hostname");
  if (endpoint !== undefined) {
    assertSentToEndpoint(layout, request, hostname, input, endpoint);
    assertAddressedAsConfigured(layout, endpoint, input, endpoints.configured);
  }
  for (const name of Object.keys(sentQuery)) {
    const sent = sentQuery[name];
    const fixed =
      layout.http?.fixedQuery.get(name) ?? endpoint?.searchParams.get(name) ?? undefined;
    if (fixed !== undefined) {
      if (sent !== fixed) {
        mismatch(`the query parameter "${name}" is not the operation's or endpoint's "${fixed}"`);
      }
      continue;
    }
    const member = layout.queries.get(name);
    if (member !== undefined && present(input, member.name)) {
      if (!sameQuery(sent, input[member.name], member.shape)) {
        mismatch(`the query parameter "${name}" does not carry ${member.name}'s value`);
      }
      continue;
    }
    if (member?.generated) continue;
    const params = layout.queryParams;
    if (params !== undefined && present(input, params.name)) {
      const map = input[params.name] as Record<string, unknown>;
      if (typeof map === "object" && Object.hasOwn(map, name)) {
        const shape = params.shape.kind === "map" ? params.shape.value : params.shape;
        if (!sameQuery(sent, map[name], shape)) {
          mismatch(`the query parameter "${name}" does not carry ${params.name}["${name}"]`);
        }
        continue;
      }
    }
    mismatch(
      member === undefined
        ? `the query parameter "${name}" is sent, and no input member is bound to it`
        : `the query parameter "${name}" is sent, and the input has no ${member.name}`,
    );
  }
  for (const header of Object.keys(sentHeaders)) {
    const rule = headerRule(layout, header);
    switch (rule.kind) {
      case "member": {
        const { member, lower } = rule;
        if (present(input, member.name)) {
          if (
            !rule.sdkSet &&
            !sameText(sentHeaders[header], input[member.name], member.shape, member.encoded)
          ) {
            mismatch(`the header "${lower}" does not carry ${member.name}'s value`);
          }
        } else if (!member.generated && !rule.sdkSet) {
          mismatch(`the header "${lower}" is sent, and the input has no ${member.name}`);
        }
        break;
      }
      case "host": {
        const port = ownMember(request, "port");
        const sent = sentHeaders[header];
        const host =
          port === undefined || port === null ? hostname : `${String(hostname)}:${String(port)}`;
        if (sent !== host) mismatch(`the header "${rule.lower}" is not the request's host`);
        break;
      }
      case "prefixed":
        for (const prefixed of rule.members) {
          const key = rule.lower.slice(prefixed.wire.length);
          const map = present(input, prefixed.name)
            ? (input[prefixed.name] as Record<string, unknown>)
            : undefined;
          const entry =
            map === undefined ? undefined : Object.keys(map).find((k) => k.toLowerCase() === key);
          const shape = prefixed.shape.kind === "map" ? prefixed.shape.value : prefixed.shape;
          if (
            map === undefined ||
            entry === undefined ||
            !sameText(sentHeaders[header], map[entry], shape, false)
          ) {
            mismatch(`the header "${rule.lower}" is sent, and ${prefixed.name} has no such entry`);
          }
        }
        break;
      case "unbound":
        mismatch(
          `the header "${rule.lower}" is sent, and no input member of this operation is bound to it`,
        );
        break;
      default:
        break;
    }
  }
  const http = layout.http;
  if (http === undefined) return;
  if (ownMember(request, "method") !== http.method) {
    mismatch(`the method is not the operation's ${http.method}`);
  }
  let lowerCased: Map<string, string> | undefined;
  // The input's own members, not the model's: an input sets a few of an operation's dozens.
  for (const name of Object.keys(input)) {
    const member = layout.bound.get(name);
    const value = input[name];
    if (member === undefined || value === undefined || value === null) continue;
    switch (member.where) {
      case "query":
        if (!Object.hasOwn(sentQuery, member.wire)) {
          mismatch(`${member.name} is not sent as the query parameter "${member.wire}"`);
        }
        break;
      case "header":
        // The SDK's middleware may replace these (a stream's length moves to a trailer).
        if (!Object.hasOwn(sentHeaders, member.wire) && !sdkSets(member.wire)) {
          lowerCased ??= new Map(Object.keys(sentHeaders).map((h) => [h.toLowerCase(), h]));
          if (!lowerCased.has(member.wire)) {
            mismatch(`${member.name} is not sent as the header "${member.wire}"`);
          }
        }
        break;
      case "prefixHeaders":
        lowerCased ??= new Map(Object.keys(sentHeaders).map((h) => [h.toLowerCase(), h]));
        for (const key of Object.keys(value as object)) {
          if (!lowerCased.has(member.wire + key.toLowerCase())) {
            mismatch(
              `${member.name}["${key}"] is not sent as the header "${member.wire}${key.toLowerCase()}"`,
            );
          }
        }
        break;
      default:
        break;
    }
  }
  const path = ownMember(request, "path");
  if (typeof path !== "string") mismatch("the request has no path");
  assertPathCarriesLabels(http.path, path, input, endpoint);
}

/** The endpoint the SDK resolved for the call, and the one the client was configured with. */
export interface Endpoints {
  readonly resolved?: URL | undefined;
  readonly configured?: URL | undefined;
}

/**
 * S3's own hosts, which address no bucket themselves: `s3`, `s3-fips`, `s3-accelerate`,
 * `s3-external-1`, `s3-object-lambda`, `s3express-<zone>` or `s3express-control`, optionally
 * `.dualstack`, then
 * a region (or none, for global hosts), under a partition's DNS suffix; or the older
 * `s3-<region>` form. A host with any other first label names a bucket: an S3 bucket's name may
 * itself look like a host label, so the region must look like a region.
 */
const S3_SERVICE_HOST =
  /^(?:(?:s3|s3-fips|s3-accelerate|s3-external-1|s3-object-lambda(?:-fips)?|s3express-[a-z0-9-]+)(?:\.dualstack)?(?:\.[a-z]{2,}(?:-[a-z]+)+-\d+)?|s3-[a-z]{2,}(?:-[a-z]+)+-\d+)\.(?:amazonaws\.com|amazonaws\.com\.cn|amazonaws\.eu|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov|api\.aws)$/;

/**
 * The resolved endpoint must be the client's configured one, when it has one, and an S3 call
 * must address its input's bucket and nothing more: the bucket then exactly the service's host
 * (the configured host, or one of S3's own), with nothing added to the endpoint's path; or
 * exactly the service's host, with the bucket as the path's one segment after the configured
 * path. The SDK resolves endpoints through plain objects and keeps them for the whole process,
 * shared by every client of the service, and its endpoint provider takes parameters from any
 * caller: any code could otherwise leave a kept endpoint that sends this client's calls to
 * another bucket (`protected.s3.…/orders/k`, `orders.protected.s3.…`) or host. Buckets named by
 * ARN or URL (access points, `bucketEndpoint`) are not compared.
 */
function assertAddressedAsConfigured(
  layout: RequestLayout,
  resolved: URL,
  input: Record<string, unknown>,
  configured: URL | undefined,
): void {
  const host = resolved.hostname;
  const base = resolved.pathname;
  let root = "";
  if (configured !== undefined) {
    if (resolved.protocol !== configured.protocol || resolved.port !== configured.port) {
      mismatch("the endpoint's protocol or port is not the configured endpoint's");
    }
    root = configured.pathname.endsWith("/")
      ? configured.pathname.slice(0, -1)
      : configured.pathname;
  }
  const isServiceHost = (name: string): boolean =>
    configured !== undefined ? name === configured.hostname : S3_SERVICE_HOST.test(name);
  // The endpoint's path without its trailing slash, which endpoint rules may or may not add.
  const path = base.endsWith("/") ? base.slice(0, -1) : base;
  const bucket = layout.s3 ? ownMember(input, "Bucket") : undefined;
  if (typeof bucket === "string" && bucket && !bucket.includes(":") && !bucket.includes("/")) {
    // Case as given: the SDK puts only lower-case names in a host, which URLs lower-case.
    const virtual = host.startsWith(`${bucket}.`) && isServiceHost(host.slice(bucket.length + 1));
    if (!virtual && !isServiceHost(host)) {
      mismatch(
        `the endpoint's host ${JSON.stringify(host)} is neither the bucket ` +
          `${JSON.stringify(bucket)} on the service's host nor the service's host`,
      );
    }
    const expected = virtual ? root : `${root}/${extendedEncodeURIComponent(bucket)}`;
    if (path !== expected) {
      mismatch(
        `the endpoint ${JSON.stringify(resolved.host + resolved.pathname)} does not address the bucket ` +
          `${JSON.stringify(bucket)} alone (path ${JSON.stringify(expected || "/")} expected)`,
      );
    }
    return;
  }
  if (configured === undefined) {
    // An S3 call that names no bucket (ListBuckets) must not address one either.
    if (layout.s3 && bucket === undefined && (!S3_SERVICE_HOST.test(host) || path !== "")) {
      mismatch(
        `the endpoint ${JSON.stringify(resolved.host + resolved.pathname)} is not one of S3's own hosts, for a call ` +
          "that names no bucket",
      );
    }
    return;
  }
  if (host !== configured.hostname) {
    mismatch(
      `the endpoint's host ${JSON.stringify(host)} is not the configured ${JSON.stringify(configured.hostname)}`,
    );
  }
  if (path !== root) {
    mismatch(
      `the endpoint's path ${JSON.stringify(base)} is not the configured ${JSON.stringify(root || "/")}`,
    );
  }
}

/**
 * The request must go where the SDK resolved the endpoint: its protocol, port and host, the
 * host led by the operation's own host prefix filled from the input (or without it, for
 * clients that turn host prefixes off).
 */
function assertSentToEndpoint(
  layout: RequestLayout,
  request: object,
  hostname: unknown,
  input: Record<string, unknown>,
  url: URL,
): void {
  if (ownMember(request, "protocol") !== url.protocol) {
    mismatch(`the request's protocol is not the endpoint's ${url.protocol}`);
  }
  const port = ownMember(request, "port");
  if ((port ?? undefined) !== (url.port ? Number(url.port) : undefined)) {
    mismatch(`the request's port is not the endpoint's`);
  }
  if (hostname === url.hostname) return;
  if (layout.hostPrefix !== undefined) {
    let prefix = layout.hostPrefix;
    for (const label of layout.hostLabels) {
      const value = ownMember(input, label);
      if (typeof value === "string") prefix = prefix.replace(`{${label}}`, value);
    }
    if (hostname === prefix + url.hostname) return;
  }
  mismatch(
    `the request's host ${JSON.stringify(hostname)} is not the endpoint's ${JSON.stringify(url.hostname)}`,
  );
}

/**
 * The path must be the endpoint's path followed by the URI's path, each label filled from the
 * input and encoded as the SDK encodes it. Without a resolved endpoint (clients older than
 * endpoint rules) it must end so.
 */
function assertPathCarriesLabels(
  segments: readonly PathSegment[],
  path: string,
  input: Record<string, unknown>,
  endpoint: URL | undefined,
): void {
  let expected = "";
  for (const segment of segments) {
    if (typeof segment === "string") {
      expected += segment;
      continue;
    }
    const value = ownMember(input, segment.name);
    const text = labelText(value);
    if (text === undefined) {
      mismatch(`the label ${segment.template} has no value keycard can compare`);
    }
    expected += segment.greedy ? encodeGreedy(text) : extendedEncodeURIComponent(text);
  }
  if (endpoint !== undefined) {
    const base = endpoint.pathname;
    // The SDK appends the URI's path to the endpoint's, unless the endpoint's is the root.
    if (
      base === "/"
        ? path === expected
        : path.length === base.length + expected.length &&
          path.startsWith(base) &&
          path.endsWith(expected)
    ) {
      return;
    }
  } else if (path.endsWith(expected)) return;
  for (const segment of segments) {
    if (typeof segment !== "string" && path.includes(segment.template)) {
      mismatch(`the path still holds the label ${segment.template}`);
    }
  }
  mismatch(
    `the path ${JSON.stringify(path)} is not ${JSON.stringify(expected)} after the endpoint's path, ` +
      "the input's labels",
  );
}

/** Text that a greedy label carries as it is: the SDK encodes each segment of anything else. */
const PLAIN_GREEDY = /^[\w.~/-]*$/;

/** A greedy label's text as the SDK encodes it: each `/`-separated segment on its own. */
function encodeGreedy(text: string): string {
  return PLAIN_GREEDY.test(text) ? text : text.split("/").map(extendedEncodeURIComponent).join("/");
}

/** A label's text as the SDK writes it (timestamps as date-time), or undefined for other values. */
function labelText(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    default:
      return value instanceof Date ? value.toISOString().replace(".000Z", "Z") : undefined;
  }
}
