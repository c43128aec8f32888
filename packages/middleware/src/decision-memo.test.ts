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
  return { second, requests: [], decision };
}

describe("DecisionMemo", () => {
  test("an entry serves only the second it was made in", () => {
    const memo = new DecisionMemo();
    memo.set("s3", "k", entry(10));
    expect(memo.get("s3", "k", 10)?.second).toBe(10);
    expect(memo.get("s3", "k", 11)).toBeUndefined();
    // An expired entry is dropped when found.
    expect(memo.size).toBe(0);
    expect(memo.get("s3", "k", 10)).toBeUndefined();
  });

  test("entries of different kinds of call never stand for each other", () => {
    const memo = new DecisionMemo();
    memo.set("GetObject", "k", entry(1, "GetObject"));
    expect(memo.get("PutObject", "k", 1)).toBeUndefined();
    expect(memo.get("GetObject", "k", 1)?.decision?.operation).toBe("GetObject");
  });

  test("holds at most its bound, dropping the oldest entry first", () => {
    const memo = new DecisionMemo(2);
    memo.set("s3", "a", entry(1, "A"));
    memo.set("s3", "b", entry(1, "B"));
    memo.set("s3", "a", entry(1, "A2"));
    memo.set("s3", "c", entry(1, "C"));
    expect(memo.size).toBe(2);
    expect(memo.get("s3", "b", 1)).toBeUndefined();
    expect(memo.get("s3", "a", 1)?.decision?.operation).toBe("A2");
    expect(memo.get("s3", "c", 1)?.decision?.operation).toBe("C");
  });

  test("is bounded in bytes: large keys push the oldest out", () => {
    const memo = new DecisionMemo(1000, 64 * 1024);
    for (let i = 0; i < 100; i++) memo.set("s3", `${i}:${"k".repeat(8000)}`, entry(1), 5000);
    expect(memo.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(memo.size).toBe(3);
    expect(memo.get("s3", `99:${"k".repeat(8000)}`, 1)).toBeDefined();
  });

  test("a kind of call that keeps missing is looked up one call in 32, until a lookup hits", () => {
    const memo = new DecisionMemo();
    const wanted = () => {
      let n = 0;
      for (let i = 0; i < 320; i++) if (memo.wants("s3")) n++;
      return n;
    };
    for (let i = 0; i < 32; i++) {
      expect(memo.wants("s3")).toBe(true);
      memo.get("s3", `new-${i}`, 1);
    }
    expect(wanted()).toBe(10);
    // Another kind of call is unaffected.
    expect(memo.wants("dynamodb")).toBe(true);
    memo.set("s3", "again", entry(1));
    while (!memo.wants("s3"));
    expect(memo.get("s3", "again", 1)).toBeDefined();
    expect(wanted()).toBe(320);
  });
});
