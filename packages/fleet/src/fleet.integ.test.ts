import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { KeycardDeniedError, keycardPlugin } from "@keycard/middleware";
import { startMoto } from "@keycard/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { readBundleFiles, writeBundleFiles } from "./archive.js";
import { opaDecisionLog } from "./decision-log.js";
import type { FleetError } from "./errors.js";
import { signBundle } from "./sign.js";
import { startBundleServer } from "./test-utils/bundle-server.js";
import { keycardBundle, opa, ordersDocument, rsaKeys, tempDir } from "./test-utils/fixtures.js";
import { watchPolicy } from "./watch.js";

const keys = rsaKeys();
const intruder = rsaKeys();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Waits for a peer to act; the test's timeout bounds the wait. */
const until = async (check: () => boolean | Promise<boolean>) => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * One bundle both peers can use: keycard evaluates its policy.wasm with the IAM documents in
 * data.json; OPA (whose CLI here has no WebAssembly engine) evaluates a small Rego rule with
 * the same path. Both verify the same signature over all of it.
 */
async function peerBundle(
  revision: string,
  allowed: string[],
  key = keys.privateKey,
  keyId?: string,
) {
  const files = readBundleFiles(await keycardBundle([ordersDocument(allowed)]));
  const data = JSON.parse(new TextDecoder().decode(files.get("data.json")));
  data.peer = { allowed: ["s3:GetObject", ...allowed] };
  files.set("data.json", new TextEncoder().encode(JSON.stringify(data)));
  files.set(
    "peer/decision.rego",
    new TextEncoder().encode(
      'package peer\n\ndecision := {"allow": input.requests[0].action in data.peer.allowed}\n',
    ),
  );
  return signBundle(writeBundleFiles([...files.entries()]), {
    key,
    revision,
    ...(keyId ? { keyId } : {}),
  });
}

async function startOpa(
  serverUrl: string,
  dir: string,
): Promise<{ url: string; log: () => string }> {
  const port = await freePort();
  const config = {
    services: { fleet: { url: serverUrl } },
    bundles: {
      orders: {
        service: "fleet",
        resource: "/bundles/orders.tar.gz",
        polling: { min_delay_seconds: 1, max_delay_seconds: 1 },
        signing: { keyid: "default" },
      },
    },
    keys: { default: { key: keys.publicKey, algorithm: "RS256" } },
    decision_logs: { service: "fleet", reporting: { min_delay_seconds: 1, max_delay_seconds: 1 } },
    labels: { app: "opa-peer" },
  };
  writeFileSync(join(dir, "opa.json"), JSON.stringify(config));
  let output = "";
  const child: ChildProcess = spawn(
    opa,
    ["run", "--server", "--addr", `127.0.0.1:${port}`, "-c", join(dir, "opa.json")],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  );
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => (await fetch(`${url}/health?bundles`).catch(() => undefined))?.status === 200,
  );
  return { url, log: () => output };
}

async function opaRevision(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/data/system/bundles/orders/manifest/revision`);
  return ((await response.json()) as { result?: string }).result ?? "";
}

async function opaDecide(url: string, action: string): Promise<boolean> {
  const response = await fetch(`${url}/v1/data/peer/decision`, {
    method: "POST",
    body: JSON.stringify({
      input: {
        region: "us-east-1",
        requests: [{ action, resource: "arn:aws:s3:::orders-documents" }],
      },
    }),
  });
  return ((await response.json()) as { result: { allow: boolean } }).result.allow;
}

describe("keycard and OPA on the same bundle service and collector", () => {
  it("pick up the same revisions, refuse the same bad bundles and log comparable events", async () => {
    const dir = tempDir();
    const server = await startBundleServer();
    cleanups.push(() => server.close());
    server.publish("/bundles/orders.tar.gz", await peerBundle("r1", []));
    const peer = await startOpa(server.url, dir);

    const errors: FleetError[] = [];
    const policy = await watchPolicy({
      url: `${server.url}/bundles/orders.tar.gz`,
      verification: { key: keys.publicKey },
      polling: { minDelaySeconds: 0.2, maxDelaySeconds: 0.4 },
      name: "orders",
      onError: (e) => errors.push(e),
    });
    cleanups.push(() => policy.close());
    const log = opaDecisionLog({
      service: server.url,
      bundles: [policy],
      labels: { id: "orders-1" },
      reporting: { minDelaySeconds: 3600 },
    });
    cleanups.push(() => log.close());
    const s3 = new S3Client({
      region: "us-east-1",
      endpoint: server.url,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" },
    });
    s3.middlewareStack.use(
      keycardPlugin({
        policy,
        principalArn: "arn:aws:iam::123456789012:role/orders-service",
        decisionLog: log,
        logger: { warn: () => {}, error: () => {} },
      }),
    );
    const keycardAllows = async () =>
      !(
        (await s3
          .send(new DeleteBucketCommand({ Bucket: "orders-documents" }))
          .catch((e: unknown) => e)) instanceof KeycardDeniedError
      );

    expect([policy.revision, await opaRevision(peer.url)]).toEqual(["r1", "r1"]);
    expect([await keycardAllows(), await opaDecide(peer.url, "s3:DeleteBucket")]).toEqual([
      false,
      false,
    ]);

    // A new revision: both pick it up from the same server.
    server.publish("/bundles/orders.tar.gz", await peerBundle("r2", ["s3:DeleteBucket"]));
    await until(async () => policy.revision === "r2" && (await opaRevision(peer.url)) === "r2");
    expect(await opaDecide(peer.url, "s3:DeleteBucket")).toBe(true);
    expect(
      policy.evaluate({
        region: "us-east-1",
        requests: [{ action: "s3:DeleteBucket", resource: "arn:aws:s3:::orders-documents" }],
      }).allow,
    ).toBe(true);
    // The middleware memoises a caller's decisions for the second they were made in, so a call
    // repeated within that second may still get the old policy's answer.
    await until(keycardAllows);

    // Signed by another key: both refuse it and keep r2.
    const seen = errors.length;
    const opaLogLength = peer.log().length;
    server.publish(
      "/bundles/orders.tar.gz",
      await peerBundle("r3-evil", ["*"], intruder.privateKey),
    );
    await until(
      () => errors.length > seen && /Bundle load failed/.test(peer.log().slice(opaLogLength)),
    );
    expect(peer.log().slice(opaLogLength)).toMatch(/failed to verify JWT signature/);
    expect(errors[seen]?.code).toBe("SignatureInvalid");
    expect([policy.revision, await opaRevision(peer.url)]).toEqual(["r2", "r2"]);

    // Signed with the right key under another key id: OPA, told to use key "default", ignores
    // the token's kid and activates it; keycard refuses a token that names another key.
    const before = errors.length;
    server.publish(
      "/bundles/orders.tar.gz",
      await peerBundle("r3-rotated", ["*"], keys.privateKey, "rotated"),
    );
    // A poll already under way when the new bundle is published can still report the last one's
    // SignatureInvalid, so look for the first refusal of the new bundle rather than the next error.
    const refusedRotation = () => errors.slice(before).some((e) => e.code === "KeyIdMismatch");
    await until(async () => refusedRotation() && (await opaRevision(peer.url)) === "r3-rotated");
    expect(
      errors
        .slice(before)
        .every((e) => e.code === "KeyIdMismatch" || e.code === "SignatureInvalid"),
    ).toBe(true);
    expect(policy.revision).toBe("r2");

    // Decision events from both arrive at the same collector, in the same shape.
    await opaDecide(peer.url, "s3:GetObject");
    await log.flush();
    const events = () => server.logs.flat() as Array<Record<string, unknown>>;
    const isOpaDecision = (e: Record<string, unknown>) =>
      (e.labels as { app?: string }).app === "opa-peer" &&
      e.path === "peer/decision" &&
      (e.bundles as { orders?: { revision?: string } }).orders?.revision === "r3-rotated";
    await until(() => events().some(isOpaDecision));
    const fromOpa = events().filter(isOpaDecision).at(-1) as Record<string, unknown>;
    const fromKeycard = events().find(
      (e) => (e.labels as { app?: string }).app === "keycard",
    ) as Record<string, unknown>;
    for (const field of [
      "decision_id",
      "path",
      "input",
      "result",
      "timestamp",
      "labels",
      "bundles",
    ]) {
      expect(fromOpa, field).toHaveProperty(field);
      expect(fromKeycard, field).toHaveProperty(field);
    }
    expect(fromOpa.bundles).toEqual({ orders: { revision: "r3-rotated" } });
    expect(Object.keys(fromKeycard.bundles as object)).toEqual(["orders"]);
    expect(typeof fromOpa.decision_id).toBe(typeof fromKeycard.decision_id);
    expect(Number.isNaN(Date.parse(fromKeycard.timestamp as string))).toBe(false);
    expect(fromKeycard.labels).toMatchObject({ id: "orders-1", app: "keycard" });
  });
});

describe("an s3:// bundle source", () => {
  it("follows a bundle in S3 with the application's client, 304 when unchanged", async () => {
    const moto = await startMoto();
    cleanups.push(() => moto.stop());
    const client = new S3Client({
      region: "us-east-1",
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" },
    });
    await client.send(new CreateBucketCommand({ Bucket: "policy-bundles" }));
    const put = async (revision: string, allowed: string[]) =>
      client.send(
        new PutObjectCommand({
          Bucket: "policy-bundles",
          Key: "orders/bundle.tar.gz",
          Body: await peerBundle(revision, allowed),
        }),
      );
    await put("s1", []);
    const policy = await watchPolicy({
      url: "s3://policy-bundles/orders/bundle.tar.gz",
      s3Client: client,
      verification: { key: keys.publicKey },
      polling: { minDelaySeconds: 3600, maxDelaySeconds: 3600 },
    });
    cleanups.push(() => policy.close());
    expect(policy.revision).toBe("s1");
    const etag = policy.status().etag;
    await policy.refresh();
    expect(policy.status()).toMatchObject({ etag, activations: 1, lastError: undefined });
    await put("s2", ["s3:DeleteBucket"]);
    await policy.refresh();
    expect(policy.revision).toBe("s2");
    expect(policy.status().activations).toBe(2);
  });
});
