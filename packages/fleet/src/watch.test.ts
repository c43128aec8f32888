import { execFileSync } from "node:child_process";
import { chmodSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { readBundleFiles, writeBundleFiles } from "./archive.js";
import { FleetError } from "./errors.js";
import { signBundle } from "./sign.js";
import { type BundleServer, startBundleServer } from "./test-utils/bundle-server.js";
import { keycardBundle, ordersDocument, rsaKeys, tempDir } from "./test-utils/fixtures.js";
import {
  type LivePolicy,
  type PolicyUpdate,
  type WatchPolicyOptions,
  watchPolicy,
} from "./watch.js";

const keys = rsaKeys();
const otherKeys = rsaKeys();
const getOrder = {
  region: "us-east-1",
  requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::orders-documents/orders/1.json" }],
};
const listTopics = { region: "us-east-1", requests: [{ action: "sns:ListTopics", resource: "*" }] };

let v1: Uint8Array;
let v2: Uint8Array;
beforeAll(async () => {
  v1 = signBundle(await keycardBundle([ordersDocument()]), {
    key: keys.privateKey,
    revision: "v1",
  });
  v2 = signBundle(await keycardBundle([ordersDocument(["sns:ListTopics"])]), {
    key: keys.privateKey,
    revision: "v2",
  });
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options?: { longPoll?: boolean }): Promise<BundleServer> {
  const s = await startBundleServer(options);
  cleanups.push(() => s.close());
  return s;
}

async function watch(
  s: BundleServer,
  options: Partial<WatchPolicyOptions> = {},
): Promise<LivePolicy> {
  const policy = await watchPolicy({
    url: `${s.url}/bundles/orders.tar.gz`,
    verification: { key: keys.publicKey },
    polling: { minDelaySeconds: 3600, maxDelaySeconds: 3600 },
    timeoutSeconds: 5,
    ...options,
  });
  cleanups.push(() => policy.close());
  return policy;
}

/** A server on 127.0.0.1 that answers every request with `handler`, for servers that misbehave. */
async function rawServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const s = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, requests };
}

/** Lets the event loop run for a while, so a busy loop would show in a count. */
const settle = () => new Promise((r) => setTimeout(r, 300));

/** Resolves with the next update or error the watcher reports. */
function events() {
  const updates: PolicyUpdate[] = [];
  const errors: FleetError[] = [];
  let wake: (() => void) | undefined;
  const notify = () => wake?.();
  return {
    updates,
    errors,
    onUpdate: (u: PolicyUpdate) => {
      updates.push(u);
      notify();
    },
    onError: (e: FleetError) => {
      errors.push(e);
      notify();
    },
    next: () => new Promise<void>((resolve) => (wake = resolve)),
  };
}

describe("watchPolicy", () => {
  it("loads a signed bundle, then costs one 304 while it is unchanged", async () => {
    const s = await server();
    s.publish("/bundles/orders.tar.gz", v1);
    const policy = await watch(s);
    expect(policy.revision).toBe("v1");
    expect(policy.evaluate(getOrder).allow).toBe(true);
    expect(policy.evaluate(listTopics).allow).toBe(false);
    await policy.refresh();
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]?.headers["if-none-match"]).toBe(policy.status().etag);
    expect(policy.status()).toMatchObject({
      revision: "v1",
      origin: "server",
      activations: 1,
      lastError: undefined,
    });
  });

  it("swaps in a new revision between calls and reports it", async () => {
    const s = await server();
    s.publish("/bundles/orders.tar.gz", v1);
    const e = events();
    const policy = await watch(s, { onUpdate: e.onUpdate });
    s.publish("/bundles/orders.tar.gz", v2);
    // Calls made while the new bundle downloads and compiles still decide on the old one.
    const during = policy.refresh();
    expect(policy.evaluate(listTopics).allow).toBe(false);
    await during;
    expect(policy.revision).toBe("v2");
    expect(policy.evaluate(listTopics).allow).toBe(true);
    expect(e.updates.map((u) => [u.previousRevision, u.revision])).toEqual([
      [undefined, "v1"],
      ["v1", "v2"],
    ]);
  });

  it("picks up a new revision on its own within the polling interval", async () => {
    const s = await server();
    s.publish("/bundles/orders.tar.gz", v1);
    const e = events();
    const policy = await watch(s, {
      onUpdate: e.onUpdate,
      polling: { minDelaySeconds: 0.05, maxDelaySeconds: 0.1 },
    });
    const next = e.next();
    s.publish("/bundles/orders.tar.gz", v2);
    await next;
    expect(policy.revision).toBe("v2");
  });

  it("long-polls when the server announces OPA's bundle media type", async () => {
    const s = await server({ longPoll: true });
    s.publish("/bundles/orders.tar.gz", v1);
    const e = events();
    // An hour between polls: only long polling can deliver v2 before the test times out.
    const policy = await watch(s, {
      onUpdate: e.onUpdate,
      polling: { minDelaySeconds: 3600, maxDelaySeconds: 3600, longPollingTimeoutSeconds: 30 },
    });
    // Start-up wants an answer at once; the long poll follows immediately.
    expect(s.requests[0]?.headers.prefer).toBeUndefined();
    while (s.requests.length < 2) await new Promise((r) => setImmediate(r));
    expect(s.requests[1]?.headers.prefer).toBe("modes=long-poll;wait=30");
    const next = e.next();
    s.publish("/bundles/orders.tar.gz", v2);
    await next;
    expect(policy.revision).toBe("v2");
    expect(policy.status().longPolling).toBe(true);
    // refresh() does not wait for the long poll the server is holding open.
    while (s.requests.length < 3) await new Promise((r) => setImmediate(r));
    await policy.refresh();
    expect(policy.status()).toMatchObject({ revision: "v2", lastError: undefined });
  });

  it.each([
    [
      "a bad signature",
      "SignatureInvalid",
      () => signBundle(v2, { key: otherKeys.privateKey, revision: "evil" }),
    ],
    [
      "a wrong key id",
      "KeyIdMismatch",
      () => signBundle(v2, { key: keys.privateKey, keyId: "rotated" }),
    ],
    [
      "an unsigned bundle",
      "SignatureInvalid",
      () => {
        const files = readBundleFiles(v2);
        files.delete(".signatures.json");
        return writeBundleFiles([...files.entries()]);
      },
    ],
    [
      "a tampered file",
      "DigestMismatch",
      () => {
        const files = readBundleFiles(v2);
        files.set(
          "data.json",
          new TextEncoder().encode(
            JSON.stringify({
              keycard: {
                documents: [
                  {
                    name: "all",
                    document: {
                      Version: "2012-10-17",
                      Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
                    },
                  },
                ],
              },
            }),
          ),
        );
        return writeBundleFiles([...files.entries()]);
      },
    ],
    [
      "policy.wasm that does not compile",
      "CompileFailed",
      () => {
        const files = readBundleFiles(v2);
        files.set("policy.wasm", new TextEncoder().encode("not wasm"));
        files.delete(".signatures.json");
        return signBundle(writeBundleFiles([...files.entries()]), { key: keys.privateKey });
      },
    ],
    [
      "a Rego-only bundle (no policy.wasm)",
      "CompileFailed",
      () =>
        signBundle(
          writeBundleFiles([["p.rego", new TextEncoder().encode("package p\nallow if {\n")]]),
          { key: keys.privateKey },
        ),
    ],
    [
      "a signature issued in the future (clock skew)",
      "TokenTime",
      () =>
        signBundle(v2, {
          key: keys.privateKey,
          claims: { iat: Math.floor(Date.now() / 1000) + 3600 },
        }),
    ],
    ["a gzip bomb", "InvalidBundle", () => gzipSync(Buffer.alloc(300 * 1024 * 1024))],
    [
      "an oversized bundle",
      "InvalidBundle",
      () => Buffer.concat([v2, Buffer.alloc(33 * 1024 * 1024)]),
    ],
  ] as const)("rejects %s and keeps the policy in force", async (_what, code, make) => {
    const s = await server();
    s.publish("/bundles/orders.tar.gz", v1);
    const e = events();
    const policy = await watch(s, { onError: e.onError });
    s.publish("/bundles/orders.tar.gz", make());
    await policy.refresh();
    expect(e.errors.map((x) => x.code)).toEqual([code]);
    expect(policy.revision).toBe("v1");
    expect(policy.evaluate(getOrder).allow).toBe(true);
    expect(policy.evaluate(listTopics).allow).toBe(false);
    expect(policy.status()).toMatchObject({ revision: "v1", rejections: 1, lastError: { code } });
  });

  it.each([
    ["500", "FetchFailed"],
    ["garbage", "InvalidBundle"],
    ["truncated", "InvalidBundle"],
  ] as const)("survives a server answering %s", async (fault, code) => {
    const s = await server();
    s.publish("/bundles/orders.tar.gz", v1);
    const e = events();
    const policy = await watch(s, { onError: e.onError });
    s.publish("/bundles/orders.tar.gz", v2);
    s.fault(fault);
    await policy.refresh();
    expect(policy.status().lastError?.code).toBe(code);
    expect(policy.revision).toBe("v1");
    s.fault(undefined);
    await policy.refresh();
    expect(policy.revision).toBe("v2");
    expect(policy.status().lastError).toBeUndefined();
  });

  it("does not loop on a server that claims long polling but answers at once", async () => {
    const hostile = await rawServer((req, res) => {
      const headers = { "content-type": "application/vnd.openpolicyagent.bundles", etag: '"1"' };
      if (req.headers["if-none-match"]) res.writeHead(304, headers).end();
      else res.writeHead(200, headers).end(v1);
    });
    const policy = await watchPolicy({
      url: `${hostile.url}/b.tar.gz`,
      verification: { key: keys.publicKey },
      polling: { minDelaySeconds: 3600, maxDelaySeconds: 3600, longPollingTimeoutSeconds: 30 },
    });
    cleanups.push(() => policy.close());
    await settle();
    // Start-up, then one long poll to learn whether the server holds requests; then the
    // ordinary hour-long delay, since it did not.
    expect(hostile.requests).toHaveLength(2);
    expect(policy.revision).toBe("v1");
  });

  it("does not verify and compile again a bundle identical to the one in force", async () => {
    const hostile = await rawServer((_req, res) => {
      // Ignores If-None-Match and claims long polling, but answers at once with the same bytes.
      res.writeHead(200, { "content-type": "application/vnd.openpolicyagent.bundles" }).end(v1);
    });
    const e = events();
    const policy = await watchPolicy({
      url: `${hostile.url}/b.tar.gz`,
      verification: { key: keys.publicKey },
      polling: { minDelaySeconds: 3600, maxDelaySeconds: 3600, longPollingTimeoutSeconds: 30 },
      onUpdate: e.onUpdate,
    });
    cleanups.push(() => policy.close());
    await settle();
    await policy.refresh();
    expect(hostile.requests.length).toBeLessThanOrEqual(3);
    expect(e.updates).toHaveLength(1);
    expect(policy.status()).toMatchObject({ activations: 1, revision: "v1" });
    expect(policy.generation).toBe(1);
  });

  it("counts every swap in generation, which a memo can key on", async () => {
    const s = await server();
    s.publish("/bundles/orders.tar.gz", v1);
    const policy = await watch(s);
    expect(policy.generation).toBe(1);
    await policy.refresh();
    expect(policy.generation).toBe(1);
    // The same revision signed again is another bundle, and another generation.
    const again = signBundle(v1, { key: keys.privateKey, claims: { iat: 1_700_000_000 } });
    s.publish("/bundles/orders.tar.gz", again);
    await policy.refresh();
    expect(policy.revision).toBe("v1");
    expect(policy.generation).toBe(2);
    s.publish("/bundles/orders.tar.gz", v2);
    await policy.refresh();
    expect(policy.generation).toBe(3);
  });

  it("sends the configured headers and bearer token with every request", async () => {
    const s = await server();
    s.publish("/bundles/orders.tar.gz", v1);
    const policy = await watch(s, { headers: { "x-fleet": "orders" }, bearerToken: "t0ken" });
    await policy.refresh();
    for (const request of s.requests) {
      expect(request.headers).toMatchObject({ authorization: "Bearer t0ken", "x-fleet": "orders" });
    }
    expect(s.requests).toHaveLength(2);
  });

  it("follows a redirect only within the bundle server's origin, so headers never leave it", async () => {
    const elsewhere = await rawServer((_req, res) => res.writeHead(200).end(v1));
    const origin = await rawServer((req, res) => {
      const target = req.url?.startsWith("/same")
        ? "/moved/b.tar.gz"
        : req.url?.startsWith("/moved")
          ? undefined
          : `${elsewhere.url}/steal`;
      if (target) res.writeHead(302, { location: target }).end();
      else res.writeHead(200, { etag: '"1"' }).end(v1);
    });
    const options = {
      verification: { key: keys.publicKey },
      headers: { "x-api-key": "header-secret" },
      bearerToken: "t0ken",
      timeoutSeconds: 5,
    };
    const refused = await watchPolicy({ ...options, url: `${origin.url}/b.tar.gz` }).catch(
      (x: unknown) => x,
    );
    expect(refused).toMatchObject({
      code: "NoBundle",
      message: expect.stringContaining("another origin"),
    });
    expect(elsewhere.requests).toHaveLength(0);

    const policy = await watchPolicy({ ...options, url: `${origin.url}/same/b.tar.gz` });
    cleanups.push(() => policy.close());
    expect(policy.revision).toBe("v1");
    expect(origin.requests.at(-1)?.headers).toMatchObject({
      "x-api-key": "header-secret",
      authorization: "Bearer t0ken",
    });
  });

  it("gives up a download that takes longer than its time limit", async () => {
    const s = await server();
    s.publish("/bundles/orders.tar.gz", v1);
    const policy = await watch(s, { timeoutSeconds: 0.2 });
    s.fault("hang");
    await policy.refresh();
    expect(policy.status().lastError).toMatchObject({
      code: "FetchFailed",
      message: expect.stringContaining("timed out"),
    });
    expect(policy.revision).toBe("v1");
  });
});

describe("watchPolicy at start-up", () => {
  it("fails with NoBundle when the server is down and nothing is persisted", async () => {
    const s = await server();
    await s.close();
    const error = await watch(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect(error).toMatchObject({
      code: "NoBundle",
      message: expect.stringContaining("cannot reach"),
    });
  });

  it("starts from the persisted bundle when the server is down, and verifies it again", async () => {
    const dir = tempDir();
    const s = await server();
    s.publish("/bundles/orders.tar.gz", v1);
    await (await watch(s, { persistDir: dir })).close();
    await s.close();
    const policy = await watch(s, { persistDir: dir });
    expect(policy.status()).toMatchObject({ revision: "v1", origin: "disk" });
    expect(policy.evaluate(getOrder).allow).toBe(true);
    await policy.close();

    // A persisted bundle changed on disk is refused like one from the network.
    writeFileSync(join(dir, "bundle.tar.gz"), signBundle(v2, { key: otherKeys.privateKey }));
    const e = events();
    const refused = await watch(s, { persistDir: dir, onError: e.onError }).catch(
      (x: unknown) => x,
    );
    expect(refused).toMatchObject({ code: "NoBundle" });
    expect(e.errors.map((x) => x.code)).toEqual(["FetchFailed", "SignatureInvalid"]);
  });

  it("does not take a 304 to its first request for a bundle", async () => {
    const hostile = await rawServer((_req, res) => res.writeHead(304).end());
    const options = {
      url: `${hostile.url}/b.tar.gz`,
      verification: { key: keys.publicKey },
      timeoutSeconds: 5,
    };
    await expect(watchPolicy(options)).rejects.toMatchObject({
      code: "NoBundle",
      message: expect.stringContaining("no bundle is in force"),
    });
    // With a persisted bundle, that one is loaded instead.
    const dir = tempDir();
    const s = await server();
    s.publish("/bundles/orders.tar.gz", v1);
    await (await watch(s, { persistDir: dir })).close();
    const policy = await watchPolicy({ ...options, persistDir: dir });
    cleanups.push(() => policy.close());
    expect(policy.status()).toMatchObject({ revision: "v1", origin: "disk" });
  });

  it.skipIf(process.platform === "win32")(
    "starts without hanging when the persisted bundle is a FIFO or a link to /dev/zero",
    async () => {
      const s = await server();
      await s.close();
      for (const plant of [
        (path: string) => execFileSync("mkfifo", [path]),
        (path: string) => symlinkSync("/dev/zero", path),
      ]) {
        const dir = tempDir();
        chmodSync(dir, 0o700);
        plant(join(dir, "bundle.tar.gz"));
        const e = events();
        const policy = await watch(s, {
          persistDir: dir,
          startWithoutBundle: true,
          onError: e.onError,
        });
        expect(policy.status().origin).toBe("none");
        expect(e.errors.map((x) => x.code)).toEqual(["FetchFailed", "PersistDirUnsafe"]);
        await policy.close();
      }
    },
  );

  it.skipIf(process.platform === "win32")(
    "refuses a persistDir other users can write, and says so",
    async () => {
      const dir = tempDir();
      const s = await server();
      s.publish("/bundles/orders.tar.gz", v1);
      await (await watch(s, { persistDir: dir })).close();
      await s.close();
      chmodSync(dir, 0o777);
      const e = events();
      const refused = await watch(s, { persistDir: dir, onError: e.onError }).catch(
        (x: unknown) => x,
      );
      expect(refused).toMatchObject({ code: "NoBundle" });
      expect(e.errors[1]).toMatchObject({
        code: "PersistDirUnsafe",
        message: expect.stringContaining("writable by other users"),
      });
    },
  );

  it("denies everything, saying why, until a bundle arrives when asked to start without one", async () => {
    const s = await server();
    const policy = await watch(s, { startWithoutBundle: true });
    const denied = policy.evaluate(getOrder);
    expect(denied.allow).toBe(false);
    expect(denied.requests[0]?.reason).toMatch(/^no policy bundle is in force: .*404/);
    s.publish("/bundles/orders.tar.gz", v1);
    await policy.refresh();
    expect(policy.evaluate(getOrder).allow).toBe(true);
  });

  it("refuses to start without verification options, or with an unsupported URL", async () => {
    await expect(watchPolicy({ url: "http://127.0.0.1:1/b.tar.gz" })).rejects.toMatchObject({
      code: "InvalidOptions",
    });
    await expect(
      watchPolicy({ url: "ftp://x/b.tar.gz", verification: { key: keys.publicKey } }),
    ).rejects.toMatchObject({ code: "InvalidOptions" });
    await expect(
      watchPolicy({
        url: "http://127.0.0.1:1/b",
        verification: { key: keys.publicKey, algorithm: "HS256" },
      }),
    ).rejects.toMatchObject({ code: "InvalidOptions" });
  });
});
