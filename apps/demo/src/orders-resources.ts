import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { ORDERS_BUCKET, ORDERS_QUEUE, ORDERS_TABLE, PAYMENT_SECRET } from "./orders-service.js";

/** A bucket the orders service has no business reading: both demos show it refused. */
export const EXPORTS_BUCKET = "customer-exports";

/** An emulator endpoint and the set-up credentials both demos create resources with. */
export interface EmulatorConfig {
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * Creates what the orders service uses (bucket, table, queue, payment secret) and the exports
 * bucket with one customer file in it, so a refused read has something to protect.
 */
export async function createOrdersResources(config: EmulatorConfig): Promise<void> {
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  for (const Bucket of [ORDERS_BUCKET, EXPORTS_BUCKET])
    await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(
    new PutObjectCommand({
      Bucket: EXPORTS_BUCKET,
      Key: "all-customers.csv",
      Body: "id,email\n1,a@example.com\n",
    }),
  );
  await new DynamoDBClient(config).send(
    new CreateTableCommand({
      TableName: ORDERS_TABLE,
      KeySchema: [{ AttributeName: "orderId", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "orderId", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  await new SQSClient(config).send(new CreateQueueCommand({ QueueName: ORDERS_QUEUE }));
  await new SecretsManagerClient(config).send(
    new CreateSecretCommand({ Name: PAYMENT_SECRET, SecretString: "psp_live_demo" }),
  );
}
