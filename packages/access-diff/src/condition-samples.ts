import type { ContextValue } from "@keycard/engine";
import { instantiate, type VariableValues } from "./wildcard.js";

const ABSENT = Symbol("absent");
type Sample = ContextValue | typeof ABSENT;

/** Value that matches no sensible condition value. @internal */
export const OTHER_VALUE = "keycard-probe-other";
/** An address in TEST-NET-2 (RFC 5737): outside any range a policy would name. */
const OTHER_IP = "198.51.100.7";
const DAY = 86_400;

function parseDate(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  const text = String(value);
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/** A value that satisfies the operator and one that does not, for one listed value. */
function samplesFor(
  base: string,
  raw: unknown,
  variables: VariableValues,
): [Sample, Sample] | undefined {
  const text = String(raw);
  const literal = instantiate(text, variables, { literal: true });
  const filled = instantiate(text, variables);
  const n = Number(text);
  const date = parseDate(raw);
  switch (base) {
    case "stringequals":
    case "stringequalsignorecase":
    case "binaryequals":
      return [literal, OTHER_VALUE];
    case "stringnotequals":
    case "stringnotequalsignorecase":
      return [OTHER_VALUE, literal];
    case "stringlike":
      return [filled, OTHER_VALUE];
    case "stringnotlike":
      return [OTHER_VALUE, filled];
    case "arnequals":
    case "arnlike":
      return [filled, `arn:aws:iam::999999999999:role/${OTHER_VALUE}`];
    case "arnnotequals":
    case "arnnotlike":
      return [`arn:aws:iam::999999999999:role/${OTHER_VALUE}`, filled];
    case "numericequals":
      return Number.isFinite(n) ? [n, n + 1] : undefined;
    case "numericnotequals":
      return Number.isFinite(n) ? [n + 1, n] : undefined;
    case "numericlessthan":
      return Number.isFinite(n) ? [n - 1, n + 1] : undefined;
    case "numericlessthanequals":
      return Number.isFinite(n) ? [n, n + 1] : undefined;
    case "numericgreaterthan":
      return Number.isFinite(n) ? [n + 1, n - 1] : undefined;
    case "numericgreaterthanequals":
      return Number.isFinite(n) ? [n, n - 1] : undefined;
    case "dateequals":
      return date === undefined ? undefined : [isoDate(date), isoDate(date + DAY)];
    case "datenotequals":
      return date === undefined ? undefined : [isoDate(date + DAY), isoDate(date)];
    case "datelessthan":
      return date === undefined ? undefined : [isoDate(date - DAY), isoDate(date + DAY)];
    case "datelessthanequals":
      return date === undefined ? undefined : [isoDate(date), isoDate(date + DAY)];
    case "dategreaterthan":
      return date === undefined ? undefined : [isoDate(date + DAY), isoDate(date - DAY)];
    case "dategreaterthanequals":
      return date === undefined ? undefined : [isoDate(date), isoDate(date - DAY)];
    case "bool": {
      const value = text.toLowerCase() === "true";
      return [value, !value];
    }
    case "ipaddress":
      return [text.split("/")[0] ?? text, OTHER_IP];
    case "notipaddress":
      return [OTHER_IP, text.split("/")[0] ?? text];
    case "null":
      return text.toLowerCase() === "true" ? [ABSENT, "keycard-probe"] : ["keycard-probe", ABSENT];
    default:
      return undefined;
  }
}

/**
 * Condition contexts for one statement's Condition block: first a context that satisfies
 * every condition, then, for each key, one per other listed value that satisfies it and one
 * per listed value that breaks it (the others kept satisfied). Every listed value is tried,
 * not only the first: a change that appends a value to a list (`["us-east-1", "eu-west-1"]`)
 * widens the condition exactly at the new value. Together with the empty context they show
 * whether a change depends on its conditions.
 * @internal
 */
export function conditionContexts(
  condition: Record<string, Record<string, unknown>>,
  variables: VariableValues,
): Array<Record<string, ContextValue>> {
  const entries: Array<{ key: string; satisfy: Sample[]; violate: Sample[] }> = [];
  for (const [operator, keys] of Object.entries(condition)) {
    if (typeof keys !== "object" || keys === null) continue;
    let name = operator.toLowerCase();
    let set = false;
    for (const prefix of ["forallvalues:", "foranyvalue:"]) {
      if (name.startsWith(prefix)) {
        name = name.slice(prefix.length);
        set = true;
      }
    }
    if (name.endsWith("ifexists")) name = name.slice(0, -"ifexists".length);
    for (const [key, values] of Object.entries(keys)) {
      const listed = Array.isArray(values) ? values : [values];
      const wrap = (s: Sample): Sample => (s === ABSENT || !set ? s : ([s] as ContextValue));
      const satisfy: Sample[] = [];
      const violate: Sample[] = [];
      for (const value of listed) {
        if (value === undefined) continue;
        const samples = samplesFor(name, value, variables);
        if (!samples) continue;
        satisfy.push(wrap(samples[0]));
        violate.push(wrap(samples[1]));
      }
      if (satisfy.length > 0) entries.push({ key, satisfy, violate });
    }
  }
  if (entries.length === 0) return [];
  const build = (changed?: { at: number; value: Sample }) => {
    const context: Record<string, ContextValue> = {};
    for (const [k, entry] of entries.entries()) {
      const value = changed?.at === k ? changed.value : entry.satisfy[0];
      if (value !== ABSENT && value !== undefined) context[entry.key] = value;
    }
    return context;
  };
  const out = [build()];
  const seen = new Set([JSON.stringify(out[0])]);
  const add = (context: Record<string, ContextValue>) => {
    const key = JSON.stringify(context);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(context);
  };
  // Breaking each key comes first, so a limit on contexts keeps the classic variations.
  for (const [at, entry] of entries.entries()) {
    const [first] = entry.violate;
    if (first !== undefined) add(build({ at, value: first }));
  }
  for (const [at, entry] of entries.entries()) {
    for (const value of entry.violate.slice(1)) add(build({ at, value }));
    for (const value of entry.satisfy.slice(1)) add(build({ at, value }));
  }
  return out;
}
