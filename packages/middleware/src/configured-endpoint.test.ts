import { afterEach, describe, expect, test, vi } from "vitest";
import { configuredEndpoint, configuredEndpointUrl } from "./configured-endpoint.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("configuredEndpoint", () => {
  test("a client without its own endpoint has none to compare", () => {
    expect(configuredEndpoint({ isCustomEndpoint: false })).toBeUndefined();
    expect(configuredEndpoint(undefined)).toBeUndefined();
  });

  test("is read once, then known for the configuration's life", async () => {
    const endpoint = vi.fn(async () => ({ protocol: "http:", hostname: "127.0.0.1", port: 9 }));
    const config = { isCustomEndpoint: true, endpoint };
    const first = configuredEndpoint(config);
    expect(first).toBeInstanceOf(Promise);
    expect(String(await first)).toBe("http://127.0.0.1:9/");
    expect(String(configuredEndpoint(config))).toBe("http://127.0.0.1:9/");
    expect(endpoint).toHaveBeenCalledTimes(1);
  });

  test("a read that fails is not kept: the next call reads it again", async () => {
    let calls = 0;
    const config = {
      isCustomEndpoint: true,
      endpoint: async () => {
        calls++;
        if (calls === 1) throw new Error("discovery not ready");
        return "https://storage.internal/";
      },
    };
    expect(await configuredEndpoint(config)).toBe("unreadable");
    expect(String(await configuredEndpoint(config))).toBe("https://storage.internal/");
  });

  test("a read that never settles is given up after a while, and tried again next time", async () => {
    vi.useFakeTimers();
    const config = { isCustomEndpoint: true, endpoint: () => new Promise(() => {}) };
    const first = configuredEndpoint(config);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await first).toBe("unreadable");
    expect(configuredEndpoint(config)).toBeInstanceOf(Promise);
  });

  test("an endpoint object's members are read as its own", async () => {
    const inherited = Object.create({ hostname: "collector.example", protocol: "http:" });
    expect(await configuredEndpointUrl({ endpoint: async () => inherited })).toBeUndefined();
  });
});
