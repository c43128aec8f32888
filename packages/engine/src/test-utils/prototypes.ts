/**
 * Gives `proto` an inherited member `"0"` answered by `get`, as a hole in a list (or an absent
 * member) is read through the prototype. Writing `"0"` on an object still makes an own member,
 * so code that fills new lists keeps working. Undo with `delete proto[0]`.
 */
export function inheritIndexZero(proto: object, get: (self: unknown) => unknown): void {
  Object.defineProperty(proto, "0", {
    configurable: true,
    get(this: unknown) {
      return get(this);
    },
    set(this: object, item: unknown) {
      Object.defineProperty(this, "0", {
        value: item,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    },
  });
}
