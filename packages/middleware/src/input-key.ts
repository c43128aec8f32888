import { Readable } from "node:stream";
import { types } from "node:util";
import { isRecordPrototype } from "./record.js";

/** Longest key built; larger inputs are decided without the memo. */
const MAX_KEY = 4096;
const MAX_DEPTH = 8;

class Uncacheable extends Error {}

/** The key being built; one object per call so the walk needs no closure. */
interface KeyState {
  out: string;
}

/**
 * True for a genuine stream or Blob. Only the body member is ever keyed this way: the mapper
 * never reads a body, whereas a stream anywhere else may carry members it does read.
 */
function isRealStream(value: object): boolean {
  return (
    value instanceof Readable ||
    (typeof ReadableStream === "function" && value instanceof ReadableStream) ||
    (typeof Blob === "function" && value instanceof Blob)
  );
}

function walk(value: unknown, depth: number, state: KeyState, member?: string): void {
  if (state.out.length > MAX_KEY || depth > MAX_DEPTH) throw new Uncacheable();
  switch (typeof value) {
    case "string":
      // Checked first: a large string body would otherwise be copied whole only to be refused.
      if (value.length > MAX_KEY) throw new Uncacheable();
      // Length-prefixed rather than quoted: unambiguous, and several times cheaper than
      // JSON.stringify, which scans every character for escapes.
      state.out += `s${value.length}:${value}`;
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
  // A proxy can answer each read differently; nothing read from it can stand for it. Checked
  // before anything else, `instanceof` included, which a proxy can answer as it likes.
  if (types.isProxy(value)) throw new Uncacheable();
  // Bytes by their internal slots, not their prototype: an object made from
  // `ArrayBuffer.prototype` passes `instanceof` yet is a record the mapper reads. The mapper
  // never reads a view's members; it does read an ArrayBuffer's, so one with any is refused.
  if (types.isArrayBufferView(value)) {
    state.out += "#bytes";
    return;
  }
  if (types.isAnyArrayBuffer(value)) {
    if (Reflect.ownKeys(value).length > 0) throw new Uncacheable();
    state.out += "#bytes";
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Date.prototype) {
    if (Object.getOwnPropertyNames(value).length > 0) throw new Uncacheable();
    state.out += `d${Date.prototype.getTime.call(value)}`;
    return;
  }
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) throw new Uncacheable();
    const names = Object.getOwnPropertyNames(value);
    // Indices plus `length`: no holes, no extra members.
    if (names.length !== value.length + 1) throw new Uncacheable();
    state.out += "[";
    for (let i = 0; i < value.length; i++) {
      walk(dataMember(value, String(i)), depth + 1, state);
      state.out += ",";
    }
    state.out += "]";
    return;
  }
  if (!isRecordPrototype(proto)) {
    // A `pipe()` method proves nothing: any class can have one, and the mapper reads its members.
    if (depth === 1 && member === "Body" && isRealStream(value)) {
      state.out += "#stream";
      return;
    }
    throw new Uncacheable();
  }
  state.out += "{";
  // Every own member, not only the enumerable ones: the mapper reads members by name.
  for (const key of Object.getOwnPropertyNames(value)) {
    state.out += `${key.length}:${key}`;
    walk(dataMember(value, key), depth + 1, state, key);
    state.out += ",";
  }
  state.out += "}";
}

/**
 * A member's value, read from its descriptor so no getter runs. Accessors and hidden members
 * make the input uncacheable: a getter can answer the mapper differently than it answered the
 * key, and a non-enumerable member is read by the mapper but missed by a plain walk.
 */
function dataMember(value: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(value, key);
  if (!descriptor || !("value" in descriptor) || !descriptor.enumerable) throw new Uncacheable();
  return descriptor.value;
}

/**
 * An exact, compact serialization of a command input, or `undefined` when the input is too large
 * or too unusual to serialize exactly (class instances, proxies, functions, cycles, accessors,
 * non-enumerable members).
 * Two inputs with the same key map to the same IAM requests, so the key can stand for the input
 * in the decision memo. Bytes and streams are written as their kind only: IAM never authorizes
 * on payload content, so the mapping cannot depend on it. Bytes are recognised by their internal
 * slots, never by prototype; a stream only as the top-level `Body` member, which the mapper
 * never reads.
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
