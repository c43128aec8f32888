import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { toolPath } from "./paths.js";

/** A running moto server on 127.0.0.1. @internal */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`, for `endpoint` and `AWS_ENDPOINT_URL_*`. */
  endpoint: string;
  port: number;
  /** Number of AWS API requests moto has served since start or the last reset. */
  requestCount(): Promise<number>;
  /** Forget all emulated state. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts moto (installed by `scripts/bootstrap.sh`) on a free loopback port and waits until
 * it answers. Tests never reach a non-loopback address.
 * @internal
 */
export async function startMoto(): Promise<MotoServer> {
  const binary = toolPath("moto_server");
  if (!existsSync(binary)) {
    throw new Error(`moto is not installed at ${binary}; run scripts/bootstrap.sh`);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(binary, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "true" },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited early: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto did not start within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // moto logs one werkzeug line per request; counting them tells whether a call reached it.
  let served = 0;
  let baseline = 0;
  child.stderr?.on("data", (chunk: Buffer) => {
    // moto colours the status of non-200 responses; the codes would hide the request line.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes
    const text = chunk.toString().replace(/\u001b\[[0-9;]*m/g, "");
    for (const line of text.split("\n")) {
      // The control API is not AWS traffic.
      if (/"(GET|POST|PUT|DELETE|HEAD|PATCH) \//.test(line) && !line.includes("/moto-api/"))
        served++;
    }
  });
  return {
    endpoint,
    port,
    async requestCount() {
      await new Promise((r) => setTimeout(r, 50));
      return served - baseline;
    },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      baseline = served;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }),
  };
}
