import { writeFileSync } from "node:fs";
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
    expect(policy.status().longPolling).toBe(true);
    while (s.requests.length < 2) await new Promise((r) => setImmediate(r));
    expect(s.requests[1]?.headers.prefer).toBe("modes=long-poll;wait=30");
    const next = e.next();
    s.publish("/bundles/orders.tar.gz", v2);
    await next;
    expect(policy.revision).toBe("v2");
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
