import { Readable } from "node:stream";
import { types } from "node:util";
import { isRecordPrototype, newRecord, setMember } from "./record.js";

/** Why an input could not be copied as plain data; the message is the decision's reason. @internal */
export class UnreadableInputError extends Error {}

/**
 * Deeper inputs are refused: a cycle never ends. DynamoDB nests attribute values 32 deep, two
 * objects per level, so this leaves room for any real input.
 */
const MAX_DEPTH = 256;

/**
 * Larger inputs are refused: every value the copy visits counts, so an object reached along
 * several paths (a shared reference) counts each time and cannot make the copy explode.
 */
export const MAX_NODES = 100_000;

/** Longer arrays are refused before anything is allocated for them. */
export const MAX_ARRAY_LENGTH = 100_000;

/** Members that carry a streamed payload: the mapper never reads them. */
const STREAM_MEMBERS = new Set(["Body", "body", "Payload", "payload", "inputStream"]);

/**
 * The keys from the input down to the value being copied, kept only so that a refusal can name
 * the member: paths are built when refusing, never for members that copy fine. The copy runs
 * no code of the input's (no getter, no proxy trap), so one trail serves every copy.
 */
const trail: Array<string | number> = [];
/** How many values the current copy has visited. */
let visited = 0;

function pathOf(key?: string | number): string {
  let path = "";
  const keys = key === undefined ? trail : [...trail, key];
  for (const part of keys) {
    path = typeof part === "number" ? `${path}[${part}]` : path ? `${path}.${part}` : part;
  }
  return path;
}

function refuse(what: string, key?: string | number): never {
  throw new UnreadableInputError(
    `input not checked: ${pathOf(key) || "the input"} is ${what}; keycard checks plain data only`,
  );
}

function isRealStream(value: object): boolean {
  return (
    value instanceof Readable ||
    (typeof ReadableStream === "function" && value instanceof ReadableStream) ||
    (typeof Blob === "function" && value instanceof Blob)
  );
}

function copy(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) refuse("nested too deeply");
  if (++visited > MAX_NODES) refuse(`past ${MAX_NODES} values (too large)`);
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return value;
    case "object":
      break;
    default:
      refuse(`a ${typeof value}`);
  }
  if (value === null) return null;
  // First, before `instanceof` or any other question a proxy could answer as it likes.
  if (types.isProxy(value)) refuse("a proxy");
  // Payloads go by reference: IAM never authorizes on their content, and copying them costs.
  // Recognised by internal slots, so an object made from `ArrayBuffer.prototype` is not one.
  if (types.isArrayBufferView(value)) return value;
  if (types.isAnyArrayBuffer(value)) {
    if (Reflect.ownKeys(value).length > 0) refuse("a buffer with members of its own");
    return value;
  }
  if (types.isDate(value)) return new Date(Date.prototype.getTime.call(value));
  if (types.isBoxedPrimitive(value)) {
    if (types.isStringObject(value)) return String.prototype.valueOf.call(value);
    if (types.isNumberObject(value)) return Number.prototype.valueOf.call(value);
    if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value);
    if (types.isBigIntObject(value)) return BigInt.prototype.valueOf.call(value);
    refuse("a boxed symbol");
  }
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) refuse("an array of a custom class");
    const length = (Object.getOwnPropertyDescriptor(value, "length") as PropertyDescriptor)
      .value as number;
    // Checked before anything is sized from it: the length is the caller's to set.
    if (!Number.isSafeInteger(length) || length > MAX_ARRAY_LENGTH)
      refuse(`an array longer than ${MAX_ARRAY_LENGTH}`);
    if (length > MAX_NODES - visited) refuse(`past ${MAX_NODES} values (too large)`);
    const out: unknown[] = [];
    for (let i = 0; i < length; i++) {
      const item = member(value, i);
      trail.push(i);
      out.push(copy(item, depth + 1));
      trail.pop();
    }
    return out;
  }
  if (!isRecordPrototype(proto)) {
    // A stream cannot be copied without consuming it; only as a payload member is it passed on.
    if (depth === 1 && STREAM_MEMBERS.has(trail[0] as string) && isRealStream(value)) return value;
    refuse("an object of a custom class");
  }
  // A member the input lacks cannot be read from `Object.prototype` through a copy.
  const out = newRecord();
  // Every own member, hidden ones too: the serializer reads members by name, so the copy must
  // hold what it would have read.
  for (const key of Object.getOwnPropertyNames(value)) {
    const item = member(value, key);
    trail.push(key);
    const copied = copy(item, depth + 1);
    trail.pop();
    // `out` inherits no `__proto__` setter, so even `__proto__` is set as a member.
    setMember(out, key, copied);
  }
  return out;
}

/** An own data member's value, read from its descriptor so no getter runs. */
function member(value: object, key: string | number): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(value, key);
  if (descriptor === undefined) return undefined;
  if (!("value" in descriptor)) refuse("an accessor", key);
  return descriptor.value;
}

/**
 * A plain-data copy of a command input: own data members (made enumerable, in records that
 * inherit nothing from `Object.prototype`: see `RECORD_PROTOTYPE` of `@keycard/iam-map`),
 * arrays, dates, and primitives (boxed ones unboxed); bytes, and real streams as a payload
 * member, by reference.
 * Each value is read once, so the copy cannot answer two readers differently. Given to the SDK in
 * place of the input, it makes what is sent and what keycard maps the same data. Throws
 * {@link UnreadableInputError} for accessors, proxies, class instances, functions and symbols,
 * and for inputs past {@link MAX_NODES} values or holding an array past {@link MAX_ARRAY_LENGTH}.
 * @internal
 */
export function snapshotInput(input: unknown): unknown {
  trail.length = 0;
  visited = 0;
  return copy(input, 0);
}
