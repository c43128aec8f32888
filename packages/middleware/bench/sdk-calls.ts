/**
 * The benchmarked SDK calls, against a request handler that answers at once with a canned
 * response: what is measured is the SDK and keycard, never a network.
 */
import { Readable } from "node:stream";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { HttpResponse } from "@smithy/types";
import { ACCOUNT } from "./bench-policy.js";

/** A request handler that answers every request at once with the same response. */
function cannedHandler(body: string, headers: Record<string, string> = {}) {
  return {
    async handle(): Promise<{ response: HttpResponse }> {
      return { response: { statusCode: 200, headers, body: Readable.from([Buffer.from(body)]) } };
    },
  };
}

const base = {
  region: "us-east-1",
  endpoint: "http://127.0.0.1:9",
  credentials: {
    accessKeyId: "AKIABENCHMARK0000001",
    secretAccessKey: "bench",
    accountId: ACCOUNT,
  },
  maxAttempts: 1,
};

/** An S3 client whose PutObject calls succeed without a network; `extra` adds client options. */
export const s3Client = (extra: object = {}): S3Client =>
  new S3Client({
    ...base,
    ...extra,
    forcePathStyle: true,
    requestHandler: cannedHandler("", { etag: '"x"' }),
  });

/** A DynamoDB client whose GetItem calls succeed without a network; `extra` adds client options. */
export const dynamoClient = (extra: object = {}): DynamoDBClient =>
  new DynamoDBClient({
    ...base,
    ...extra,
    requestHandler: cannedHandler('{"Item":{"id":{"S":"1"}}}', {
      "content-type": "application/x-amz-json-1.0",
    }),
  });

/** An S3 object upload to the `orders` bucket, encrypted as a typical policy demands. */
export const putObject = (key: string): PutObjectCommand =>
  new PutObjectCommand({
    Bucket: "orders",
    Key: key,
    Body: "{}",
    ContentType: "application/json",
    ServerSideEncryption: "AES256",
  });

/** A DynamoDB read of one item of the `orders` table. */
export const getItem = (id: string): GetItemCommand =>
  new GetItemCommand({ TableName: "orders", Key: { id: { S: id } } });
