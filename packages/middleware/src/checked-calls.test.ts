import { describe, expect, test } from "vitest";
import { checkedCalls, recordCopy } from "./checked-calls.js";

const input = () => ({ TableName: "orders", Key: { pk: { S: "a" } } });

describe("checkedCalls", () => {
  test("knows the inputs it marked and no others", () => {
    const checked = checkedCalls();
    const marked = input();
    checked.add(marked);
    expect(checked.has(marked)).toBe(true);
    expect(checked.has(input())).toBe(false);
  });

  test("one plugin's marks are not another's", () => {
    const first = checkedCalls();
    const second = checkedCalls();
    const marked = input();
    first.add(marked);
    expect(second.has(marked)).toBe(false);
  });

  test("leaves nothing on the input that another module could read or copy", () => {
    const marked = input();
    const before = {
      keys: Reflect.ownKeys(marked),
      json: JSON.stringify(marked),
      descriptors: Object.getOwnPropertyDescriptors(marked),
    };
    checkedCalls().add(marked);
    expect(Reflect.ownKeys(marked)).toEqual(before.keys);
    expect(Object.getOwnPropertySymbols(marked)).toEqual([]);
    expect(JSON.stringify(marked)).toBe(before.json);
    expect(Object.getOwnPropertyDescriptors(marked)).toEqual(before.descriptors);
  });

  test("a copy of a marked input, or an object made from it, is not marked", () => {
    const checked = checkedCalls();
    const marked = input();
    checked.add(marked);
    const copies: object[] = [
      { ...marked },
      Object.assign({}, marked),
      structuredClone(marked),
      Object.create(marked),
      new Proxy(marked, {}),
      Object.defineProperties({}, Object.getOwnPropertyDescriptors(marked)),
    ];
    for (const copy of copies) expect(checked.has(copy)).toBe(false);
  });

  test("asks a proxy nothing", () => {
    const checked = checkedCalls();
    const reads: string[] = [];
    const proxy = new Proxy(input(), {
      get(target, name, receiver) {
        reads.push(String(name));
        return Reflect.get(target, name, receiver);
      },
      has(target, name) {
        reads.push(`has ${String(name)}`);
        return Reflect.has(target, name);
      },
      getPrototypeOf(target) {
        reads.push("prototype");
        return Reflect.getPrototypeOf(target);
      },
    });
    expect(checked.has(proxy)).toBe(false);
    checked.add(proxy);
    expect(checked.has(proxy)).toBe(true);
    expect(reads).toEqual([]);
  });

  test("marks frozen inputs and inputs marked twice; refuses to know anything but objects", () => {
    const checked = checkedCalls();
    const frozen = Object.freeze(input());
    checked.add(frozen);
    checked.add(frozen);
    expect(checked.has(frozen)).toBe(true);
    for (const value of [undefined, null, 0, "input", Symbol("input"), true, 1n]) {
      expect(() => checked.add(value as never)).not.toThrow();
      expect(checked.has(value as never)).toBe(false);
    }
  });

  test("follows a later plugin's copy back to the input it marked, and nothing else", () => {
    const [first, second, third] = [checkedCalls(), checkedCalls(), checkedCalls()];
    const checkedByFirst = input();
    first.add(checkedByFirst);
    const copyBySecond = input();
    recordCopy(copyBySecond, checkedByFirst);
    second.add(copyBySecond);
    const copyByThird = input();
    recordCopy(copyByThird, copyBySecond);
    third.add(copyByThird);
    expect([first.has(copyByThird), second.has(copyByThird), third.has(copyByThird)]).toEqual([
      true,
      true,
      true,
    ]);
    expect(third.has(copyBySecond)).toBe(false);

    // A copy of an input no check passed on links to nothing, even if that input came from one.
    const swapped = { ...checkedByFirst };
    const copyOfSwapped = input();
    recordCopy(copyOfSwapped, swapped);
    second.add(copyOfSwapped);
    expect(first.has(copyOfSwapped)).toBe(false);
    expect(second.has(copyOfSwapped)).toBe(true);
  });
});
