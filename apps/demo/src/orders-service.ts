import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/** The AWS clients the orders service uses. */
export interface OrdersClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  secrets: SecretsManagerClient;
}

export const ORDERS_BUCKET = "orders-documents";
export const ORDERS_TABLE = "orders";
export const ORDERS_QUEUE = "order-events";
export const PAYMENT_SECRET = "orders/payment-api-key";

/**
 * One order through the service: store the order document (encrypted), record it, announce
 * it, consume the announcement, and read the payment provider's key. Every call here is one
 * the committed policy allows.
 */
export async function placeOrder(clients: OrdersClients, orderId: string): Promise<void> {
  const key = `orders/${orderId}.json`;
  const order = { orderId, items: [{ sku: "keycard-blank", quantity: 2 }], total: 18 };
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: ORDERS_BUCKET,
      Key: key,
      Body: JSON.stringify(order),
      ContentType: "application/json",
      ServerSideEncryption: "AES256",
    }),
  );
  const stored = await clients.s3.send(new GetObjectCommand({ Bucket: ORDERS_BUCKET, Key: key }));
  const roundTrip = JSON.parse((await stored.Body?.transformToString()) ?? "{}") as {
    orderId?: string;
  };
  if (roundTrip.orderId !== orderId)
    throw new Error(`order ${orderId} did not round-trip through S3`);
  await clients.s3.send(new ListObjectsV2Command({ Bucket: ORDERS_BUCKET, Prefix: "orders/" }));

  await clients.dynamodb.send(
    new PutItemCommand({
      TableName: ORDERS_TABLE,
      Item: { orderId: { S: orderId }, status: { S: "placed" }, document: { S: key } },
    }),
  );
  const item = await clients.dynamodb.send(
    new GetItemCommand({ TableName: ORDERS_TABLE, Key: { orderId: { S: orderId } } }),
  );
  if (item.Item?.status?.S !== "placed")
    throw new Error(`order ${orderId} was not stored in DynamoDB`);
  await clients.dynamodb.send(
    new QueryCommand({
      TableName: ORDERS_TABLE,
      KeyConditionExpression: "orderId = :id",
      ExpressionAttributeValues: { ":id": { S: orderId } },
    }),
  );

  const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: ORDERS_QUEUE }));
  await clients.sqs.send(
    new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ placed: orderId }) }),
  );
  const received = await clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }),
  );
  for (const message of received.Messages ?? []) {
    await clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
  }

  const secret = await clients.secrets.send(
    new GetSecretValueCommand({ SecretId: PAYMENT_SECRET }),
  );
  if (!secret.SecretString) throw new Error("the payment provider key could not be read");
}
