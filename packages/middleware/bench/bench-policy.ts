/**
 * Policies of a given size for the benchmarks: the two statements the benchmarked calls need,
 * and the rest made of statements an application's policy plausibly holds beside them (other
 * buckets, tables and queues, Denies, conditions), so the engine has to tell them apart.
 */
import type { PolicyDocument, PolicyStatement } from "@keycard/engine";

/** The account the benchmarked caller belongs to. */
export const ACCOUNT = "123456789012";
/** The caller, given to keycard as `principalArn`. */
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/bench`;

/** The statements the benchmarked calls need: both calls are allowed. */
const NEEDED: PolicyStatement[] = [
  {
    Sid: "OrderDocuments",
    Effect: "Allow",
    Action: ["s3:PutObject", "s3:GetObject"],
    Resource: "arn:aws:s3:::orders/*",
  },
  {
    Sid: "OrdersTable",
    Effect: "Allow",
    Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
    Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`,
  },
];

/** Statement `i` of the filler: one of five kinds, each naming its own resources. */
function filler(i: number): PolicyStatement {
  switch (i % 5) {
    case 0:
      return {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject"],
        Resource: `arn:aws:s3:::bucket-${i}/*`,
      };
    case 1:
      return {
        Effect: "Allow",
        Action: "dynamodb:*",
        Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/table-${i}`,
        Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
      };
    case 2:
      return {
        Effect: "Allow",
        Action: ["sqs:SendMessage", "sqs:ReceiveMessage"],
        Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:queue-${i}`,
      };
    case 3:
      return {
        Effect: "Deny",
        Action: ["s3:DeleteObject", "s3:PutObject"],
        Resource: `arn:aws:s3:::archive-${i}/*`,
      };
    default:
      return {
        Effect: "Allow",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::logs-${i}`, `arn:aws:s3:::logs-${i}/*`],
        Condition: { Bool: { "aws:SecureTransport": "true" } },
      };
  }
}

/** A policy document of exactly `statements` statements (at least the two the calls need). */
export function benchPolicyDocument(statements: number): PolicyDocument {
  const Statement = [...NEEDED];
  for (let i = Statement.length; i < statements; i++) Statement.push(filler(i));
  return { Version: "2012-10-17", Statement };
}
