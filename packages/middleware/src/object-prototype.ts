import { UnreadableInputError } from "./input-snapshot.js";

/**
 * The members the language gives `Object.prototype`. None is an input member of any AWS
 * operation; anything else there was put there by code in the process.
 */
const STANDARD = new Set([
  "constructor",
  "__defineGetter__",
  "__defineSetter__",
  "hasOwnProperty",
  "__lookupGetter__",
  "__lookupSetter__",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toString",
  "valueOf",
  "__proto__",
  "toLocaleString",
]);

/**
 * Throws {@link UnreadableInputError} when `Object.prototype` has a member of its own beyond the
 * standard ones, enumerable or not. Keycard's input copies have no prototype, but SDK middleware
 * that spreads the input (`{...args.input}`, as the EC2 and RDS presigned-URL middleware do)
 * makes an object that inherits from `Object.prototype` again, and the serializer reads members
 * by name: a polluted prototype would send a member keycard never saw. Checked on every call,
 * before any remembered decision answers, so pollution added at any time is seen.
 * @internal
 */
export function assertPrototypeClean(): void {
  const names = Object.getOwnPropertyNames(Object.prototype);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (STANDARD.has(name)) continue;
    const extra = names.filter((n) => !STANDARD.has(n)).slice(0, 5);
    throw new UnreadableInputError(
      `input not checked: Object.prototype has the member${extra.length > 1 ? "s" : ""} ` +
        `${extra.map((n) => JSON.stringify(n)).join(", ")} (code in the process added ` +
        "it), which the SDK's serializer may read as an input member keycard never saw",
    );
  }
}
