import { hasOwnMember, prototypePollution } from "./object-prototype.js";
import type { AuthorizationRequest, UnknownResourcePart } from "./types.js";

/*
 * While a request is being built its resource is one string, so that rules can concatenate ARNs
 * as usual. An unknown stretch is written as OPEN + what + CLOSE (two private-use characters) and
 * split into `resourceParts` once, when the request is finished. Input text can hold these
 * characters too; the input view refuses such text (see input-view.ts), so markers only ever
 * come from keycard's own code.
 */
const OPEN = "\uE000";
const CLOSE = "\uE001";
/** Separates the description from a known length inside a marker. */
const LENGTH = "\uE002";

/**
 * Marks a stretch of a resource as unknown before the call, in words (`IAM user path`).
 * @internal
 */
export function unknownPart(what: string, length?: number): string {
  const known = length !== undefined && Number.isInteger(length) && length > 0;
  const cacheable = !known && what.length <= MAX_LABEL;
  if (cacheable) {
    const cached = markers.get(what);
    if (cached !== undefined) return cached;
  }
  // Some labels quote input (a KMS alias): clipped, so one cannot make every marker huge.
  const label = what.length > MAX_LABEL ? `${what.slice(0, MAX_LABEL)}…` : what;
  const clean = label.replace(RESERVED, "");
  const marker = OPEN + clean + (known ? `${LENGTH}${length}` : "") + CLOSE;
  if (cacheable) {
    // Bounded in count and, through MAX_LABEL, in bytes.
    if (markers.size >= 1000) markers.clear();
    markers.set(what, marker);
  }
  return marker;
}

/** Longest label a marker keeps, in characters. */
const MAX_LABEL = 200;

/** Characters reserved for markers (U+E000–U+E00F); never part of a label. */
const RESERVED = /[\uE000-\uE00F]/g;

/** Markers by description, made once. */
const markers = new Map<string, string>();

/** True when a resource built by the rules holds an unknown part. @internal */
export function hasUnknownPart(resource: string): boolean {
  return resource.includes(OPEN);
}

/**
 * The finished request: `resource` in display form (`*` for each unknown part) and
 * `resourceParts` when any part is unknown.
 * @internal
 */
export function finishResource(
  resource: string,
): Pick<AuthorizationRequest, "resource" | "resourceParts"> {
  if (!resource.includes(OPEN)) return { resource };
  const cached = finished.get(resource);
  if (cached) return cached;
  // Asked before splitting: splitting text looks up methods on `String.prototype` that code in
  // the process may have added, which could make the parts of any length, for every later call.
  const keep = resource.length <= 512 && prototypePollution() === undefined;
  const result = split(resource);
  // Calls repeat the same partly known resources (the key behind a bucket's encryption); the
  // parts are frozen, so one result can be shared. Bounded in count and in length.
  if (keep) {
    if (finished.size >= 1000) finished.clear();
    finished.set(resource, result);
  }
  return result;
}

/**
 * A finished request's resource back in the form rules build, with its unknown parts marked: for
 * a rule that adds requests on the resources of requests already made.
 * @internal
 */
export function markedResource(
  request: Pick<AuthorizationRequest, "resource" | "resourceParts">,
): string {
  if (!request.resourceParts) return request.resource;
  return request.resourceParts
    .map((p) => (typeof p === "string" ? p : unknownPart(p.unknown)))
    .join("");
}

/** Finished resources with unknown parts, by their marked form. */
const finished = new Map<string, Pick<AuthorizationRequest, "resource" | "resourceParts">>();

/**
 * The parts of a marked resource. Made of whole lists and object literals, then frozen: the
 * result is kept and shared (see {@link finishResource}), and a list filled with `push`, or a
 * part given a member it did not have, would be handed to a setter code in the process put on
 * `Array.prototype` or `Object.prototype`, to keep and change.
 */
function split(resource: string): Pick<AuthorizationRequest, "resource" | "resourceParts"> {
  let parts: ReadonlyArray<string | UnknownResourcePart> = [];
  let display = "";
  let at = 0;
  while (at < resource.length) {
    const open = resource.indexOf(OPEN, at);
    if (open < 0) {
      parts = [...parts, resource.slice(at)];
      display += resource.slice(at);
      break;
    }
    if (open > at) {
      parts = [...parts, resource.slice(at, open)];
      display += resource.slice(at, open);
    }
    const close = resource.indexOf(CLOSE, open + 1);
    // An unmatched marker (only possible from input text) makes the rest unknown.
    const end = close < 0 ? resource.length : close;
    const [described = "", lengthText] = resource
      .slice(open + 1, end)
      .replaceAll(OPEN, "")
      .split(LENGTH);
    const what = described || "resource";
    const length = lengthText === undefined ? undefined : Number(lengthText);
    // Read only when there is one: `parts[-1]` names no entry, and would be read from the list's
    // prototypes, where code in the process may have put a member of that name.
    const previous = parts.length > 0 ? parts[parts.length - 1] : undefined;
    if (typeof previous === "object") {
      // Two adjacent parts of known length make one of their summed length; otherwise any text.
      const previousLength = hasOwnMember(previous, "length") ? previous.length : undefined;
      const merged: UnknownResourcePart =
        previousLength !== undefined && length !== undefined
          ? Object.freeze({
              unknown: `${previous.unknown}, ${what}`,
              length: previousLength + length,
            })
          : Object.freeze({ unknown: `${previous.unknown}, ${what}` });
      parts = [...parts.slice(0, -1), merged];
    } else {
      parts = [
        ...parts,
        Object.freeze(length === undefined ? { unknown: what } : { unknown: what, length }),
      ];
      display += "*";
    }
    at = end + 1;
  }
  return Object.freeze({ resource: display, resourceParts: Object.freeze(parts) });
}
