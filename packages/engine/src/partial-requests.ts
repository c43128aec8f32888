import { foldKey } from "./key-case.js";
import { escapeRegex, RESERVED_CHARACTERS, UNKNOWN_CHARACTER, UNKNOWN_PART } from "./patterns.js";
import { changedPrototype } from "./prototype-check.js";
import { copyRecord } from "./request-snapshot.js";
import type { AuthorizationRequest, EvaluationInput } from "./types.js";

/**
 * A request as the Rego library reads a partly known one (see `policies/keycard/iam`):
 * `rp` is the resource with {@link UNKNOWN_PART} for each unknown part, `rre` the same as an
 * anchored regular expression, `up` what each unknown part is, and `uk` the condition keys
 * the request has but keycard does not know, lower-cased.
 */
interface WasmRequest extends AuthorizationRequest {
  rp?: string;
  rre?: string;
  up?: string[];
  uk?: Readonly<Record<string, true>>;
}

/** The longest pattern a partly known resource may become (S3 keys are at most 1,024 bytes). */
const MAX_RESOURCE_REGEX_LENGTH = 4096;

const INTERNAL_FIELDS = ["rp", "rre", "up", "uk"] as const;

/**
 * The input the WebAssembly policy reads. Fully known requests pass through untouched (the
 * common case costs one scan); partly known ones gain the fields above. Returns a reason
 * when a request's description of its unknowns cannot be used, so the caller denies.
 * @internal
 */
export function wasmInput(
  input: EvaluationInput,
  dropUnknown: (foldedKey: string) => boolean = () => false,
): EvaluationInput | string {
  let prepared: WasmRequest[] | undefined;
  for (const [i, request] of input.requests.entries()) {
    // The library trusts these fields to describe unknowns; only this function sets them.
    for (const field of INTERNAL_FIELDS) {
      if (Object.hasOwn(request, field)) return `requests[${i}] has the reserved field "${field}"`;
    }
    const unknownContext = request.unknownContext;
    let uk: Readonly<Record<string, true>> | undefined;
    if (unknownContext !== undefined) {
      const known = sealedUnknownKeys(unknownContext, dropUnknown);
      if (known !== undefined) uk = known.uk;
      else if (!validKeyList(unknownContext))
        return `requests[${i}].unknownContext must be a list of condition keys`;
      else {
        uk = unknownKeys(unknownContext, dropUnknown);
        if (Object.isFrozen(unknownContext) && changedPrototype() === undefined)
          rememberUnknownKeys(unknownContext, dropUnknown, uk);
      }
    }
    // Fully known, or unknown only in keys nothing reads.
    if (request.resourceParts === undefined && uk === undefined) {
      prepared?.push(request);
      continue;
    }
    const converted = partialRequest(request, i, uk);
    if (typeof converted === "string") return converted;
    prepared ??= input.requests.slice(0, i) as WasmRequest[];
    prepared.push(converted);
  }
  return prepared
    ? Object.assign(copyRecord<EvaluationInput>(), input, { requests: prepared })
    : input;
}

/** Recent unknown-key sets with the lists they were read from, per `assumeUnknown` of a policy. */
const unknownKeySets = new WeakMap<
  (foldedKey: string) => boolean,
  Array<readonly [list: readonly string[], uk: Readonly<Record<string, true>> | undefined]>
>();

/** Lists remembered per policy: a mapping sends one or a few per action. */
const MAX_UNKNOWN_KEY_SETS = 64;

/**
 * The `uk` of each frozen list of unknown keys, per `dropUnknown` of a policy. The snapshot hands
 * the same frozen copy of a sealed list to every input that carries it (see
 * `request-snapshot.ts`), and a frozen list of strings cannot change.
 */
const frozenListKeys = new WeakMap<
  (foldedKey: string) => boolean,
  WeakMap<object, { uk: Readonly<Record<string, true>> | undefined }>
>();

function sealedUnknownKeys(
  list: unknown,
  dropUnknown: (foldedKey: string) => boolean,
): { uk: Readonly<Record<string, true>> | undefined } | undefined {
  if (typeof list !== "object" || list === null) return undefined;
  return frozenListKeys.get(dropUnknown)?.get(list);
}

function rememberUnknownKeys(
  list: readonly string[],
  dropUnknown: (foldedKey: string) => boolean,
  uk: Readonly<Record<string, true>> | undefined,
): void {
  let lists = frozenListKeys.get(dropUnknown);
  if (lists === undefined) {
    lists = new WeakMap();
    frozenListKeys.set(dropUnknown, lists);
  }
  lists.set(list, { uk });
}

function validKeyList(list: unknown): list is readonly string[] {
  return Array.isArray(list) && list.every((key) => typeof key === "string");
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The `uk` of a request: its unknown keys folded, less those `dropUnknown` leaves out (keys the
 * loader assumes absent with `assumeUnknown`, and keys no statement reads); undefined when none
 * is left. A mapping sends the same few lists on
 * every call, so each list's set is made once and shared (frozen).
 */
function unknownKeys(
  list: readonly string[],
  dropUnknown: (foldedKey: string) => boolean,
): Readonly<Record<string, true>> | undefined {
  let recent = unknownKeySets.get(dropUnknown);
  if (recent === undefined) {
    recent = [];
    unknownKeySets.set(dropUnknown, recent);
  }
  for (let i = recent.length - 1; i >= 0; i--) {
    const entry = recent[i]!;
    if (!sameList(entry[0], list)) continue;
    // Most recently used last: a list in constant use is never the one evicted. Moved only while
    // no prototype has additions: a write to the list hands it to a setter on `Array.prototype`,
    // which could keep it and slip a list with no unknown keys in for later requests.
    if (i !== recent.length - 1 && changedPrototype() === undefined) {
      recent.splice(i, 1);
      recent.push(entry);
    }
    return entry[1];
  }
  const keep = changedPrototype() === undefined;
  // Each key read once, by index, into the one list both the set and the remembered copy are
  // made from: walking the list twice (an iterator of its own may answer differently each
  // time) could pair one list with another's set.
  const keys: string[] = [];
  for (let i = 0; i < list.length; i++) keys[i] = list[i] as string;
  let uk: Readonly<Record<string, true>> | undefined;
  // Inherits nothing, so no `toJSON` of Object.prototype's answers for it when serialised.
  const set = copyRecord<Record<string, true>>();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const folded = foldKey(key);
    if (dropUnknown(folded)) continue;
    // Defined, not assigned: a key may be spelled `__proto__`.
    Object.defineProperty(set, folded, {
      value: true,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    uk = set;
  }
  if (uk !== undefined) {
    Object.freeze(uk);
    // The id follows the set's content, so a list evicted and read again keys as before.
    const text = JSON.stringify(uk);
    unknownKeyTexts.set(uk, text);
    let id = idsByText.get(text);
    if (id === undefined) {
      id = (nextUnknownKeyId++).toString(36);
      if (keep && idsByText.size < MAX_UNKNOWN_KEY_IDS) idsByText.set(text, id);
    }
    unknownKeyIds.set(uk, id);
  }
  if (!keep) return uk;
  if (recent.length >= MAX_UNKNOWN_KEY_SETS) recent.shift();
  recent.push(Object.freeze([Object.freeze(keys), uk] as const));
  return uk;
}

const unknownKeyTexts = new WeakMap<object, string>();
const unknownKeyIds = new WeakMap<object, string>();
/** Ids by the sets' JSON text: the same content has the same id, across policies too. */
const idsByText = new Map<string, string>();
/** Past this many distinct sets, new ones get ids of their own (reuse ends for them, no more). */
const MAX_UNKNOWN_KEY_IDS = 4096;
let nextUnknownKeyId = 0;

/**
 * A short name for a request's `uk`, the same for every request sharing the set and different
 * for every other set made in this process, for reuse keys. @internal
 */
export function unknownKeysId(uk: Readonly<Record<string, true>>): string {
  let id = unknownKeyIds.get(uk);
  if (id === undefined) {
    id = (nextUnknownKeyId++).toString(36);
    unknownKeyIds.set(uk, id);
  }
  return id;
}

/** A request's `uk` as JSON text, made once per shared set. @internal */
export function unknownKeysJson(uk: Readonly<Record<string, true>>): string {
  let text = unknownKeyTexts.get(uk);
  if (text === undefined) {
    text = JSON.stringify(uk);
    unknownKeyTexts.set(uk, text);
  }
  return text;
}

function partialRequest(
  request: AuthorizationRequest,
  i: number,
  uk: Readonly<Record<string, true>> | undefined,
): WasmRequest | string {
  const { resourceParts, unknownContext: _listed, ...rest } = request;
  const out: WasmRequest = Object.assign(copyRecord<WasmRequest>(), rest);
  if (uk !== undefined) out.uk = uk;
  if (resourceParts === undefined) return out;
  if (!Array.isArray(resourceParts) || resourceParts.length === 0)
    return `requests[${i}].resourceParts must be a non-empty list`;
  let display = "";
  let glob = "";
  let regex = "^";
  const unknown: string[] = [];
  for (const [k, part] of resourceParts.entries()) {
    if (typeof part === "string") {
      if (RESERVED_CHARACTERS.test(part))
        return `requests[${i}].resourceParts[${k}] contains a character from U+E000 to U+E00F, which keycard reserves for unknown parts`;
      display += part;
      glob += part;
      regex += escapeRegex(part);
      continue;
    }
    const what = (part as { unknown?: unknown } | null)?.unknown;
    if (typeof what !== "string" || what === "")
      return `requests[${i}].resourceParts[${k}] must be text or { unknown: "what is unknown" }`;
    const length = (part as { length?: unknown }).length;
    display += "*";
    if (length === undefined) {
      glob += UNKNOWN_PART;
      regex += "(?s:.*)";
    } else if (
      typeof length === "number" &&
      Number.isInteger(length) &&
      length > 0 &&
      length <= 256
    ) {
      glob += UNKNOWN_CHARACTER.repeat(length);
      regex += `(?s:.){${length}}`;
    } else {
      return `requests[${i}].resourceParts[${k}].length must be a whole number from 1 to 256`;
    }
    if (!unknown.includes(what)) unknown.push(what);
  }
  // The library compiles `rre`; one too large for WebAssembly's regular expressions would
  // fail to compile and read as "matches nothing", dropping a Deny that may apply.
  if (regex.length > MAX_RESOURCE_REGEX_LENGTH)
    return `requests[${i}].resourceParts describe a resource too long to match (over ${MAX_RESOURCE_REGEX_LENGTH} characters as a pattern)`;
  // With nothing unknown the parts are just the resource.
  if (unknown.length === 0) return Object.assign(out, { resource: display });
  return Object.assign(out, { resource: display, rp: glob, rre: `${regex}$`, up: unknown });
}
