import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetItemCommand, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { ListUsersCommand } from "@aws-sdk/client-iam";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { loadPolicy } from "@keycard/engine";
import { type MotoServer, makeTempDir, startMoto } from "@keycard/test-utils";
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import type { DecisionLogEntry } from "./decision-log.js";
import { KeycardDeniedError } from "./errors.js";
import { keycardPlugin, withKeycard } from "./keycard-plugin.js";
import { memoryLogger } from "./test-utils/fixtures.js";
import {
  type AppClients,
  type AppResources,
  appClients,
  appPolicy,
  seedApp,
  settledRequestCount,
} from "./test-utils/moto-app.js";

let moto: MotoServer;
let resources: AppResources;

beforeAll(async () => {
  moto = await startMoto();
  resources = await seedApp(moto);
});

afterAll(async () => {
  await moto?.stop();
});

function readLog(path: string): DecisionLogEntry[] {
  return readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as DecisionLogEntry);
}

/** The orders application's traffic: what it does in production. */
async function ordersTraffic(app: AppClients): Promise<void> {
  await app.s3.send(
    new PutObjectCommand({ Bucket: "orders", Key: "2024/o-1.json", Body: '{"id":"o-1"}' }),
  );
  await app.s3.send(new GetObjectCommand({ Bucket: "orders", Key: "2024/o-1.json" }));
  await app.dynamo.send(new PutItemCommand({ TableName: "orders", Item: { id: { S: "o-1" } } }));
  await app.dynamo.send(new GetItemCommand({ TableName: "orders", Key: { id: { S: "o-1" } } }));
  await app.sqs.send(
    new SendMessageCommand({ QueueUrl: resources.queueUrl, MessageBody: "placed" }),
  );
  await app.secrets.send(new GetSecretValueCommand({ SecretId: "orders/payment-api-key" }));
  await app.iam.send(new ListUsersCommand({}));
}

describe("audit mode against moto", () => {
  test("sends everything, warns about would-be denials and logs every decision", async () => {
    const { dir, cleanup } = makeTempDir("keycard-audit-");
    onTestFinished(cleanup);
    const logPath = join(dir, "decisions.jsonl");
    const logger = memoryLogger();
    const policy = await loadPolicy({ iam: [appPolicy] });
    const plugin = keycardPlugin({ policy, mode: "audit", decisionLog: logPath, logger });
    const app = appClients(moto);
    for (const client of Object.values(app)) withKeycard(client, plugin);

    await app.s3.send(
      new PutObjectCommand({ Bucket: "orders", Key: "audit/x.json", Body: "secret body" }),
    );
    // Both would be denied, both are sent (moto's log counts only its 200 answers, as these are).
    const before = await settledRequestCount(moto);
    await app.s3.send(new ListObjectsV2Command({ Bucket: "orders", Prefix: "audit/" }));
    await app.dynamo.send(new ScanCommand({ TableName: "orders" }));
    expect(await settledRequestCount(moto)).toBe(before + 2);
    // A would-be denied delete is sent and changes moto's state.
    await app.s3.send(new DeleteObjectCommand({ Bucket: "orders", Key: "audit/x.json" }));
    const listed = await appClients(moto).s3.send(
      new ListObjectsV2Command({ Bucket: "orders", Prefix: "audit/" }),
    );
    expect(listed.Contents ?? []).toEqual([]);
    await plugin.close();

    expect(logger.warnings).toEqual([
      expect.stringContaining(
        "would deny S3Client ListObjectsV2: s3:ListBucket on arn:aws:s3:::orders",
      ),
      expect.stringContaining(
        "would deny DynamoDBClient Scan: dynamodb:Scan on arn:aws:dynamodb:us-east-1:123456789012:table/orders",
      ),
      expect.stringContaining(
        "would deny S3Client DeleteObject: s3:DeleteObject on arn:aws:s3:::orders/audit/x.json",
      ),
    ]);
    const log = readLog(logPath);
    expect(log.map((e) => [e.keycard.operation, e.result.allow, e.keycard.sent])).toEqual([
      ["PutObject", true, true],
      ["ListObjectsV2", false, true],
      ["Scan", false, true],
      ["DeleteObject", false, true],
    ]);
    for (const entry of log) {
      expect(entry.path).toBe("keycard/authz/decision");
      expect(entry.labels).toEqual({ app: "keycard", mode: "audit" });
      expect(entry.input.principal.accountId).toBe("123456789012");
      expect(entry.input.region).toBe("us-east-1");
      expect(entry.input.requests.length).toBeGreaterThan(0);
    }
    // The SDK's checksum middleware adds ChecksumAlgorithm to the input before keycard sees it.
    expect(log[0]!.keycard.input).toMatchObject({
      Bucket: "orders",
      Key: "audit/x.json",
      Body: "[redacted]",
    });
    expect(readFileSync(logPath, "utf8")).not.toContain("secret body");
  });
});

describe("learn mode against moto", () => {
  test("the learned policy, loaded back, allows the same traffic and refuses anything else", async () => {
    const { dir, cleanup } = makeTempDir("keycard-learn-");
    onTestFinished(cleanup);
    const logPath = join(dir, "learn.jsonl");
    const learner = keycardPlugin({ mode: "learn", decisionLog: logPath });
    const learning = appClients(moto);
    for (const client of Object.values(learning)) withKeycard(client, learner);
    await ordersTraffic(learning);
    await ordersTraffic(learning);
    await learner.close();

    const learned = learner.learned();
    expect(learned.map((r) => r.action).sort()).toEqual([
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "iam:ListUsers",
      "s3:GetObject",
      "s3:PutObject",
      "secretsmanager:GetSecretValue",
      "sqs:SendMessage",
    ]);
    expect(learned.every((r) => r.count === 2)).toBe(true);
    // The log alone carries the same requests, for `keycard learn` to rebuild the policy later.
    const logged = readLog(logPath).flatMap((e) =>
      e.input.requests.map((r) => `${r.action} ${r.resource}`),
    );
    expect(new Set(logged)).toEqual(new Set(learned.map((r) => `${r.action} ${r.resource}`)));

    const document = await learner.learnedPolicy();
    const enforcing = keycardPlugin({
      policy: await loadPolicy({ iam: [document] }),
      logger: memoryLogger(),
    });
    const app = appClients(moto);
    for (const client of Object.values(app)) withKeycard(client, enforcing);
    await ordersTraffic(app);

    const before = await settledRequestCount(moto);
    const error = await app.sqs
      .send(new ReceiveMessageCommand({ QueueUrl: resources.queueUrl }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeycardDeniedError);
    const other = await app.s3
      .send(new GetObjectCommand({ Bucket: "orders", Key: "other.json" }))
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(KeycardDeniedError);
    expect(await settledRequestCount(moto)).toBe(before);
  });
});
