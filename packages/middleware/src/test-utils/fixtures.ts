import { Readable } from "node:stream";
import { loadPolicy, type Policy, type PolicyDocument } from "@keycard/engine";
import type { HttpRequest, HttpResponse } from "@smithy/types";
import type { KeycardLogger } from "../options.js";

/** The account every fixture uses; moto's default account too. */
export const ACCOUNT = "123456789012";
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/orders`;

/** Fake credentials that carry the account, as the SDK's providers do when they know it. */
export const credentials = {
  accessKeyId: "AKIAKEYCARDTEST00001",
  secretAccessKey: "keycard-test-secret",
  accountId: ACCOUNT,
};

/** The orders service's policy: what the application is meant to do. */
export const ordersPolicy: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ReadWriteOrderDocuments",
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
      Action: ["sqs:SendMessage", "sqs:GetQueueUrl"],
      Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:order-events`,
    },
    {
      Sid: "NeverDeleteBuckets",
      Effect: "Deny",
      Action: "s3:DeleteBucket",
      Resource: "arn:aws:s3:::protected",
    },
  ],
};

let cached: Promise<Policy> | undefined;

/** The orders policy, loaded once per test file. */
export function loadOrdersPolicy(): Promise<Policy> {
  cached ??= loadPolicy({ iam: [{ name: "orders.json", document: ordersPolicy }] });
  return cached;
}

/** A logger that keeps what it is told. */
export function memoryLogger(): KeycardLogger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (m) => void warnings.push(m),
    error: (m) => void errors.push(m),
  };
}

/** Canned answers for a stub request handler. */
export interface StubResponse {
  statusCode?: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A request handler that never touches the network: it records each request and answers with
 * the next canned response (the last one repeats).
 */
export function stubHandler(...responses: StubResponse[]): {
  handle(request: HttpRequest): Promise<{ response: HttpResponse }>;
  requests: HttpRequest[];
} {
  const requests: HttpRequest[] = [];
  return {
    requests,
    async handle(request: HttpRequest) {
      requests.push(request);
      const canned = responses[Math.min(requests.length - 1, responses.length - 1)] ?? {};
      return {
        response: {
          statusCode: canned.statusCode ?? 200,
          headers: canned.headers ?? {},
          body: Readable.from([Buffer.from(canned.body ?? "")]),
        },
      };
    },
  };
}

/** Client configuration for tests: loopback endpoint, fake credentials, the stub handler. */
export function clientConfig(
  handler: ReturnType<typeof stubHandler>,
  extra: Record<string, unknown> = {},
) {
  return {
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    credentials,
    requestHandler: handler,
    maxAttempts: 1,
    ...extra,
  };
}
