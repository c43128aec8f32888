import { prototypePollution } from "@keycard/iam-map";
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
  const found = prototypePollution();
  if (found === undefined) return;
  throw new UnreadableInputError(
    `input not checked: code in the process changed a prototype: ${found}`,
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
