import { addedObjectPrototypeMembers } from "@keycard/iam-map";
import type { NormalizedSchema as Schema } from "@smithy/core/schema";
import type { HandlerExecutionContext } from "@smithy/types";
import { UnreadableInputError } from "./input-snapshot.js";
import { isRecordPrototype, newRecord, setMember } from "./record.js";
import { SMITHY_CONTEXT } from "./sdk-call.js";
import {
  assertSerializedAsInput,
  type RequestLayout,
  requestLayout,
} from "./serialized-request.js";
import { NormalizedSchema } from "./smithy-schema.js";

/**
 * What the SDK's model says a value is, worked out once per schema node: the per-call walk is a
 * map lookup per member present. Only what decides how a value is serialized is kept.
 */
/** @internal */
export type Shape =
  | {
      readonly kind: "structure";
      readonly members: Map<string, Shape>;
      /** A union: the SDK sends one member. */
      readonly union: boolean;
    }
  | { readonly kind: "list"; item: Shape }
  | { readonly kind: "map"; value: Shape }
  | { readonly kind: "scalar"; readonly type: string }
  | { readonly kind: "timestamp" }
  | { readonly kind: "blob" }
  /** Documents, event streams and schema kinds this module does not know: passed on as copied. */
  | { readonly kind: "any" };

const ANY: Shape = Object.freeze({ kind: "any" });
const BLOB: Shape = Object.freeze({ kind: "blob" });
const TIMESTAMP: Shape = Object.freeze({ kind: "timestamp" });
const scalars = new Map<string, Shape>();

function scalar(type: string): Shape {
  let shape = scalars.get(type);
  if (shape === undefined) {
    shape = Object.freeze({ kind: "scalar", type });
    scalars.set(type, shape);
  }
  return shape;
}

/** Shapes by the SDK's schema object (structures, lists and maps the model names). */
const shapes = new WeakMap<object, Shape>();
/** What keycard reads from an operation's model: its input shape and its request's layout. */
interface OperationModel {
  readonly input: Shape;
  readonly layout: RequestLayout | undefined;
}

/** Operation models by the SDK's operation schema. */
const operations = new WeakMap<object, OperationModel>();

function shapeOf(schema: Schema): Shape {
  // Event streams are structures read as a stream: never copied member by member.
  if (schema.isStreaming()) return schema.isStructSchema() ? ANY : BLOB;
  const raw: unknown = schema.getSchema();
  const key = typeof raw === "object" && raw !== null ? raw : undefined;
  const known = key && shapes.get(key);
  if (known) return known;
  let shape: Shape;
  if (schema.isUnitSchema()) {
    shape = { kind: "structure", members: new Map(), union: false };
  } else if (schema.isStructSchema()) {
    const members = new Map<string, Shape>();
    shape = { kind: "structure", members, union: schema.isUnionSchema() };
    // Stored before the members are worked out: models are recursive (DynamoDB's AttributeValue).
    if (key) shapes.set(key, shape);
    for (const [name, member] of schema.structIterator()) members.set(name, shapeOf(member));
    return shape;
  } else if (schema.isListSchema()) {
    const list: { kind: "list"; item: Shape } = { kind: "list", item: ANY };
    if (key) shapes.set(key, list);
    list.item = shapeOf(schema.getValueSchema());
    return list;
  } else if (schema.isMapSchema()) {
    const map: { kind: "map"; value: Shape } = { kind: "map", value: ANY };
    if (key) shapes.set(key, map);
    map.value = shapeOf(schema.getValueSchema());
    return map;
  } else if (schema.isBlobSchema()) shape = BLOB;
  else if (schema.isTimestampSchema()) shape = TIMESTAMP;
  else if (schema.isStringSchema()) shape = scalar("string");
  else if (schema.isNumericSchema()) shape = scalar("number");
  else if (schema.isBooleanSchema()) shape = scalar("boolean");
  else if (schema.isBigIntegerSchema()) shape = scalar("big integer");
  else if (schema.isBigDecimalSchema()) shape = scalar("big decimal");
  else shape = ANY;
  if (key) shapes.set(key, shape);
  return shape;
}

/**
 * The model of the operation the context is for, or undefined when the client carries no
 * operation schema (clients generated before the SDK serialized from schemas): those calls are
 * mapped from every member of the input, as before.
 */
function operationModel(context: HandlerExecutionContext): OperationModel | undefined {
  const smithy = context[SMITHY_CONTEXT] as { operationSchema?: unknown } | undefined;
  const operation = smithy?.operationSchema;
  if (operation === undefined || operation === null) return undefined;
  const known = typeof operation === "object" ? operations.get(operation) : undefined;
  if (known !== undefined) return known;
  // The SDK serializes from a schema keycard cannot read: what it sends is not known.
  const unreadable = (why: string): never => {
    throw new UnreadableInputError(
      `input not checked: the SDK's schema for this operation cannot be read (${why})`,
    );
  };
  // The SDK's schema reader follows indexes and names a member added to `Object.prototype`
  // would answer for; what it reads is kept for every later call of the operation.
  const added = addedObjectPrototypeMembers();
  if (added.length > 0) {
    return unreadable(`Object.prototype has the added member ${JSON.stringify(added[0])}`);
  }
  // An operation schema is `[9, namespace, name, traits, input, output]`.
  if (!Array.isArray(operation) || operation.length < 5) return unreadable("not an operation");
  let model: OperationModel;
  try {
    const input = NormalizedSchema.of(operation[4]);
    const shape = shapeOf(input);
    if (shape.kind !== "structure") return unreadable("its input is not a structure");
    model = { input: shape, layout: requestLayout(operation[1], operation[3], input, shapeOf) };
  } catch (error) {
    if (error instanceof UnreadableInputError) throw error;
    return unreadable(error instanceof Error ? error.message : String(error));
  }
  operations.set(operation, model);
  return model;
}

function inputShape(context: HandlerExecutionContext): Shape | undefined {
  return operationModel(context)?.input;
}

/** Member names of each operation's input, by its input shape. */
const memberNames = new WeakMap<Shape, readonly string[]>();

/**
 * The names of every member the operation's input defines, the same frozen array for every call
 * of the operation; undefined when the client carries no operation schema or the schema cannot
 * be read (the call is then refused by {@link serializedInput} or mapped without it).
 * @internal
 */
export function operationInputMembers(
  context: HandlerExecutionContext,
): readonly string[] | undefined {
  let shape: Shape | undefined;
  try {
    shape = inputShape(context);
  } catch {
    return undefined;
  }
  if (shape === undefined || shape.kind !== "structure") return undefined;
  let names = memberNames.get(shape);
  if (names === undefined) {
    names = Object.freeze([...shape.members.keys()]);
    memberNames.set(shape, names);
  }
  return names;
}

/** The keys from the input down to the value being read, for naming a member in a refusal. */
const trail: Array<string | number> = [];

function refuse(what: string, expected: string): never {
  let path = "";
  for (const part of trail) {
    path = typeof part === "number" ? `${path}[${part}]` : path ? `${path}.${part}` : part;
  }
  throw new UnreadableInputError(
    `input not checked: ${path || "the input"} is ${what}, and the SDK's model says ${expected}; ` +
      "keycard checks only values the SDK serializes as given",
  );
}

function kindOf(value: object): string {
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return "bytes";
  return "an object";
}

/** Whether a copied value is a record (the input copy holds no other kind of plain object). */
function isRecord(value: object): value is Record<string, unknown> {
  return !Array.isArray(value) && isRecordPrototype(Object.getPrototypeOf(value));
}

function takesPrimitive(shape: Shape): boolean {
  const kind = shape.kind;
  return kind === "scalar" || kind === "timestamp" || kind === "blob" || kind === "any";
}

function conform(value: unknown, shape: Shape): unknown {
  // Absent members, and primitives where the model has a primitive, go on as they are.
  if (value === undefined || value === null) return value;
  const kind = shape.kind;
  if (typeof value !== "object") {
    if (takesPrimitive(shape)) return value;
    refuse(`a ${typeof value}`, `a ${kind}`);
  }
  switch (kind) {
    case "any":
      return value;
    case "scalar":
      return refuse(kindOf(value), `a ${shape.type}`);
    case "timestamp":
      return value instanceof Date ? value : refuse(kindOf(value), "a timestamp");
    case "blob":
      // Bytes, and streams the input copy passed on by reference.
      return Array.isArray(value) || value instanceof Date || isRecord(value)
        ? refuse(kindOf(value), "bytes or a stream")
        : value;
    case "list": {
      if (!Array.isArray(value)) return refuse(kindOf(value), "a list");
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        trail.push(i);
        out[i] = conform(value[i], shape.item);
        trail.pop();
      }
      return out;
    }
    case "map": {
      if (!isRecord(value)) return refuse(kindOf(value), "a map");
      const out = newRecord();
      for (const key of Object.keys(value)) {
        trail.push(key);
        setMember(out, key, conform(value[key], shape.value));
        trail.pop();
      }
      return out;
    }
    case "structure": {
      if (!isRecord(value)) return refuse(kindOf(value), "a structure");
      const out = newRecord();
      const members = shape.members;
      let set = 0;
      // Own members only, by their exact names: the SDK serializes nothing else.
      for (const key of Object.keys(value)) {
        const member = members.get(key);
        if (member === undefined) continue;
        const item = value[key];
        if (item === undefined) continue;
        if (item !== null) set++;
        // Text, numbers and flags where the model has a primitive, the common case, go on as
        // they are without a path step.
        if (typeof item !== "object" && takesPrimitive(member)) {
          setMember(out, key, item);
          continue;
        }
        trail.push(key);
        setMember(out, key, conform(item, member));
        trail.pop();
      }
      if (shape.union && set > 1) refuse(`${set} members of a union`, "one");
      return out;
    }
  }
}

/**
 * The command input as the SDK will serialize it: for a client that carries the operation's
 * schema, a copy holding only the members the model defines, by their exact names, at every
 * depth, in records that inherit nothing from `Object.prototype` (see `RECORD_PROTOTYPE` of
 * `@keycard/iam-map`). Members the model lacks are dropped, as the SDK drops them. Throws
 * {@link UnreadableInputError}, naming the member, for a value of a type the model cannot hold (a
 * list in a string member, an object in a list member, two members of a union): the SDK would
 * send it in some form keycard cannot know. Without a schema, returns `input` unchanged.
 * @internal
 */
export function serializedInput(input: unknown, context: HandlerExecutionContext): unknown {
  const shape = inputShape(context);
  if (shape === undefined) return input;
  trail.length = 0;
  if (typeof input !== "object" || input === null) refuse(String(input), "a structure");
  return conform(input, shape);
}

/**
 * Throws {@link UnreadableInputError} unless the serialized request carries `input` (the copy
 * keycard maps) in its query, bound headers and path labels as the operation's model places
 * them; see {@link assertSerializedAsInput}. Nothing to compare for operations without an HTTP
 * binding (their members travel in the body) or clients without an operation schema.
 * @internal
 */
export function assertRequestCarriesInput(
  request: unknown,
  input: unknown,
  context: HandlerExecutionContext,
  configured?: URL | "unreadable",
): void {
  const layout = operationModel(context)?.layout;
  if (layout === undefined || typeof input !== "object" || input === null) return;
  if (configured === "unreadable") {
    throw new UnreadableInputError(
      "request not checked: the client's configured endpoint cannot be read, so where the " +
        "request goes is not known",
    );
  }
  assertSerializedAsInput(layout, request, input as Record<string, unknown>, {
    resolved: resolvedEndpoint(context),
    configured,
  });
}

/** The URL of the endpoint the SDK resolved for the call, read as the SDK's own member. */
function resolvedEndpoint(context: HandlerExecutionContext): URL | undefined {
  const endpoint: unknown = context.endpointV2;
  if (typeof endpoint !== "object" || endpoint === null || !Object.hasOwn(endpoint, "url")) {
    return undefined;
  }
  const { url } = endpoint as { url: unknown };
  return url instanceof URL ? url : undefined;
}
