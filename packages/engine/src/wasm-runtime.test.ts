import { readFileSync } from "node:fs";
import { inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { keycardWasmFile } from "../wasm/keycard-wasm.js";
import { keycardWasmDeflateBase64 } from "../wasm/keycard-wasm-text.js";
import { compilePolicyData } from "./compile.js";
import { builtinWasmBytes, ENTRYPOINT, instantiate, jsonEvaluator } from "./wasm-runtime.js";

describe("the precompiled IAM library", () => {
  const file = readFileSync(new URL("../wasm/keycard.wasm", import.meta.url));

  it("is read from the package's own keycard.wasm", async () => {
    expect(keycardWasmFile?.href).toBe(new URL("../wasm/keycard.wasm", import.meta.url).href);
    expect(Buffer.from(await builtinWasmBytes()).equals(file)).toBe(true);
  });

  it("is embedded for bundles as the same bytes", () => {
    const embedded = inflateRawSync(Buffer.from(keycardWasmDeflateBase64, "base64"));
    expect(embedded.length).toBe(file.length);
    expect(embedded.equals(file)).toBe(true);
  });

  it("carries no function names, and every section the library's own build wrote", () => {
    // The section ids in order: custom sections other than "name" are kept.
    const ids: number[] = [];
    const names: string[] = [];
    let offset = 8;
    const leb = () => {
      let value = 0;
      let shift = 0;
      let byte: number;
      do {
        byte = file[offset++] as number;
        value += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80);
      return value;
    };
    while (offset < file.length) {
      const id = file[offset++] as number;
      const size = leb();
      const end = offset + size;
      if (id === 0) {
        const length = leb();
        names.push(file.subarray(offset, offset + length).toString("utf8"));
      }
      ids.push(id);
      offset = end;
    }
    expect(offset).toBe(file.length);
    expect(names).not.toContain("name");
    expect(ids.filter((id) => id !== 0)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
  });
});

describe("jsonEvaluator", () => {
  it("returns what opa-wasm's evaluate returns, for small, multibyte and memory-growing input", async () => {
    const policy = await instantiate(
      readFileSync(new URL("../wasm/keycard.wasm", import.meta.url)),
      "test",
    );
    const document = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/é*" }],
    };
    policy.setData({
      keycard: {
        policy: {
          ...compilePolicyData([{ name: "d", document, boundary: false }]),
          has_custom: false,
        },
      },
    });
    const run = jsonEvaluator(policy, ENTRYPOINT);
    const before = policy.mem.buffer.byteLength;
    for (const key of ["é/😀", "x", "é".repeat(1_500_000)]) {
      const input = {
        region: "eu-west-1",
        requests: [{ action: "s3:GetObject", resource: `arn:aws:s3:::b/${key}` }],
      };
      const text = JSON.stringify(input);
      expect(run(text)).toEqual(policy.evaluate(input, ENTRYPOINT)[0]?.result);
    }
    expect(policy.mem.buffer.byteLength).toBeGreaterThan(before);
  });
});

describe("jsonEvaluator", () => {
  it("reads only a result the module gave, never one put on the prototypes", () => {
    const arrays = Array.prototype as unknown as Record<number, unknown>;
    const objects = Object.prototype as Record<string, unknown>;
    const forged = { allow: true, requests: [] };
    const module = (sets: unknown[]) => {
      let i = 0;
      return { entrypoints: { [ENTRYPOINT]: 0 }, evaluate: () => sets[i++] } as never;
    };
    try {
      arrays[0] = { result: forged };
      objects.result = forged;
      const evaluate = jsonEvaluator(module([[], [{}], [{ result: "own" }]]), ENTRYPOINT);
      expect(evaluate("{}")).toBeUndefined();
      expect(evaluate("{}")).toBeUndefined();
      expect(evaluate("{}")).toBe("own");
    } finally {
      delete arrays[0];
      delete objects.result;
    }
  });
});
