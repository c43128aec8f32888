// What keycard keeps for later evaluations is built only while no prototype has additions: a
// setter on `Array.prototype` or `Object.prototype` would be handed the lists and records kept,
// to hold on to and change once the setter is gone. The check is `prototypePollution` of
// `@keycard/iam-reference`, the one every keycard package uses; `loadPolicy` imports it (on
// demand, as it imports the IAM reference), and no policy evaluates before that.

let check: () => string | undefined = () => "the prototype check is not loaded yet";

/** Installs the check; `loadPolicy` calls it once the module is imported. @internal */
export function usePrototypeCheck(prototypePollution: () => string | undefined): void {
  check = prototypePollution;
}

/**
 * What code in the process added to the language's prototypes, in words, or undefined when
 * nothing was: anything keycard would keep is then kept. Until the check is installed, every
 * prototype counts as changed and nothing is kept.
 * @internal
 */
export function changedPrototype(): string | undefined {
  try {
    return check();
  } catch {
    // A check that cannot finish (a built-in it calls was replaced) cannot clear anything.
    return "the prototype check failed";
  }
}
