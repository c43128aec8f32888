import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it, onTestFinished } from "vitest";
import { deadline } from "./deadline.js";

/** A full garbage collection on demand, without starting the test process with --expose-gc. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

describe("deadline", () => {
  it("ends a request to a server that never answers, even when memory is reclaimed meanwhile", async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // Only fetch holds the signal, as when a source passes it straight to fetch.
    const request = fetch(url, { signal: deadline(100, new AbortController().signal).signal }).then(
      () => "answered",
      (e: Error) => e.name,
    );
    // Memory is reclaimed while the request waits, as it is in a busy application.
    const gc = collector();
    let ended = false;
    void request.then(() => (ended = true));
    while (!ended) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await request).toBe("TimeoutError");
  });

  it("follows the signals it is given, and stops listening once cleared", () => {
    const outer = new AbortController();
    const { signal } = deadline(60_000, outer.signal);
    outer.abort(new Error("closed"));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe("closed");

    const other = new AbortController();
    const cleared = deadline(60_000, other.signal);
    cleared.clear();
    other.abort();
    expect(cleared.signal.aborted).toBe(false);
  });
});
