/**
 * The fleet demo: the orders service follows a signed policy bundle served over HTTP, a policy
 * change is published while it runs, a tampered bundle is refused, and every decision reaches
 * a decision-log collector. Everything runs on 127.0.0.1. Exits 0 only when every expectation
 * printed at the end holds.
 */
import { generateKeyPairSync } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { run as keycard } from "@keycard/cli";
import { type FleetError, opaDecisionLog, watchPolicy } from "@keycard/fleet";
import { KeycardDeniedError, keycardPlugin } from "@keycard/middleware";
import { startMoto } from "@keycard/test-utils";
import { createOrdersResources, EXPORTS_BUCKET } from "../orders-resources.js";
import { type OrdersClients, placeOrder } from "../orders-service.js";
import { startDemoServers } from "./servers.js";

const REGION = "us-east-1";
const ROLE_ARN = "arn:aws:iam::123456789012:role/orders-service";
const POLL = { minDelaySeconds: 0.5, maxDelaySeconds: 1 };
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

const checks: Array<{ what: string; ok: boolean }> = [];
function expect(what: string, ok: boolean): void {
  checks.push({ what, ok });
  console.log(`  ${ok ? "✔" : "✘"} ${what}`);
}
function heading(text: string): void {
  console.log(`\n── ${text} ${"─".repeat(Math.max(0, 72 - text.length))}`);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a condition, up to a limit; the demo reports a miss rather than hanging. */
async function within(
  ms: number,
  check: () => boolean | Promise<boolean>,
): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await sleep(50);
  }
  return undefined;
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), "keycard-fleet-demo-"));
  const moto = await startMoto();
  const servers = await startDemoServers();
  try {
    heading("publishing: keycard build --signing-key, served by a static HTTP server");
    const keys = generateKeyPairSync("ec", {
      namedCurve: "P-256",
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    writeFileSync(join(work, "signing.pem"), keys.privateKey, { mode: 0o600 });
    const set = join(work, "orders");
    cpSync(join(repoRoot, "policies", "orders"), set, { recursive: true });
    process.env.OPA_PATH ??= join(repoRoot, ".tools", "bin", "opa");
    const publish = async (revision: string) => {
      const out = join(work, `orders-${revision}.tar.gz`);
      const code = await keycard([
        "build",
        set,
        "-o",
        out,
        "--signing-key",
        join(work, "signing.pem"),
        "--signing-alg",
        "ES256",
        "--revision",
        revision,
      ]);
      if (code !== 0) throw new Error(`keycard build failed for ${revision}`);
      servers.publish("/bundles/orders.tar.gz", readFileSync(out));
      return out;
    };
    await publish("r1");
    expect("keycard build signs the bundle (ES256, revision r1)", true);

    heading("the orders service follows the bundle with watchPolicy");
    const errors: FleetError[] = [];
    const updates: string[] = [];
    const policy = await watchPolicy({
      url: `${servers.url}/bundles/orders.tar.gz`,
      verification: { key: keys.publicKey, algorithm: "ES256" },
      polling: POLL,
      name: "orders",
      persistDir: join(work, "persisted"),
      onUpdate: (u) => {
        updates.push(u.revision);
        console.log(
          `  bundle ${u.revision} in force (verified and compiled in ${u.activationMs.toFixed(0)} ms)`,
        );
      },
      onError: (e) => {
        errors.push(e);
        console.log(`  refused: ${e.message}`);
      },
    });
    const log = opaDecisionLog({
      service: servers.url,
      bundles: [policy],
      labels: { id: "orders-demo" },
      reporting: { minDelaySeconds: 0.5, maxDelaySeconds: 1 },
    });
    const config = {
      region: REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: "AKIAORDERSDEMO000000", secretAccessKey: "demo" },
    };
    const plugin = keycardPlugin({ policy, principalArn: ROLE_ARN, decisionLog: log });
    const clients: OrdersClients = {
      s3: new S3Client({ ...config, forcePathStyle: true }),
      dynamodb: new DynamoDBClient(config),
      sqs: new SQSClient(config),
      secrets: new SecretsManagerClient(config),
    };
    for (const client of Object.values(clients)) client.middlewareStack.use(plugin);
    await createOrdersResources(config);

    const works = async (orderId: string) =>
      placeOrder(clients, orderId).then(
        () => true,
        (e: unknown) => {
          console.log(`  ${(e as Error).message}`);
          return false;
        },
      );
    const readsExports = async () =>
      clients.s3
        .send(new GetObjectCommand({ Bucket: EXPORTS_BUCKET, Key: "all-customers.csv" }))
        .then(
          () => true,
          (e: unknown) => (e instanceof KeycardDeniedError ? false : Promise.reject(e)),
        );
    expect(`revision ${policy.revision} is in force`, policy.revision === "r1");
    expect("the orders service places an order", await works("2001"));
    expect("reading customer-exports is refused under r1", !(await readsExports()));

    heading("a policy change published while the service runs");
    writeFileSync(
      join(set, "exports.json"),
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ReadExports",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: `arn:aws:s3:::${EXPORTS_BUCKET}/*`,
          },
        ],
      }),
    );
    await publish("r2");
    const limit = POLL.maxDelaySeconds * 1000 + 2000;
    const tookMs = await within(
      limit,
      async () => policy.revision === "r2" && (await readsExports()),
    );
    expect(
      `r2 takes effect within the polling interval (${POLL.maxDelaySeconds} s + compile and memo time${tookMs !== undefined ? `: ${tookMs} ms` : ""})`,
      tookMs !== undefined,
    );
    expect("the service keeps placing orders under r2", await works("2002"));

    heading("a tampered bundle: someone with write access to the server, without the key");
    const tampered = tamper(readFileSync(join(work, "orders-r2.tar.gz")));
    const refusedBefore = errors.length;
    servers.publish("/bundles/orders.tar.gz", tampered);
    await within(limit, () => errors.length > refusedBefore);
    expect(
      "the tampered bundle is refused (its data.json does not match the signature)",
      errors.slice(refusedBefore).some((e) => e.code === "DigestMismatch"),
    );
    expect(
      "r2 stays in force",
      policy.revision === "r2" && policy.status().lastError?.code === "DigestMismatch",
    );
    expect("the service keeps working", await works("2003"));
    expect(
      "what the tampered bundle would allow stays refused",
      await refusesAdminCall(clients.s3),
    );

    heading("decisions arrive at the collector in OPA's decision-log format");
    await log.close();
    await policy.close();
    const events = servers.events;
    const revisions = new Set(
      events.map((e) => (e.bundles as { orders?: { revision?: string } })?.orders?.revision),
    );
    console.log(
      `  ${events.length} decision events; bundle revisions seen: ${[...revisions].join(", ")}`,
    );
    expect(
      "every decision reached the collector, none dropped",
      events.length > 0 && log.stats().dropped === 0 && log.stats().sent === events.length,
    );
    expect(
      "events carry decision_id, path, input, result, timestamp, labels and bundles",
      events.every((e) =>
        ["decision_id", "path", "input", "result", "timestamp", "labels", "bundles"].every(
          (k) => k in e,
        ),
      ),
    );
    expect(
      "events name the revision each decision was made with (r1 and r2)",
      revisions.has("r1") && revisions.has("r2"),
    );
    expect(
      "the payment secret's value never reaches the collector",
      !JSON.stringify(events).includes("psp_live_demo"),
    );
    console.log(
      `  bundle requests: ${servers.bundleRequests}, of which 304 Not Modified: ${servers.notModified}`,
    );
  } finally {
    await servers.close();
    await moto.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const failed = checks.filter((c) => !c.ok);
  heading(
    failed.length === 0
      ? `all ${checks.length} expectations hold`
      : `${failed.length} of ${checks.length} expectations failed`,
  );
  return failed.length === 0 ? 0 : 1;
}

/** The r2 bundle with its IAM documents replaced by an allow-everything statement, signature kept. */
function tamper(bundle: Buffer): Uint8Array {
  const tar = Buffer.from(gunzipSync(bundle));
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const name = tar
      .subarray(offset, offset + 100)
      .toString("latin1")
      .replace(/\0.*$/s, "");
    const size = Number.parseInt(
      tar
        .subarray(offset + 124, offset + 136)
        .toString("latin1")
        .replace(/\0.*$/s, "")
        .trim() || "0",
      8,
    );
    if (name.replace(/^\//, "") === "data.json") {
      // Same length, so the archive stays well formed: only the content changes.
      const body = tar.subarray(offset + 512, offset + 512 + size);
      const text = body.toString("utf8").replace(/"s3:GetObject"/, '"*"          ');
      body.write(text, "utf8");
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return gzipSync(tar);
}

async function refusesAdminCall(s3: S3Client): Promise<boolean> {
  return s3.send(new PutObjectCommand({ Bucket: EXPORTS_BUCKET, Key: "x.csv", Body: "x" })).then(
    () => false,
    (e: unknown) => e instanceof KeycardDeniedError,
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
