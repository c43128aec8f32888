import * as apiGateway from "@aws-sdk/client-api-gateway";
import * as athena from "@aws-sdk/client-athena";
import * as cloudFront from "@aws-sdk/client-cloudfront";
import * as dynamodb from "@aws-sdk/client-dynamodb";
import * as ec2 from "@aws-sdk/client-ec2";
import * as ecs from "@aws-sdk/client-ecs";
import * as eks from "@aws-sdk/client-eks";
import * as iam from "@aws-sdk/client-iam";
import * as kms from "@aws-sdk/client-kms";
import * as lambda from "@aws-sdk/client-lambda";
import * as rds from "@aws-sdk/client-rds";
import * as route53 from "@aws-sdk/client-route-53";
import * as s3 from "@aws-sdk/client-s3";
import * as secretsManager from "@aws-sdk/client-secrets-manager";
import * as sns from "@aws-sdk/client-sns";
import * as sqs from "@aws-sdk/client-sqs";
import * as sts from "@aws-sdk/client-sts";
import type { NormalizedSchema as Schema } from "@smithy/core/schema";
import type { HandlerExecutionContext } from "@smithy/types";
import { describe, expect, test } from "vitest";
import { configuredEndpoint } from "./configured-endpoint.js";
import { UnreadableInputError } from "./input-snapshot.js";
import { keycardMiddlewareOptions } from "./keycard-middleware.js";
import { clientConfigOf } from "./sdk-call.js";
import { assertRequestCarriesInput } from "./serialized-members.js";
import { NormalizedSchema } from "./smithy-schema.js";
import { clientConfig, stubHandler } from "./test-utils/fixtures.js";

// The request check against the SDK's own serializer: every operation of the installed clients
// that use HTTP bindings, with every bound member set, must pass it. A mismatch here would be a
// call keycard refuses although the SDK sent exactly what it was given.

const WHEN = new Date("2030-01-02T03:04:05.678Z");

function ownTraits(member: Schema): Record<string, unknown> {
  return member.getMergedTraits() as Record<string, unknown>;
}

const BOUND = [
  "httpLabel",
  "hostLabel",
  "httpHeader",
  "httpPrefixHeaders",
  "httpQuery",
  "httpQueryParams",
];

/** A value of the member's type; `depth` stops recursive models. */
function sampleValue(name: string, member: Schema, depth = 0): unknown {
  if (member.isStringSchema()) {
    if (/ChecksumAlgorithm$/.test(name)) return "CRC32";
    return ownTraits(member)["httpLabel"] ? `${name.toLowerCase()}-1` : `${name} value/1`;
  }
  if (member.isBooleanSchema()) return true;
  if (member.isNumericSchema()) return 7;
  if (member.isTimestampSchema()) return WHEN;
  if (member.isBlobSchema()) return new Uint8Array([1, 2, 3]);
  if (depth > 2) return undefined;
  if (member.isListSchema())
    return [
      sampleValue("item", member.getValueSchema(), depth + 1),
      sampleValue("item", member.getValueSchema(), depth + 1),
    ];
  if (member.isMapSchema())
    return { Key1: sampleValue("value", member.getValueSchema(), depth + 1) };
  return undefined;
}

/**
 * An input with every member the model binds to the path, query or headers set (`every`), or
 * only those the request cannot do without: path and host labels.
 */
function boundInput(operation: unknown, every: boolean): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const schema = NormalizedSchema.of((operation as unknown[])[4] as never);
  for (const [name, member] of schema.structIterator()) {
    const traits = ownTraits(member);
    const needed = every ? BOUND : ["httpLabel", "hostLabel"];
    if (!needed.some((trait) => Object.hasOwn(traits, trait))) continue;
    const value = sampleValue(name, member);
    if (value !== undefined) input[name] = value;
  }
  return input;
}

type Commands = Record<string, unknown>;

interface Outcome {
  checked: number;
  mismatches: string[];
}

async function checkEveryOperation(
  every: boolean,
  module: Commands,
  makeClient: (config: object) => {
    send(command: never): Promise<unknown>;
    middlewareStack: never;
  },
): Promise<Outcome> {
  const outcome: Outcome = { checked: 0, mismatches: [] };
  const client = makeClient(clientConfig(stubHandler({ statusCode: 500 }))) as unknown as {
    send(command: unknown): Promise<unknown>;
    middlewareStack: { addRelativeTo(m: unknown, o: object): void };
  };
  const reached = new Set<unknown>();
  client.middlewareStack.addRelativeTo(
    (_next: (args: unknown) => Promise<unknown>, context: HandlerExecutionContext) =>
      async (args: { request: unknown; input: unknown }) => {
        reached.add(args.input);
        try {
          // As the check reads it: the client's own endpoint, once resolved.
          const endpoint = await configuredEndpoint(clientConfigOf(context));
          assertRequestCarriesInput(args.request, args.input, context, endpoint);
        } catch (error) {
          if (!(error instanceof UnreadableInputError)) throw error;
          outcome.mismatches.push(`${String(context.commandName)}: ${error.message}`);
        }
        throw new Error("stop");
      },
    { ...keycardMiddlewareOptions, name: "layoutProbe" },
  );
  for (const [exported, Command] of Object.entries(module)) {
    if (!exported.endsWith("Command") || typeof Command !== "function") continue;
    const probe = new (Command as new (input: object) => { schema?: unknown })({});
    if (!Array.isArray(probe.schema)) continue;
    const input = boundInput(probe.schema, every);
    const command = new (Command as new (input: object) => object)(input);
    await client.send(command).catch(() => undefined);
    if (reached.size > outcome.checked) outcome.checked = reached.size;
  }
  return outcome;
}

type MakeClient = (config: object) => unknown;

const clients: Array<[string, Commands, MakeClient, number]> = [
  ["S3", s3, (c) => new s3.S3Client({ ...c, forcePathStyle: true }), 80],
  [
    "S3, virtual-hosted",
    s3,
    (c) => new s3.S3Client({ ...c, endpoint: "http://s3.localhost:9" }),
    80,
  ],
  ["S3 on AWS's endpoints", s3, (c) => new s3.S3Client({ ...c, endpoint: undefined }), 80],
  [
    "S3 on AWS's dual-stack FIPS endpoints",
    s3,
    (c) =>
      new s3.S3Client({
        ...c,
        endpoint: undefined,
        useDualstackEndpoint: true,
        useFipsEndpoint: true,
      }),
    80,
  ],
  [
    "S3 on AWS's accelerated endpoints",
    s3,
    (c) => new s3.S3Client({ ...c, endpoint: undefined, useAccelerateEndpoint: true }),
    40,
  ],
  [
    "S3 on AWS's endpoints in China",
    s3,
    (c) => new s3.S3Client({ ...c, endpoint: undefined, region: "cn-north-1" }),
    80,
  ],
  [
    "S3 on AWS's endpoints, path-style",
    s3,
    (c) => new s3.S3Client({ ...c, endpoint: undefined, forcePathStyle: true }),
    80,
  ],
  [
    "S3 on a configured endpoint with a base path",
    s3,
    (c) => new s3.S3Client({ ...c, endpoint: "http://127.0.0.1:9/storage/", forcePathStyle: true }),
    80,
  ],
  ["Lambda", lambda, (c) => new lambda.LambdaClient(c), 50],
  [
    "Lambda on AWS's endpoints",
    lambda,
    (c) => new lambda.LambdaClient({ ...c, endpoint: undefined }),
    50,
  ],
  ["API Gateway", apiGateway, (c) => new apiGateway.APIGatewayClient(c), 100],
  ["EKS", eks, (c) => new eks.EKSClient(c), 40],
  ["Route 53", route53, (c) => new route53.Route53Client(c), 50],
  ["CloudFront", cloudFront, (c) => new cloudFront.CloudFrontClient(c), 80],
  ["DynamoDB (JSON 1.0)", dynamodb, (c) => new dynamodb.DynamoDBClient(c), 40],
  ["SQS (JSON 1.0, query compatible)", sqs, (c) => new sqs.SQSClient(c), 15],
  ["Athena (JSON 1.1)", athena, (c) => new athena.AthenaClient(c), 40],
  ["ECS", ecs, (c) => new ecs.ECSClient(c), 40],
  ["KMS", kms, (c) => new kms.KMSClient(c), 40],
  ["Secrets Manager", secretsManager, (c) => new secretsManager.SecretsManagerClient(c), 15],
  ["IAM (query)", iam, (c) => new iam.IAMClient(c), 100],
  ["RDS", rds, (c) => new rds.RDSClient(c), 100],
  ["SNS", sns, (c) => new sns.SNSClient(c), 30],
  ["STS", sts, (c) => new sts.STSClient(c), 5],
  ["EC2 (EC2 query)", ec2, (c) => new ec2.EC2Client(c), 400],
];

describe("every operation, as the SDK serializes it, passes the request check", () => {
  test.each(clients)("%s, every bound member set", async (_name, module, make, least) => {
    const outcome = await checkEveryOperation(true, module, make as never);
    expect(outcome.mismatches).toEqual([]);
    expect(outcome.checked).toBeGreaterThanOrEqual(least);
  });

  test.each(clients)("%s, only the labels set", async (_name, module, make, least) => {
    const outcome = await checkEveryOperation(false, module, make as never);
    expect(outcome.mismatches).toEqual([]);
    expect(outcome.checked).toBeGreaterThanOrEqual(least);
  });
});
