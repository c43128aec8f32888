import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** What a static bundle server and a decision-log collector need to show in the demo. */
export interface DemoServers {
  url: string;
  /** Puts a bundle at a path, as an upload to a static server or bucket would. */
  publish(path: string, bytes: Uint8Array): void;
  /** Decision events received on POST /logs. */
  events: Array<Record<string, unknown>>;
  bundleRequests: number;
  notModified: number;
  close(): Promise<void>;
}

/**
 * Any static HTTP server with ETags can serve bundles; this one also collects decision logs
 * the way an OPA decision-log service does (gzip-compressed JSON arrays on POST /logs).
 */
export async function startDemoServers(): Promise<DemoServers> {
  const bundles = new Map<string, { bytes: Uint8Array; etag: string }>();
  const state = { bundleRequests: 0, notModified: 0 };
  const events: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (req.method === "POST" && path === "/logs") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const text = req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body;
        events.push(...(JSON.parse(text.toString()) as Array<Record<string, unknown>>));
        res.writeHead(204).end();
      });
      return;
    }
    const bundle = bundles.get(path);
    if (!bundle) return res.writeHead(404).end();
    state.bundleRequests++;
    if (req.headers["if-none-match"] === bundle.etag) {
      state.notModified++;
      return res.writeHead(304, { etag: bundle.etag }).end();
    }
    res.writeHead(200, { etag: bundle.etag, "content-type": "application/gzip" }).end(bundle.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    publish(path, bytes) {
      const etag = `"${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}"`;
      bundles.set(path, { bytes, etag });
    },
    events,
    get bundleRequests() {
      return state.bundleRequests;
    },
    get notModified() {
      return state.notModified;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
