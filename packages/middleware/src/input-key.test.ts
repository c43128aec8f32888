import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { inputKey } from "./input-key.js";

describe("inputKey", () => {
  test("different inputs give different keys", () => {
    const inputs: unknown[] = [
      {},
      { a: 1 },
      { a: "1" },
      { a: true },
      { a: null },
      { a: undefined },
      { a: [1, 2] },
      { a: [[1], 2] },
      { a: { b: 1 } },
      { "a:": 1 },
      { a: '",b:"' },
      { a: "1:b", c: "" },
      { a: "1", b: ":c" },
      { ab: "" },
      { a: "", b: "" },
      { "1:a": "" },
      { a: new Date(0) },
      { a: 1n },
      "x",
      [],
    ];
    const keys = inputs.map(inputKey);
    expect(keys.every((k) => typeof k === "string")).toBe(true);
    expect(new Set(keys).size).toBe(inputs.length);
  });

  test("the same input gives the same key", () => {
    expect(inputKey({ Bucket: "b", Key: "k", Tags: [{ Key: "x", Value: "y" }] })).toBe(
      inputKey({ Bucket: "b", Key: "k", Tags: [{ Key: "x", Value: "y" }] }),
    );
  });

  test("payload bytes and streams count only by kind", () => {
    expect(inputKey({ Body: new Uint8Array([1]) })).toBe(
      inputKey({ Body: new Uint8Array([2, 3]) }),
    );
    expect(inputKey({ Body: Readable.from(["a"]) })).toBe(inputKey({ Body: Readable.from(["b"]) }));
    expect(inputKey({ Body: Readable.from(["a"]) })).not.toBe(
      inputKey({ Body: new Uint8Array([1]) }),
    );
  });

  test("inputs that cannot be keyed exactly give undefined", () => {
    const cycle: Record<string, unknown> = {};
    cycle["self"] = cycle;
    const throwing = Object.defineProperty({}, "x", {
      enumerable: true,
      get() {
        throw new Error("no");
      },
    });
    class Custom {
      x = 1;
    }
    let deep: object = {};
    for (let i = 0; i < 20; i++) deep = { deep };
    for (const input of [
      cycle,
      throwing,
      new Custom(),
      { f: () => 1 },
      { s: Symbol("s") },
      { big: "x".repeat(5000) },
      deep,
      Object.defineProperty({ Key: "a" }, "Bucket", { value: "b", enumerable: false }),
      Object.defineProperty({ Key: "a" }, "Bucket", { enumerable: true, get: () => "b" }),
      { inner: Object.defineProperty([1], "extra", { value: 2, enumerable: true }) },
      // biome-ignore lint/suspicious/noSparseArray: a hole is the point
      { sparse: [1, , 3] },
      new Proxy({ Bucket: "b" }, {}),
      { when: Object.assign(new Date(0), { getTime: () => 1 }) },
    ]) {
      expect(inputKey(input)).toBeUndefined();
    }
  });

  test("objects that only look like bytes or streams are not keyed by their kind", () => {
    const fakeBytes = (fields: object): unknown =>
      Object.assign(Object.create(ArrayBuffer.prototype), fields);
    class StreamLike {
      pipe(): void {}
      constructor(fields: object) {
        Object.assign(this, fields);
      }
    }
    for (const input of [
      fakeBytes({ TableName: "secret" }),
      { Key: fakeBytes({ S: "secret" }) },
      new StreamLike({ TableName: "secret" }),
      { Key: new StreamLike({ S: "secret" }) },
      // A real stream anywhere but a body member can carry members the mapper reads.
      Object.assign(Readable.from(["a"]), { TableName: "secret" }),
      { Key: Readable.from(["a"]) },
      // A real buffer with members of its own: the mapper reads them.
      Object.assign(new ArrayBuffer(1), { TableName: "secret" }),
      { Body: new Proxy(new Uint8Array(1), {}) },
      { Body: new Proxy(Readable.from(["a"]), {}) },
    ]) {
      expect(inputKey(input)).toBeUndefined();
    }
  });

  test("real buffers anywhere and real streams as the body are keyed by kind", () => {
    expect(inputKey({ Body: new ArrayBuffer(2) })).toBe(inputKey({ Body: new ArrayBuffer(3) }));
    expect(inputKey({ Key: { B: Buffer.from("a") } })).toBe(
      inputKey({ Key: { B: new Uint8Array([2]) } }),
    );
    expect(inputKey({ Body: new Blob(["a"]) })).toBe(inputKey({ Body: Readable.from(["b"]) }));
    expect(inputKey({ Body: new ReadableStream() })).toBe(inputKey({ Body: Readable.from(["b"]) }));
  });
});
