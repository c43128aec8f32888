import { describe, expect, test } from "vitest";
import type { KeycardDecision } from "./decision.js";
import { DecisionMemo, type MemoEntry } from "./decision-memo.js";

function entry(second: number, operation = "GetObject"): MemoEntry {
  const decision: KeycardDecision = {
    decisionId: "d",
    allow: true,
    mode: "enforce",
    service: "s3",
    operation,
    principal: {},
    requests: [],
  };
  return {
    second,
    mapped: { known: true, service: "s3", requests: [], alsoMayNeed: [] },
    decision,
  };
}

describe("DecisionMemo", () => {
  test("an entry serves only the second it was made in", () => {
    const memo = new DecisionMemo();
    memo.set("k", entry(10));
    expect(memo.get("k", 10)?.second).toBe(10);
    expect(memo.get("k", 11)).toBeUndefined();
    // An expired entry is dropped when found.
    expect(memo.size).toBe(0);
    expect(memo.get("k", 10)).toBeUndefined();
  });

  test("holds at most its bound, dropping the oldest entry first", () => {
    const memo = new DecisionMemo(2);
    memo.set("a", entry(1, "A"));
    memo.set("b", entry(1, "B"));
    memo.set("a", entry(1, "A2"));
    memo.set("c", entry(1, "C"));
    expect(memo.size).toBe(2);
    expect(memo.get("b", 1)).toBeUndefined();
    expect(memo.get("a", 1)?.decision.operation).toBe("A2");
    expect(memo.get("c", 1)?.decision.operation).toBe("C");
  });

  test("is bounded in bytes: large keys push the oldest out", () => {
    const memo = new DecisionMemo(1000, 64 * 1024);
    for (let i = 0; i < 100; i++) memo.set(`${i}:${"k".repeat(8000)}`, entry(1), 5000);
    expect(memo.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(memo.size).toBe(3);
    expect(memo.get(`99:${"k".repeat(8000)}`, 1)).toBeDefined();
  });
});
