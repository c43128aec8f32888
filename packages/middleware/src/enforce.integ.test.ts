import {
  DeleteTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateUserCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
} from "@aws-sdk/client-secrets-manager";
import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { loadPolicy, type Policy } from "@keycard/engine";
import { type MotoServer, startMoto } from "@keycard/test-utils";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { KeycardDecision } from "./decision.js";
import { KeycardDeniedError } from "./errors.js";
import { keycardPlugin, withKeycard } from "./keycard-plugin.js";
import { ACCOUNT, memoryLogger } from "./test-utils/fixtures.js";
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
let policy: Policy;
let app: AppClients;
let admin: AppClients;
const decisions: KeycardDecision[] = [];

beforeAll(async () => {
  moto = await startMoto();
  resources = await seedApp(moto);
  policy = await loadPolicy({ iam: [{ name: "orders.json", document: appPolicy }] });
  admin = appClients(moto);
  app = appClients(moto);
  const plugin = keycardPlugin({
    policy,
    mode: "enforce",
    onDecision: (d) => decisions.push(d),
    logger: memoryLogger(),
  });
  for (const client of Object.values(app)) withKeycard(client, plugin);
});

afterAll(async () => {
  await moto?.stop();
});

/** Runs a call that keycard must refuse and checks that moto never saw it. */
async function refused(call: () => Promise<unknown>): Promise<KeycardDeniedError> {
  const before = await settledRequestCount(moto);
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeycardDeniedError);
  expect(await settledRequestCount(moto)).toBe(before);
  return error as KeycardDeniedError;
}

describe("enforce mode against moto", () => {
  test("S3: an allowed put completes and changes moto's state; a denied delete never reaches it", async () => {
    await app.s3.send(new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: '{"id":1}' }));
    const read = await admin.s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" }));
    expect(await read.Body!.transformToString()).toBe('{"id":1}');
    const got = await app.s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" }));
    expect(await got.Body!.transformToString()).toBe('{"id":1}');

    const error = await refused(() => app.s3.send(new DeleteBucketCommand({ Bucket: "orders" })));
    expect(error.message).toContain("s3:DeleteBucket on arn:aws:s3:::orders");
    await refused(() => app.s3.send(new DeleteObjectCommand({ Bucket: "orders", Key: "a.json" })));
    const buckets = await admin.s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toContain("orders");
    await admin.s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" }));
  });

  test("DynamoDB: put and get complete; deleting the table is refused", async () => {
    await app.dynamo.send(
      new PutItemCommand({ TableName: "orders", Item: { id: { S: "o-1" }, total: { N: "42" } } }),
    );
    const item = await admin.dynamo.send(
      new GetItemCommand({ TableName: "orders", Key: { id: { S: "o-1" } } }),
    );
    expect(item.Item?.["total"]).toEqual({ N: "42" });
    await app.dynamo.send(new GetItemCommand({ TableName: "orders", Key: { id: { S: "o-1" } } }));
    await refused(() => app.dynamo.send(new DeleteTableCommand({ TableName: "orders" })));
    const tables = await admin.dynamo.send(new ListTablesCommand({}));
    expect(tables.TableNames).toContain("orders");
  });

  test("SQS: a message sent reaches the queue; purging it is refused", async () => {
    await app.sqs.send(
      new SendMessageCommand({ QueueUrl: resources.queueUrl, MessageBody: "order o-1 placed" }),
    );
    await refused(() => app.sqs.send(new PurgeQueueCommand({ QueueUrl: resources.queueUrl })));
    const received = await app.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resources.queueUrl, MaxNumberOfMessages: 1 }),
    );
    expect(received.Messages?.[0]?.Body).toBe("order o-1 placed");
  });

  test("Secrets Manager: the payment key can be read; deleting it is refused", async () => {
    const secret = await app.secrets.send(
      new GetSecretValueCommand({ SecretId: "orders/payment-api-key" }),
    );
    expect(secret.SecretString).toBe("pk_live_123");
    await refused(() =>
      app.secrets.send(new DeleteSecretCommand({ SecretId: "orders/payment-api-key" })),
    );
    await refused(() => app.secrets.send(new ListSecretsCommand({})));
    const listed = await admin.secrets.send(new ListSecretsCommand({}));
    expect(listed.SecretList?.map((s) => s.Name)).toEqual(["orders/payment-api-key"]);
  });

  test("IAM: listing users completes; creating one is refused and no user appears", async () => {
    await app.iam.send(new ListUsersCommand({}));
    await refused(() => app.iam.send(new CreateUserCommand({ UserName: "mallory" })));
    const users = await admin.iam.send(new ListUsersCommand({}));
    expect(users.Users ?? []).toEqual([]);
  });

  test("the caller came from moto's STS, once for the credential set", async () => {
    expect(decisions.length).toBeGreaterThan(10);
    for (const decision of decisions) {
      expect(decision.principal.accountId).toBe(ACCOUNT);
      expect(decision.principal.arn).toMatch(/^arn:aws:(iam|sts)::123456789012:/);
    }
  });
});
