import {
  addedArrayPrototypeIndexes,
  addedObjectPrototypeMembers,
  addedProtocolHook,
} from "@keycard/iam-map";
import { UnreadableInputError } from "./input-snapshot.js";

/**
 * Throws {@link UnreadableInputError} when `Object.prototype` has a member of its own beyond the
 * standard ones, enumerable or not. Keycard's input copies inherit only iam-map's frozen
 * `RECORD_PROTOTYPE`, but SDK middleware that spreads the input (`{...args.input}`, as the EC2
 * and RDS presigned-URL middleware do) makes an object that inherits from `Object.prototype` again, and the serializer reads members
 * by name: a polluted prototype would send a member keycard never saw. Also when
 * `Array.prototype` has an index of its own, which every hole in an array reads, and when a
 * method the language looks up on `String.prototype` and its kin has been added there (see
 * `addedProtocolHook`). Checked on
 * every call, before any remembered decision answers, so pollution added at any time is seen.
 * @internal
 */
export function assertPrototypeClean(): void {
  const indexes = addedArrayPrototypeIndexes();
  if (indexes.length > 0) {
    // Every hole in an array, keycard's own included, reads them as if the array held them.
    throw new UnreadableInputError(
      `input not checked: Array.prototype has the index${indexes.length > 1 ? "es" : ""} ` +
        `${indexes.slice(0, 5).join(", ")} (code in the process added it), which every array ` +
        "without a value there reads as its own",
    );
  }
  const hook = addedProtocolHook();
  if (hook !== undefined) {
    // It runs whenever keycard (or the SDK) splits, replaces or matches text: it could make
    // keycard read a copy source or an ARN differently from what is sent.
    throw new UnreadableInputError(
      `input not checked: ${hook} was added by code in the process, and runs whenever text is ` +
        "split, replaced or matched",
    );
  }
  const added = addedObjectPrototypeMembers();
  if (added.length === 0) return;
  const names = added
    .slice(0, 5)
    .map((n) => JSON.stringify(n))
    .join(", ");
  throw new UnreadableInputError(
    `input not checked: Object.prototype has the member${added.length > 1 ? "s" : ""} ${names} ` +
      "(code in the process added it), which the SDK's serializer may read as an input member " +
      "keycard never saw",
  );
}

/**
 * `value[name]` when `value` has it as a member of its own, else undefined: for ordinary objects
 * (SDK traits, requests, configurations) whose missing members would otherwise be read from
 * `Object.prototype`.
 * @internal
 */
export function ownMember(value: object, name: string): unknown {
  return Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
}
