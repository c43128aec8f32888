import { isIPv4, isIPv6 } from "node:net";
import { PolicyLoadError, type PolicyLocation } from "./errors.js";
import { foldKey, unsettledKey } from "./key-case.js";
import {
  type CompiledPattern,
  compilePattern,
  escapeRegex,
  MAX_PATTERN_LENGTH,
} from "./patterns.js";

/** Positive operator families understood by `policies/keycard/conditions`. @internal */
export type OperatorFamily =
  | "str_eq"
  | "str_eq_ic"
  | "str_like"
  | "num_eq"
  | "num_lt"
  | "num_lte"
  | "num_gt"
  | "num_gte"
  | "date_eq"
  | "date_lt"
  | "date_lte"
  | "date_gt"
  | "date_gte"
  | "bool"
  | "bin_eq"
  | "ip"
  | "arn_like"
  | "null";

const OPERATORS: Record<string, { op: OperatorFamily; negated: boolean }> = {
  stringequals: { op: "str_eq", negated: false },
  stringnotequals: { op: "str_eq", negated: true },
  stringequalsignorecase: { op: "str_eq_ic", negated: false },
  stringnotequalsignorecase: { op: "str_eq_ic", negated: true },
  stringlike: { op: "str_like", negated: false },
  stringnotlike: { op: "str_like", negated: true },
  numericequals: { op: "num_eq", negated: false },
  numericnotequals: { op: "num_eq", negated: true },
  numericlessthan: { op: "num_lt", negated: false },
  numericlessthanequals: { op: "num_lte", negated: false },
  numericgreaterthan: { op: "num_gt", negated: false },
  numericgreaterthanequals: { op: "num_gte", negated: false },
  dateequals: { op: "date_eq", negated: false },
  datenotequals: { op: "date_eq", negated: true },
  datelessthan: { op: "date_lt", negated: false },
  datelessthanequals: { op: "date_lte", negated: false },
  dategreaterthan: { op: "date_gt", negated: false },
  dategreaterthanequals: { op: "date_gte", negated: false },
  bool: { op: "bool", negated: false },
  binaryequals: { op: "bin_eq", negated: false },
  ipaddress: { op: "ip", negated: false },
  notipaddress: { op: "ip", negated: true },
  arnequals: { op: "arn_like", negated: false },
  arnlike: { op: "arn_like", negated: false },
  arnnotequals: { op: "arn_like", negated: true },
  arnnotlike: { op: "arn_like", negated: true },
  null: { op: "null", negated: false },
};

/** The compiled value of one condition value, by family. @internal */
export type CompiledConditionValue =
  | CompiledPattern
  | { n: number }
  | { b: boolean }
  | { cidr: string }
  | boolean;

/** One compiled (operator, key) pair of a Condition block. @internal */
export interface CompiledCondition {
  op: OperatorFamily;
  negated: boolean;
  if_exists: boolean;
  set: "" | "all" | "any";
  key: string;
  values: CompiledConditionValue[];
  /** How the key reads when the request does not carry it (`classifyKey`); absent when really absent. */
  u?: string;
  /** The condition as written, for explaining denials: operator, key and values. */
  w: { op: string; key: string; values: string[] };
}

/** Parses `ForAnyValue:StringLikeIfExists` and friends; undefined when unknown. @internal */
export function parseOperator(
  name: string,
):
  | { op: OperatorFamily; negated: boolean; ifExists: boolean; set: "" | "all" | "any" }
  | undefined {
  let rest = name;
  let set: "" | "all" | "any" = "";
  const lower = rest.toLowerCase();
  if (lower.startsWith("forallvalues:")) {
    set = "all";
    rest = rest.slice("forallvalues:".length);
  } else if (lower.startsWith("foranyvalue:")) {
    set = "any";
    rest = rest.slice("foranyvalue:".length);
  }
  let base = rest.toLowerCase();
  let ifExists = false;
  if (base.endsWith("ifexists")) {
    ifExists = true;
    base = base.slice(0, -"ifexists".length);
  }
  const family = OPERATORS[base];
  if (!family) return undefined;
  // Null tests existence itself, so neither IfExists nor a set operator means anything for it.
  if (family.op === "null" && (ifExists || set !== "")) return undefined;
  return { ...family, ifExists, set };
}

/** The eight 16-bit groups of a valid IPv6 address (which may end in a dotted IPv4 part). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part ? part.split(":").map((g) => Number.parseInt(g, 16)) : []);
  const before = parse(head);
  const after = tail === undefined ? [] : parse(tail);
  return [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
}

/**
 * A CIDR block with its prefix spelled out, or undefined when `text` is not an address or
 * range. IPv4-mapped IPv6 (`::ffff:10.0.0.0/104`) becomes the IPv4 range it denotes, as the
 * Rego side reads mapped request values as IPv4.
 */
function cidrOf(text: string): string | undefined {
  const [address = "", prefix, ...rest] = text.split("/");
  if (rest.length > 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) return undefined;
  // Zoned IPv6 addresses (`fe80::1%eth0`) are not request values IAM ever sees.
  const bits = address.includes("%") ? 0 : isIPv4(address) ? 32 : isIPv6(address) ? 128 : 0;
  const length = prefix === undefined ? bits : Number(prefix);
  if (bits === 0 || length > bits) return undefined;
  if (bits === 128 && length >= 96) {
    const groups = ipv6Groups(address);
    if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
      const [high = 0, low = 0] = groups.slice(6);
      return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}/${length - 96}`;
    }
  }
  return `${address}/${length}`;
}

/** Epoch seconds for an IAM date value (ISO 8601 or epoch seconds). @internal */
export function parseDate(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (
    !/^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([Zz]|[+-]\d{2}:?\d{2})?$/.test(value)
  ) {
    return undefined;
  }
  // Date.parse keeps milliseconds only; the Rego side reads every fractional digit, so the
  // fraction is added back separately (or DateEquals would fail on identical values).
  const fraction = /\.(\d+)/.exec(value)?.[1];
  const whole = fraction === undefined ? value : value.replace(`.${fraction}`, "");
  // Without a zone IAM reads the value as UTC.
  const zoned = /([Zz]|[+-]\d{2}:?\d{2})$/.test(whole) || whole.length === 10 ? whole : `${whole}Z`;
  const ms = Date.parse(whole.length === 10 ? `${whole}T00:00:00Z` : zoned.replace(" ", "T"));
  if (Number.isNaN(ms)) return undefined;
  return fraction === undefined ? ms / 1000 : ms / 1000 + Number(`0.${fraction}`);
}

function compileValue(
  op: OperatorFamily,
  raw: unknown,
  where: PolicyLocation,
  variables: boolean,
  classify: ((key: string) => string | undefined) | undefined,
): CompiledConditionValue {
  const bad = (why: string) =>
    new PolicyLoadError("InvalidConditionValue", `${why} (got ${JSON.stringify(raw)})`, {
      location: where,
    });
  if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") {
    throw bad("condition values must be strings, numbers or booleans");
  }
  const text = String(raw);
  // OPA's WebAssembly regular expressions end a pattern at U+0000 (dropping the closing
  // anchor) and fail on patterns too large to compile: either would make a value match
  // more than it says, so such values are refused rather than evaluated.
  if (text.includes("\u0000")) throw bad("condition values must not contain U+0000");
  if (text.length > MAX_PATTERN_LENGTH)
    throw bad(`condition values are limited to ${MAX_PATTERN_LENGTH} characters`);
  switch (op) {
    case "str_eq":
    case "str_eq_ic":
    case "bin_eq":
    case "str_like":
    case "arn_like": {
      const mode = op === "str_like" ? "wildcard" : op === "arn_like" ? "arn" : "literal";
      const compiled = compilePattern(text, mode, {
        variables,
        ...(classify ? { classify } : {}),
      });
      if (compiled instanceof Error) throw bad(compiled.message);
      // `*` alone still has to be compared for the equality operators.
      if ("any" in compiled) return { re: "^(?s:.*)$" };
      if (op === "bin_eq" && "tpl" in compiled)
        throw bad("BinaryEquals does not take policy variables");
      // The Rego side reads `re`, `p` (a prefix) or `tpl` for the wildcard operators.
      if ((op === "str_like" || op === "arn_like") && "s" in compiled)
        return { re: `^${escapeRegex(compiled.s)}$` };
      return compiled;
    }
    case "num_eq":
    case "num_lt":
    case "num_lte":
    case "num_gt":
    case "num_gte": {
      const n =
        typeof raw === "number"
          ? raw
          : /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(text)
            ? Number(text)
            : Number.NaN;
      if (!Number.isFinite(n)) throw bad("Numeric operators need a number");
      return { n };
    }
    case "date_eq":
    case "date_lt":
    case "date_lte":
    case "date_gt":
    case "date_gte": {
      const n = parseDate(typeof raw === "number" ? raw : text);
      if (n === undefined) throw bad("Date operators need an ISO 8601 date or epoch seconds");
      return { n };
    }
    case "bool":
    case "null": {
      const lowered = text.toLowerCase();
      if (lowered !== "true" && lowered !== "false")
        throw bad(`${op === "bool" ? "Bool" : "Null"} takes "true" or "false"`);
      return op === "bool" ? { b: lowered === "true" } : lowered === "true";
    }
    case "ip": {
      const cidr = cidrOf(text);
      if (cidr === undefined) throw bad("IpAddress needs an IPv4 or IPv6 address or CIDR range");
      return { cidr };
    }
  }
}

/**
 * Validates and compiles a statement's Condition block. `variables` is false for documents
 * older than Version 2012-10-17, where `${…}` is literal text.
 * @internal
 */
export function compileConditions(
  block: unknown,
  where: PolicyLocation,
  variables = true,
  classify?: (key: string) => string | undefined,
): CompiledCondition[] {
  if (typeof block !== "object" || block === null || Array.isArray(block)) {
    throw new PolicyLoadError("InvalidElement", "Condition must be an object of operators", {
      location: { ...where, element: "Condition" },
    });
  }
  const compiled: CompiledCondition[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    const element = `Condition.${operator}`;
    const parsed = parseOperator(operator);
    if (!parsed) {
      throw new PolicyLoadError(
        "UnknownConditionOperator",
        `unknown condition operator "${operator}"`,
        {
          location: { ...where, element },
        },
      );
    }
    if (typeof keys !== "object" || keys === null || Array.isArray(keys)) {
      throw new PolicyLoadError("InvalidElement", `${operator} must map condition keys to values`, {
        location: { ...where, element },
      });
    }
    for (const [key, rawValues] of Object.entries(keys as Record<string, unknown>)) {
      const at = { ...where, element: `${element}.${key}` };
      const list = Array.isArray(rawValues) ? rawValues : [rawValues];
      if (list.length === 0) {
        throw new PolicyLoadError(
          "InvalidConditionValue",
          "a condition key needs at least one value",
          { location: at },
        );
      }
      const unmatchable = unsettledKey(key);
      if (unmatchable !== undefined) {
        throw new PolicyLoadError(
          "InvalidConditionKey",
          `condition key ${JSON.stringify(key)} cannot be matched case-insensitively: ${unmatchable}`,
          { location: at },
        );
      }
      const u = classify?.(key);
      compiled.push({
        op: parsed.op,
        negated: parsed.negated,
        if_exists: parsed.ifExists,
        set: parsed.set,
        key: foldKey(key),
        values: list.map((value) => compileValue(parsed.op, value, at, variables, classify)),
        ...(u === undefined ? {} : { u }),
        w: { op: operator, key, values: list.map((value) => String(value)) },
      });
    }
  }
  return compiled;
}
