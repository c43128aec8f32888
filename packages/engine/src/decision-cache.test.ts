import { describe, expect, it } from "vitest";
import { DecisionCache } from "./decision-cache.js";

describe("DecisionCache", () => {
  it("returns what was stored and undefined for unknown keys", () => {
    const cache = new DecisionCache<number>(3);
    cache.set("a", 1);
    expect(cache.get("a")).toBe(1);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it("evicts the least recently used entry", () => {
    const cache = new DecisionCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.get("a");
    cache.set("c", 3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
    expect(cache.size).toBe(2);
  });

  it("keeps the order right when the newest entry is read again, or deleted by replacement", () => {
    const cache = new DecisionCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.get("b");
    cache.get("a");
    cache.get("a");
    cache.set("c", 3);
    expect(cache.get("b")).toBeUndefined();
    cache.set("a", 4);
    cache.get("c");
    cache.set("d", 5);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("c")).toBe(3);
    expect(cache.get("d")).toBe(5);
  });

  it("replaces a value without growing", () => {
    const cache = new DecisionCache<number>(2);
    cache.set("a", 1);
    cache.set("a", 2);
    expect(cache.get("a")).toBe(2);
    expect(cache.size).toBe(1);
  });

  it("clears", () => {
    const cache = new DecisionCache<number>(2);
    cache.set("a", 1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get("a")).toBeUndefined();
  });

  it("is bounded in bytes: 300 distinct 1 MB keys keep only a few", () => {
    const cache = new DecisionCache<{ resource: string }>(10_000);
    const big = "k".repeat(1_000_000);
    for (let i = 0; i < 300; i++) {
      const key = `${i}:${big}`;
      cache.set(key, { resource: key });
    }
    expect(cache.bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(cache.size).toBeLessThan(40);
    expect(cache.get(`299:${big}`)).toBeDefined();
  });

  it("evicts by bytes as well as entries, and never keeps an entry larger than its budget", () => {
    const cache = new DecisionCache<string>(100, 1000);
    cache.set("a", "x".repeat(300));
    cache.set("b", "y".repeat(300));
    cache.set("c", "z".repeat(300));
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("c")).toBeDefined();
    expect(cache.bytes).toBeLessThanOrEqual(1000);
    cache.set("huge", "h".repeat(5000));
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.get("c")).toBeDefined();
  });

  it("replacing a key at capacity keeps the others", () => {
    const cache = new DecisionCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("b", 3);
    expect(cache.get("a")).toBe(1);
    expect(cache.get("b")).toBe(3);
  });
});
