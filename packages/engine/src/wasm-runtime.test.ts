import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicyData } from "./compile.js";
import { ENTRYPOINT, instantiate, jsonEvaluator } from "./wasm-runtime.js";

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
