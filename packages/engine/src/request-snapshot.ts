/**
 * The evaluation input, read exactly once into plain data before anything looks at it.
 *
 * A caller's input may hold getters or proxies that answer differently on every read. If the
 * checks, the reuse key and the WebAssembly input each read it themselves, they can see three
 * different requests, and a decision made for one is returned for another. Everything after
 * {@link snapshotInput} reads only the snapshot.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { CompiledPolicyData } from "./compile.js";
import type { CompiledPattern, TemplatePart } from "./patterns.js";
import type { EvaluationInput } from "./types.js";

/**
 * The longest value keycard fills into a pattern through a policy variable. Longer values
 * (IAM user names are at most 64 characters, tag values 256) would make the library escape
 * and compile a pattern per character for a long time.
 * @internal
 */
export const MAX_VARIABLE_LENGTH = 1024;

/** A JSON string escape of U+0000 that is not itself an escaped backslash followed by `u0000`. */
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/** A JSON string escape of a surrogate code unit, which JSON.stringify writes only for lone ones. */
const LONE_SURROGATE_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;

/**
 * The input as plain data: serialised once (every getter runs once, `toJSON` as the library
 * would see it) and parsed back. Returns a reason when it cannot be read or holds text the
 * library cannot match safely.
 * @internal
 */
export function snapshotInput(input: unknown): EvaluationInput | string {
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return `the input cannot be serialized (${message})`;
  }
  if (text === undefined) return "the evaluation input is not an object";
  // JSON.stringify writes `\u` only for control characters and lone surrogates (or text that
  // spells a backslash before `u`): most inputs skip both scans. The library's regular
  // expressions end at U+0000, so a value holding one (filled into a pattern, or a partly
  // known resource) would match more than it says.
  const escapes = text.includes("\\u");
  if (escapes && NUL_ESCAPE.test(text))
    return "the input contains U+0000, which keycard cannot match safely";
  // JSON.stringify escapes only lone surrogates; the library cannot read them at all.
  if (escapes && LONE_SURROGATE_ESCAPE.test(text))
    return "the input contains a lone surrogate (text that is not well-formed UTF-16)";
  return JSON.parse(text) as EvaluationInput;
}

/** What a loaded policy reads in ways that need the input prepared first. @internal */
export interface InputNeeds {
  /** Lower-cased condition keys compared with IpAddress or NotIpAddress. */
  ipKeys: ReadonlySet<string>;
  /** Lower-cased keys read as policy variables. */
  variableKeys: ReadonlySet<string>;
}

function addVariables(value: CompiledPattern | unknown, into: Set<string>): void {
  if (typeof value !== "object" || value === null || !("tpl" in value)) return;
  for (const part of (value as { tpl: TemplatePart[] }).tpl) if ("var" in part) into.add(part.var);
}

/** The keys of the compiled documents that {@link prepareSnapshot} treats specially. @internal */
export function inputNeeds(data: CompiledPolicyData): InputNeeds {
  const ipKeys = new Set<string>();
  const variableKeys = new Set<string>();
  for (const statement of data.statements) {
    for (const pattern of [...(statement.resource ?? []), ...(statement.not_resource ?? [])])
      addVariables(pattern, variableKeys);
    for (const condition of statement.condition ?? []) {
      if (condition.op === "ip") ipKeys.add(condition.key);
      for (const value of condition.values) addVariables(value, variableKeys);
    }
  }
  return { ipKeys, variableKeys };
}

/**
 * An IP address in the one spelling the library parses reliably: IPv4 as dotted decimal, an
 * IPv4-mapped IPv6 address as its IPv4 address, any other IPv6 address as eight groups of
 * lower-case hexadecimal. Undefined for anything else, a CIDR range or zone included.
 * @internal
 */
export function canonicalIp(text: string): string | undefined {
  if (isIPv4(text)) return text;
  if (!isIPv6(text) || text.includes("%")) return undefined;
  let groups: number[] = [];
  let body = text.toLowerCase();
  const lastColon = body.lastIndexOf(":");
  const tail = body.slice(lastColon + 1);
  let v4: number[] = [];
  if (tail.includes(".")) {
    v4 = tail.split(".").map(Number);
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const [head = "", rest] = body.split("::");
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  if (rest === undefined) groups = parse(head);
  else {
    const left = parse(head);
    const right = parse(rest);
    groups = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  }
  if (v4.length === 4) {
    groups[6] = ((v4[0] as number) << 8) | (v4[1] as number);
    groups[7] = ((v4[2] as number) << 8) | (v4[3] as number);
  }
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff))
    return undefined;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return groups.map((g) => g.toString(16)).join(":");
}

function tooLong(value: unknown): boolean {
  return typeof value === "string" && value.length > MAX_VARIABLE_LENGTH;
}

/**
 * Prepares a snapshot in place for what the policy reads: IP values in the spelling the
 * library parses (a value that is no address becomes unknown, so a Deny on it applies and an
 * Allow does not), and a reason to deny when a value filled into a pattern is too long.
 * Runs after the input's shape was checked.
 * @internal
 */
export function prepareSnapshot(input: EvaluationInput, needs: InputNeeds): string | undefined {
  if (needs.variableKeys.size > 0) {
    const principal = input.principal as Record<string, unknown> | undefined;
    if (typeof principal === "object" && principal !== null) {
      const tags = principal.tags;
      if (
        Object.values(principal).some(tooLong) ||
        (typeof tags === "object" && tags !== null && Object.values(tags).some(tooLong))
      )
        return `a principal value is longer than ${MAX_VARIABLE_LENGTH} characters, the most keycard fills into a policy variable`;
    }
    if (tooLong(input.region))
      return `the region is longer than ${MAX_VARIABLE_LENGTH} characters, the most keycard fills into a policy variable`;
  }
  if (needs.variableKeys.size === 0 && needs.ipKeys.size === 0) return undefined;
  for (const [i, request] of input.requests.entries()) {
    const context = request.context as Record<string, unknown> | undefined;
    if (context === undefined) continue;
    for (const name of Object.keys(context)) {
      const key = name.toLowerCase();
      const value = context[name];
      if (needs.variableKeys.has(key) && tooLong(value))
        return `requests[${i}].context.${name} is longer than ${MAX_VARIABLE_LENGTH} characters, the most keycard fills into a policy variable`;
      if (!needs.ipKeys.has(key)) continue;
      const list = Array.isArray(value) ? value : [value];
      const canonical = list.map((v) => (typeof v === "string" ? canonicalIp(v) : undefined));
      if (canonical.every((v) => v !== undefined)) {
        // Defined rather than assigned: JSON.parse may have made an own `__proto__` key.
        Object.defineProperty(context, name, {
          value: Array.isArray(value) ? canonical : canonical[0],
          enumerable: true,
          writable: true,
          configurable: true,
        });
        continue;
      }
      // Not an address: IAM would not match it as one, and keycard cannot say how AWS reads it.
      delete context[name];
      const unknown = Array.isArray(request.unknownContext) ? [...request.unknownContext] : [];
      unknown.push(key);
      request.unknownContext = unknown;
    }
  }
  return undefined;
}
