import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { loadPolicy, type PolicyDocument } from "@keycard/engine";
import { KeycardDeniedError, keycardPlugin } from "@keycard/middleware";
import { afterEach, describe, expect, it } from "vitest";
import { type OpaDecisionLog, type OpaDecisionLogOptions, opaDecisionLog } from "./decision-log.js";
import type { FleetError } from "./errors.js";
import { type BundleServer, startBundleServer } from "./test-utils/bundle-server.js";
import { ordersDocument } from "./test-utils/fixtures.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function collector(): Promise<BundleServer> {
  const s = await startBundleServer();
  cleanups.push(() => s.close());
  return s;
}

function sink(s: BundleServer, options: Partial<OpaDecisionLogOptions> = {}): OpaDecisionLog {
  const log = opaDecisionLog({
    service: s.url,
    reporting: { minDelaySeconds: 3600, maxDelaySeconds: 3600 },
    ...options,
  });
  cleanups.push(() => log.close());
  return log;
}

/**
 * A collector that holds every upload until `answer` is called, so a test decides when an
 * upload in flight ends instead of guessing with timers.
 */
async function heldCollector() {
  const held: ServerResponse[] = [];
  let closed = 0;
  const server = createServer((req, res) => {
    req.resume();
    res.on("close", () => closed++);
    held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const until = async (ready: () => boolean) => {
    while (!ready()) await new Promise((r) => setImmediate(r));
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    /** Resolves once `n` uploads have reached the collector. */
    arrived: (n: number) => until(() => held.length >= n),
    /** Resolves once `n` uploads have ended, answered or abandoned by the client. */
    ended: (n: number) => until(() => closed >= n),
    answer: (status: number) => {
      for (const res of held.splice(0)) if (!res.writableEnded) res.writeHead(status).end();
    },
  };
}

/** Records unhandled rejections while a test runs: each one would end the host process. */
function unhandledRejections(): unknown[] {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on("unhandledRejection", listener);
  cleanups.push(async () => {
    process.off("unhandledRejection", listener);
  });
  return seen;
}

/** A line as the middleware writes it. */
const line = (id: string) =>
  `${JSON.stringify({
    decision_id: id,
    timestamp: "2026-12-01T00:00:00.000Z",
    path: "keycard/authz/decision",
    input: { principal: {}, requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }] },
    result: { allow: true, requests: [] },
    labels: { app: "keycard", mode: "enforce" },
    keycard: { service: "s3", operation: "GetObject", client: "S3Client", sent: true, input: {} },
  })}\n`;

describe("opaDecisionLog", () => {
  it("uploads gzip-compressed batches of OPA decision events to <service>/logs", async () => {
    const s = await collector();
    const live = { name: "orders", revision: "v1" as string | undefined };
    const log = sink(s, { labels: { id: "orders-1", version: "1.2.3" }, bundles: [live] });
    log.write(line("a"));
    live.revision = "v2";
    log.write(line("b"));
    log.write("not json\n");
    await log.flush();
    expect(s.logs).toHaveLength(1);
    const [a, b] = s.logs[0] as Array<Record<string, unknown>>;
    expect(a).toMatchObject({
      decision_id: "a",
      path: "keycard/authz/decision",
      labels: { id: "orders-1", version: "1.2.3", app: "keycard", mode: "enforce" },
      bundles: { orders: { revision: "v1" } },
      keycard: { operation: "GetObject" },
    });
    // Each event names the revision in force when it was decided, not when it was sent.
    expect(b).toMatchObject({ decision_id: "b", bundles: { orders: { revision: "v2" } } });
    expect(log.stats()).toMatchObject({
      sent: 2,
      skipped: 1,
      buffered: 0,
      bufferedBytes: 0,
      dropped: 0,
    });
  });

  it("splits uploads at maxBatchBytes", async () => {
    const s = await collector();
    const log = sink(s, { maxBatchBytes: line("x").length * 2 });
    for (const id of ["1", "2", "3", "4", "5"]) log.write(line(id));
    await log.flush();
    expect(s.logs.map((batch) => batch.length)).toEqual([2, 2, 1]);
  });

  it("plugs into the middleware, which redacts before the sink sees anything", async () => {
    const s = await collector();
    const log = sink(s);
    const client = new SecretsManagerClient({
      region: "us-east-1",
      endpoint: s.url,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    });
    client.middlewareStack.use(
      keycardPlugin({
        policy: await loadPolicy({
          iam: [{ name: "orders.json", document: ordersDocument() as PolicyDocument }],
        }),
        principalArn: "arn:aws:iam::123456789012:role/orders-service",
        decisionLog: log,
        logger: { warn: () => {}, error: () => {} },
      }),
    );
    const denied = await client
      .send(new CreateSecretCommand({ Name: "db", SecretString: "hunter2-do-not-log" }))
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(KeycardDeniedError);
    await log.flush();
    const text = JSON.stringify(s.logs);
    expect(text).toContain("secretsmanager:CreateSecret");
    expect(text).not.toContain("hunter2-do-not-log");
    expect(s.logs[0]?.[0]).toMatchObject({ keycard: { sent: false }, result: { allow: false } });
  });

  it("holds a bounded buffer while the collector is down, counts drops, and recovers", async () => {
    const s = await collector();
    s.logStatus = 503;
    const errors: FleetError[] = [];
    const max = line("00-0").length * 10;
    const log = sink(s, { maxBufferBytes: max, onError: (e) => errors.push(e) });
    // A minute of traffic and retries against a collector that refuses every upload.
    for (let second = 0; second < 60; second++) {
      for (let i = 0; i < 5; i++) log.write(line(`${String(second).padStart(2, "0")}-${i}`));
      await log.flush();
      expect(log.stats().bufferedBytes).toBeLessThanOrEqual(max);
    }
    expect(log.stats()).toMatchObject({ buffered: 10, dropped: 290, sent: 0, failedUploads: 60 });
    expect(errors.filter((e) => e.code === "LogDropped")).toHaveLength(1);
    expect(errors.filter((e) => e.code === "UploadFailed")).toHaveLength(60);
    s.logStatus = 200;
    await log.flush();
    expect(log.stats()).toMatchObject({ buffered: 0, sent: 10, dropped: 290 });
    expect(s.logs.flat().map((e) => (e as { decision_id: string }).decision_id)).toEqual([
      "00-0",
      "00-1",
      "00-2",
      "00-3",
      "00-4",
      "01-0",
      "01-1",
      "01-2",
      "01-3",
      "01-4",
    ]);
  });

  it("retries on its own timer with backoff while the collector is down", async () => {
    const s = await collector();
    s.logStatus = 500;
    const log = sink(s, { reporting: { minDelaySeconds: 0.01, maxDelaySeconds: 0.02 } });
    log.write(line("late"));
    while (log.stats().failedUploads < 3) await new Promise((r) => setTimeout(r, 5));
    s.logStatus = 200;
    while (log.stats().sent < 1) await new Promise((r) => setTimeout(r, 5));
    expect(s.logs.flat()).toHaveLength(1);
  });

  it("flushes on close, and counts what it could not send in time as dropped", async () => {
    const s = await collector();
    const log = sink(s);
    log.write(line("1"));
    expect(await log.close()).toMatchObject({ sent: 1, dropped: 0 });
    log.write(line("after close"));
    expect(log.stats().dropped).toBe(1);

    const down = await collector();
    await down.close();
    const lost = sink(down, { timeoutSeconds: 0.2 });
    lost.write(line("2"));
    expect(await lost.close()).toMatchObject({ sent: 0, dropped: 1, buffered: 0 });
  });

  it("never rejects flush() for an upload another caller started, and never crashes the host", async () => {
    const unhandled = unhandledRejections();
    const c = await heldCollector();
    const errors: FleetError[] = [];
    const log = opaDecisionLog({
      service: c.url,
      timeoutSeconds: 0.5,
      reporting: { minDelaySeconds: 3600, maxDelaySeconds: 3600 },
      onError: (e) => errors.push(e),
    });
    cleanups.push(() => log.close());
    log.write(line("1"));
    // The sink's timer and the application both flush while the collector is failing.
    const first = log.flush();
    const second = log.flush();
    await c.arrived(1);
    c.answer(500);
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    expect(log.stats()).toMatchObject({ buffered: 1, failedUploads: 1 });
    expect(errors.map((e) => e.code)).toEqual(["UploadFailed"]);
    await new Promise((r) => setImmediate(r));
    expect(unhandled).toEqual([]);
  });

  it("resolves close() while an upload fails, and reports and counts what was not sent", async () => {
    const unhandled = unhandledRejections();
    const c = await heldCollector();
    const errors: FleetError[] = [];
    const log = opaDecisionLog({
      service: c.url,
      reporting: { minDelaySeconds: 3600, maxDelaySeconds: 3600 },
      onError: (e) => errors.push(e),
    });
    log.write(line("1"));
    log.write(line("2"));
    const timer = log.flush();
    await c.arrived(1);
    // A SIGTERM handler closes the sink while the timer's upload is in flight.
    const closing = log.close();
    c.answer(500);
    await expect(closing).resolves.toMatchObject({
      sent: 0,
      dropped: 2,
      buffered: 0,
      bufferedBytes: 0,
    });
    await timer;
    expect(errors.map((e) => e.code)).toEqual(["UploadFailed", "LogDropped"]);
    expect(errors[1]?.message).toMatch(/2 decisions/);
    await new Promise((r) => setImmediate(r));
    expect(unhandled).toEqual([]);
  });

  it("keeps its counters consistent when an upload outlives close()", async () => {
    const c = await heldCollector();
    const log = opaDecisionLog({
      service: c.url,
      timeoutSeconds: 0.2,
      maxBatchBytes: 10,
      reporting: { minDelaySeconds: 3600, maxDelaySeconds: 3600 },
    });
    for (const id of ["1", "2", "3"]) log.write(line(id));
    const flushing = log.flush();
    await c.arrived(1);
    const closed = await log.close();
    expect(closed).toMatchObject({ buffered: 0, bufferedBytes: 0, sent: 0, dropped: 3 });
    // The collector accepts the abandoned upload afterwards: nothing may change any more.
    c.answer(200);
    await c.ended(1);
    await flushing;
    await new Promise((r) => setImmediate(r));
    expect(log.stats()).toEqual(closed);
  });

  it("does not follow a redirect with the decisions and their credentials", async () => {
    const c = await heldCollector();
    const errors: FleetError[] = [];
    const log = sink({ url: c.url } as BundleServer, {
      bearerToken: "t0ken",
      timeoutSeconds: 0.5,
      onError: (e) => errors.push(e),
    });
    log.write(line("1"));
    const flushing = log.flush();
    await c.arrived(1);
    const [res] = c.held.splice(0);
    res?.writeHead(307, { location: "http://127.0.0.2:9/steal" }).end();
    await flushing;
    expect(errors[0]).toMatchObject({
      code: "UploadFailed",
      message: expect.stringMatching(/307/),
    });
    expect(log.stats()).toMatchObject({ buffered: 1, sent: 0 });
  });

  it("refuses a service that is not an http(s) URL", () => {
    expect(() => opaDecisionLog({ service: "file:///tmp" })).toThrow(/http\(s\) URL/);
  });
});
