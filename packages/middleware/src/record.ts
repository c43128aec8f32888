import { RECORD_PROTOTYPE } from "@keycard/iam-map";

/**
 * Whether `proto` is the prototype of a plain record: `Object.prototype`, none, or iam-map's
 * `RECORD_PROTOTYPE`, which keycard's input copies are made from.
 * @internal
 */
export function isRecordPrototype(proto: unknown): boolean {
  return proto === Object.prototype || proto === RECORD_PROTOTYPE || proto === null;
}

/**
 * An empty record for an input copy. Its prototype holds `Object.prototype`'s standard methods,
 * so SDK code that treats the input as an ordinary object keeps working (the RDS presigned-URL
 * middleware calls `input.hasOwnProperty(…)`, the EC2 one turns members into text), and nothing
 * else: a member added to `Object.prototype` is never read from a copy, by keycard or by the
 * serializer.
 * @internal
 */
export function newRecord(): Record<string, unknown> {
  return Object.create(RECORD_PROTOTYPE) as Record<string, unknown>;
}

/** The names `RECORD_PROTOTYPE` holds, each read-only there. */
const INHERITED = new Set(Object.getOwnPropertyNames(RECORD_PROTOTYPE));

/**
 * Sets a member of a record made by {@link newRecord}. A member named like one of its
 * prototype's methods (`constructor`, `toString`, …) is defined, since assigning it would fail
 * on the read-only inherited one.
 * @internal
 */
export function setMember(record: Record<string, unknown>, key: string, value: unknown): void {
  if (INHERITED.has(key)) {
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else record[key] = value;
}
