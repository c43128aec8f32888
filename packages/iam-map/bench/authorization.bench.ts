/**
 * Per-call cost of mapping common calls after warm-up, as the middleware pays it on every SDK call.
 * Run: `npm run bench -w @keycard/iam-map`.
 */
import { performance } from "node:perf_hooks";
import { authorizationFor, authorizationForSync, preloadServices } from "../src/index.js";

const common = {
  region: "us-east-1",
  accountId: "123456789012",
  principal: { arn: "arn:aws:sts::123456789012:assumed-role/app/s" },
};
const calls = [
  [
    "S3 GetObject",
    {
      service: "S3Client",
      operation: "GetObjectCommand",
      input: { Bucket: "reports", Key: "2024/q1.csv" },
    },
  ],
  [
    "S3 PutObject",
    {
      service: "S3Client",
      operation: "PutObjectCommand",
      input: {
        Bucket: "reports",
        Key: "k",
        Body: new Uint8Array(1024),
        ServerSideEncryption: "AES256",
      },
    },
  ],
  [
    "S3 ListObjectsV2",
    {
      service: "S3Client",
      operation: "ListObjectsV2Command",
      input: { Bucket: "reports", Prefix: "2024/" },
    },
  ],
  [
    "DynamoDB GetItem",
    {
      service: "DynamoDBClient",
      operation: "GetItemCommand",
      input: { TableName: "orders", Key: { pk: { S: "1" } } },
    },
  ],
  [
    "DynamoDB Query (index)",
    {
      service: "DynamoDBClient",
      operation: "QueryCommand",
      input: { TableName: "orders", IndexName: "by-customer" },
    },
  ],
  [
    "SQS SendMessage",
    {
      service: "SQSClient",
      operation: "SendMessageCommand",
      input: { QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q", MessageBody: "x" },
    },
  ],
] as const;

await preloadServices(["S3Client", "DynamoDBClient", "SQSClient"]);
for (const [name, call] of calls) {
  const args = { ...common, ...call };
  for (let i = 0; i < 20_000; i++) authorizationForSync(args);
  const n = 200_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) authorizationForSync(args);
  const micros = ((performance.now() - start) * 1000) / n;
  console.log(`${name.padEnd(24)} ${micros.toFixed(2)} µs/call`);
}

{
  const args = { ...common, ...calls[0][1] };
  for (let i = 0; i < 20_000; i++) await authorizationFor(args);
  const n = 200_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) await authorizationFor(args);
  console.log(
    `${"S3 GetObject (async)".padEnd(24)} ${(((performance.now() - start) * 1000) / n).toFixed(2)} µs/call`,
  );
}
