import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IAMClient } from "@aws-sdk/client-iam";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { PolicyDocument } from "@keycard/engine";
import type { MotoServer } from "@keycard/test-utils";
import { ACCOUNT } from "./fixtures.js";

/** The application's clients, all pointed at moto on loopback with fake credentials. */
export interface AppClients {
  s3: S3Client;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  secrets: SecretsManagerClient;
  iam: IAMClient;
}

/**
 * Credentials without an account id, as static keys come: keycard then asks moto's STS who
 * they belong to (moto answers with its default account, {@link ACCOUNT}).
 */
export const motoCredentials = {
  accessKeyId: "AKIAKEYCARDINTEG0001",
  secretAccessKey: "keycard-integ-secret",
};

/** A fresh set of clients for moto; one set per plugin, so tests do not share middleware. */
export function appClients(moto: MotoServer): AppClients {
  const config = {
    region: "us-east-1",
    endpoint: moto.endpoint,
    credentials: motoCredentials,
    maxAttempts: 1,
  };
  return {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    dynamo: new DynamoDBClient(config),
    sqs: new SQSClient(config),
    secrets: new SecretsManagerClient(config),
    iam: new IAMClient(config),
  };
}

/** What the application's resources are called in moto. */
export interface AppResources {
  queueUrl: string;
}

/** Creates the orders application's bucket, table, queue and secret (with unguarded clients). */
export async function seedApp(moto: MotoServer): Promise<AppResources> {
  const admin = appClients(moto);
  await admin.s3.send(new CreateBucketCommand({ Bucket: "orders" }));
  await admin.dynamo.send(
    new CreateTableCommand({
      TableName: "orders",
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  const queue = await admin.sqs.send(new CreateQueueCommand({ QueueName: "order-events" }));
  await admin.secrets.send(
    new CreateSecretCommand({ Name: "orders/payment-api-key", SecretString: "pk_live_123" }),
  );
  return { queueUrl: queue.QueueUrl! };
}

/** The orders application's least-privilege policy. */
export const appPolicy: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "OrderDocuments",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: "arn:aws:s3:::orders/*",
    },
    {
      Sid: "OrdersTable",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem"],
      Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`,
    },
    {
      Sid: "OrderEvents",
      Effect: "Allow",
      Action: ["sqs:SendMessage", "sqs:ReceiveMessage"],
      Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:order-events`,
    },
    {
      Sid: "PaymentKey",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:orders/payment-api-key-??????`,
    },
    { Sid: "ListUsers", Effect: "Allow", Action: "iam:ListUsers", Resource: "*" },
  ],
};

/**
 * moto's request count once its log has caught up: moto writes one log line per request, and
 * on a busy machine a line can arrive after the response. Reads until two reads agree.
 */
export async function settledRequestCount(moto: MotoServer): Promise<number> {
  let last = await moto.requestCount();
  for (let i = 0; i < 50; i++) {
    const next = await moto.requestCount();
    if (next === last) return next;
    last = next;
  }
  return last;
}
