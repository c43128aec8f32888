import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the server answers the next bundle requests instead of serving the bundle. */
export type Fault = "500" | "garbage" | "truncated" | "hang";

/** A request the server saw. */
export interface SeenRequest {
  path: string;
  headers: IncomingMessage["headers"];
}

/**
 * A bundle service on 127.0.0.1 that speaks OPA's bundle protocol: ETags, 304s and, when the
 * client asks, long polling announced with OPA's bundle media type.
 */
export interface BundleServer {
  url: string;
  publish(path: string, bytes: Uint8Array): void;
  /** Answers bundle requests with a fault until cleared with `undefined`. */
  fault(fault: Fault | undefined): void;
  requests: SeenRequest[];
  /** Decision-log batches received on POST /logs, decompressed and parsed. */
  logs: unknown[][];
  /** Makes /logs answer with this status (default 200). */
  logStatus: number;
  close(): Promise<void>;
}

export async function startBundleServer(
  options: { longPoll?: boolean } = {},
): Promise<BundleServer> {
  const bundles = new Map<string, { bytes: Uint8Array; etag: string }>();
  const waiting = new Set<() => void>();
  let fault: Fault | undefined;
  const hanging = new Set<ServerResponse>();
  const state = { logStatus: 200 };
  const requests: SeenRequest[] = [];
  const logs: unknown[][] = [];

  const serve = (req: IncomingMessage, res: ServerResponse, path: string) => {
    const bundle = bundles.get(path);
    if (fault === "500") return res.writeHead(500).end("internal error");
    if (fault === "garbage")
      return res
        .writeHead(200, { "content-type": "application/gzip" })
        .end("<html>maintenance</html>");
    if (fault === "hang") {
      hanging.add(res);
      return;
    }
    if (!bundle) return res.writeHead(404).end();
    const type =
      options.longPoll && req.headers.prefer
        ? "application/vnd.openpolicyagent.bundles"
        : "application/gzip";
    if (req.headers["if-none-match"] === bundle.etag)
      return res.writeHead(304, { etag: bundle.etag, "content-type": type }).end();
    const body =
      fault === "truncated"
        ? bundle.bytes.subarray(0, Math.floor(bundle.bytes.length / 2))
        : bundle.bytes;
    res
      .writeHead(200, { etag: bundle.etag, "content-type": type, "content-length": body.length })
      .end(body);
  };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (req.method === "POST" && path.endsWith("/logs")) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        const { gunzipSync } = await import("node:zlib");
        const body = Buffer.concat(chunks);
        const text =
          req.headers["content-encoding"] === "gzip"
            ? gunzipSync(body).toString()
            : body.toString();
        if (state.logStatus === 200) logs.push(JSON.parse(text) as unknown[]);
        res.writeHead(state.logStatus).end();
      });
      return;
    }
    requests.push({ path, headers: req.headers });
    const wait = /wait=(\d+)/.exec(String(req.headers.prefer ?? ""));
    const current = bundles.get(path);
    if (
      options.longPoll &&
      wait &&
      current &&
      req.headers["if-none-match"] === current.etag &&
      !fault
    ) {
      // Hold the request until the bundle changes or the wait ends, as a long-polling server does.
      const done = () => {
        clearTimeout(timer);
        waiting.delete(done);
        if (!res.writableEnded) serve(req, res, path);
      };
      const timer = setTimeout(done, Number(wait[1]) * 1000);
      waiting.add(done);
      req.on("close", () => {
        clearTimeout(timer);
        waiting.delete(done);
      });
      return;
    }
    serve(req, res, path);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    publish(path, bytes) {
      bundles.set(path, {
        bytes,
        etag: `"${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}"`,
      });
      for (const wake of [...waiting]) wake();
    },
    fault(next) {
      fault = next;
      if (!next) for (const res of hanging) res.destroy();
    },
    requests,
    logs,
    get logStatus() {
      return state.logStatus;
    },
    set logStatus(status: number) {
      state.logStatus = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
