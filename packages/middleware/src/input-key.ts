import { isStreamLike } from "./body-shapes.js";

/** Longest key built; larger inputs are decided without the memo. */
const MAX_KEY = 4096;
const MAX_DEPTH = 8;

class Uncacheable extends Error {}

/** The key being built; one object per call so the walk needs no closure. */
interface KeyState {
  out: string;
}

function walk(value: unknown, depth: number, state: KeyState): void {
  if (state.out.length > MAX_KEY || depth > MAX_DEPTH) throw new Uncacheable();
  switch (typeof value) {
    case "string":
      state.out += JSON.stringify(value);
      return;
    case "number":
      state.out += `n${value}`;
      return;
    case "boolean":
      state.out += value ? "t" : "f";
      return;
    case "bigint":
      state.out += `b${value}`;
      return;
    case "undefined":
      state.out += "u";
      return;
    case "object":
      break;
    default:
      throw new Uncacheable();
  }
  if (value === null) {
    state.out += "z";
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    state.out += "#bytes";
    return;
  }
  if (value instanceof Date) {
    state.out += `d${value.getTime()}`;
    return;
  }
  if (Array.isArray(value)) {
    state.out += "[";
    for (const item of value) {
      walk(item, depth + 1, state);
      state.out += ",";
    }
    state.out += "]";
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    if (isStreamLike(value)) {
      state.out += "#stream";
      return;
    }
    throw new Uncacheable();
  }
  state.out += "{";
  for (const key in value) {
    state.out += `${JSON.stringify(key)}:`;
    walk((value as Record<string, unknown>)[key], depth + 1, state);
    state.out += ",";
  }
  state.out += "}";
}

/**
 * An exact, compact serialization of a command input, or `undefined` when the input is too large
 * or too unusual to serialize exactly (class instances, functions, cycles, members that throw).
 * Two inputs with the same key map to the same IAM requests, so the key can stand for the input
 * in the decision memo. Bytes and streams are written as their kind only: IAM never authorizes
 * on payload content, so the mapping cannot depend on it.
 * @internal
 */
export function inputKey(input: unknown): string | undefined {
  const state: KeyState = { out: "" };
  try {
    walk(input, 0, state);
  } catch {
    return undefined;
  }
  return state.out.length > MAX_KEY ? undefined : state.out;
}
