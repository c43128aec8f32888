import { afterEach, describe, expect, it, vi } from "vitest";
import { refreshingCache } from "./refreshing-cache.js";

const MINUTE = 60_000;

function loader(lifetimeMs: number | undefined) {
  let n = 0;
  const load = vi.fn(async () => {
    n++;
    await new Promise((r) => setTimeout(r, 5));
    return {
      accessKeyId: `KEY${n}`,
      secretAccessKey: "s".repeat(40),
      ...(lifetimeMs === undefined ? {} : { expiration: new Date(Date.now() + lifetimeMs) }),
    };
  });
  return load;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("refreshingCache", () => {
  it("lets a thousand concurrent callers share one load", async () => {
    const load = loader(60 * MINUTE);
    const get = refreshingCache(load, {
      refreshBeforeMs: 15 * MINUTE,
      onBackgroundError: () => {},
    });
    const all = await Promise.all(Array.from({ length: 1000 }, () => get()));
    expect(load).toHaveBeenCalledTimes(1);
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(["KEY1"]));
  });

  it("keeps credentials without expiration", async () => {
    const load = loader(undefined);
    const get = refreshingCache(load, {
      refreshBeforeMs: 15 * MINUTE,
      onBackgroundError: () => {},
    });
    await get();
    await get();
    expect(load).toHaveBeenCalledTimes(1);
    expect((await get({ forceRefresh: true })).accessKeyId).toBe("KEY2");
  });

  it("refreshes in the background, once, inside the refresh window", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const load = loader(60 * MINUTE);
    const get = refreshingCache(load, {
      refreshBeforeMs: 15 * MINUTE,
      onBackgroundError: () => {},
    });
    const first = await get();
    vi.setSystemTime(first.expiration!.getTime() - 14 * MINUTE);
    const during = await Promise.all(Array.from({ length: 1000 }, () => get()));
    expect(during.every((c) => c.accessKeyId === "KEY1")).toBe(true);
    await vi.waitFor(async () => expect((await get()).accessKeyId).toBe("KEY2"));
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("never starts later than five minutes before expiry", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const load = loader(60 * MINUTE);
    // Asked for one minute: clamped to the SDK's five.
    const get = refreshingCache(load, { refreshBeforeMs: MINUTE, onBackgroundError: () => {} });
    const first = await get();
    vi.setSystemTime(first.expiration!.getTime() - 4 * MINUTE);
    expect((await get()).accessKeyId).toBe("KEY2");
  });

  it("waits for new credentials inside the SDK's five minutes", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const load = loader(60 * MINUTE);
    const get = refreshingCache(load, {
      refreshBeforeMs: 15 * MINUTE,
      onBackgroundError: () => {},
    });
    const first = await get();
    vi.setSystemTime(first.expiration!.getTime() - 2 * MINUTE);
    const all = await Promise.all(Array.from({ length: 1000 }, () => get()));
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(["KEY2"]));
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("keeps still-valid credentials when a refresh fails, and reports it", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const load = loader(60 * MINUTE);
    const errors: unknown[] = [];
    const get = refreshingCache(load, {
      refreshBeforeMs: 15 * MINUTE,
      onBackgroundError: (e) => errors.push(e),
    });
    const first = await get();
    load.mockRejectedValue(new Error("endpoint down"));
    vi.setSystemTime(first.expiration!.getTime() - 10 * MINUTE);
    expect((await get()).accessKeyId).toBe("KEY1");
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    // No second attempt straight after a failure.
    await get();
    expect(load).toHaveBeenCalledTimes(2);
    vi.setSystemTime(first.expiration!.getTime() - 2 * MINUTE);
    expect((await get()).accessKeyId).toBe("KEY1");
    vi.setSystemTime(first.expiration!.getTime() + 1);
    await expect(get()).rejects.toThrow("endpoint down");
  });

  it("lets the next caller retry after a failed first load", async () => {
    const load = loader(60 * MINUTE);
    load.mockRejectedValueOnce(new Error("first"));
    const get = refreshingCache(load, {
      refreshBeforeMs: 15 * MINUTE,
      onBackgroundError: () => {},
    });
    await expect(get()).rejects.toThrow("first");
    expect((await get()).accessKeyId).toBe("KEY1");
  });
});
