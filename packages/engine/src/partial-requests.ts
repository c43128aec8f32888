import { foldKey } from "./key-case.js";
import { escapeRegex, RESERVED_CHARACTERS, UNKNOWN_CHARACTER, UNKNOWN_PART } from "./patterns.js";
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
  uk?: Record<string, true>;
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
  assumedAbsent: (foldedKey: string) => boolean = () => false,
): EvaluationInput | string {
  let prepared: WasmRequest[] | undefined;
  for (const [i, request] of input.requests.entries()) {
    // The library trusts these fields to describe unknowns; only this function sets them.
    for (const field of INTERNAL_FIELDS) {
      if (Object.hasOwn(request, field)) return `requests[${i}] has the reserved field "${field}"`;
    }
    if (request.resourceParts === undefined && request.unknownContext === undefined) {
      prepared?.push(request);
      continue;
    }
    const converted = partialRequest(request, i, assumedAbsent);
    if (typeof converted === "string") return converted;
    prepared ??= input.requests.slice(0, i) as WasmRequest[];
    prepared.push(converted);
  }
  return prepared ? { ...input, requests: prepared } : input;
}

function partialRequest(
  request: AuthorizationRequest,
  i: number,
  assumedAbsent: (foldedKey: string) => boolean,
): WasmRequest | string {
  const { resourceParts, unknownContext, ...rest } = request;
  const out: WasmRequest = { ...rest };
  if (unknownContext !== undefined) {
    if (!Array.isArray(unknownContext) || unknownContext.some((k) => typeof k !== "string"))
      return `requests[${i}].unknownContext must be a list of condition keys`;
    // Keys the policy's loader chose to assume absent (`assumeUnknown`) are absent here too.
    const folded = unknownContext.map(foldKey).filter((key) => !assumedAbsent(key));
    if (folded.length > 0) out.uk = Object.fromEntries(folded.map((key) => [key, true]));
  }
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
  if (unknown.length === 0) return { ...out, resource: display };
  return { ...out, resource: display, rp: glob, rre: `${regex}$`, up: unknown };
}
