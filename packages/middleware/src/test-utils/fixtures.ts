import { Readable } from "node:stream";
import {
  loadPolicy,
  type Policy,
  type PolicyDocument,
  type PolicyStatement,
} from "@keycard/engine";
import {
  type FinalizeHandlerArguments,
  type FinalizeHandlerOutput,
  type FinalizeRequestMiddleware,
  type HandlerExecutionContext,
  type HttpRequest,
  type HttpResponse,
  type MiddlewareStack,
  type RelativeMiddlewareOptions,
  SMITHY_CONTEXT_KEY,
} from "@smithy/types";
import type { KeycardDecision } from "../decision.js";
import { KeycardDeniedError } from "../errors.js";
import { type KeycardClient, type KeycardPlugin, withKeycard } from "../keycard-plugin.js";
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
export function stubHandler(
  ...responses: Array<StubResponse | ((request: HttpRequest) => StubResponse)>
): {
  handle(request: HttpRequest): Promise<{ response: HttpResponse }>;
  requests: HttpRequest[];
} {
  const requests: HttpRequest[] = [];
  return {
    requests,
    async handle(request: HttpRequest) {
      requests.push(request);
      const next = responses[Math.min(requests.length - 1, responses.length - 1)] ?? {};
      const canned = typeof next === "function" ? next(request) : next;
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

/** Whether a request is `sts:GetCallerIdentity`, whatever protocol the STS client speaks. */
export function isGetCallerIdentity(request: HttpRequest): boolean {
  const target = request.headers["x-amz-target"] ?? "";
  const body = typeof request.body === "string" ? request.body : "";
  return target.endsWith("GetCallerIdentity") || body.includes("Action=GetCallerIdentity");
}

/** STS's answer to GetCallerIdentity for a role session in {@link ACCOUNT}. */
export const callerIdentityResponse: StubResponse = {
  headers: { "content-type": "text/xml" },
  body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/orders/session-1</Arn><UserId>AROAKEYCARDTEST:session-1</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
};

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

/** What a test's hand-built SDK context describes. */
export interface ContextSpec {
  client?: string | undefined;
  command?: string | undefined;
  region?: string | undefined;
  identity?: Record<string, unknown> | undefined;
  protocol?: "https:" | "http:";
  config?: Record<string, unknown>;
}

/**
 * The middleware context the SDK has filled by the finalizeRequest step: names, the resolved
 * endpoint and the selected auth scheme with its identity and signing properties.
 */
export function sdkContext(spec: ContextSpec = {}): HandlerExecutionContext {
  const region = "region" in spec ? spec.region : "us-east-1";
  const identity = "identity" in spec ? spec.identity : credentials;
  return {
    clientName: "client" in spec ? spec.client : "S3Client",
    commandName: "command" in spec ? spec.command : "PutObjectCommand",
    ...(region ? { signing_region: region } : {}),
    endpointV2: { url: new URL(`${spec.protocol ?? "https:"}//aws.example`) },
    [SMITHY_CONTEXT_KEY]: {
      selectedHttpAuthScheme: {
        httpAuthOption: { schemeId: "aws.auth#sigv4", signingProperties: { config: spec.config } },
        identity,
        signer: { sign: async (request: unknown) => request },
      },
    },
  } as HandlerExecutionContext;
}

type Handler = (args: FinalizeHandlerArguments<object>) => Promise<FinalizeHandlerOutput<object>>;

/** The middleware a plugin adds to a stack, and the options it was added with. */
export function captureMiddleware(plugin: KeycardPlugin): {
  middleware: FinalizeRequestMiddleware<object, object>;
  options: RelativeMiddlewareOptions;
  /** Runs the middleware for one call with a mocked `next`; resolves to what `next` got, or rejects. */
  run(input: object, context?: HandlerExecutionContext): Promise<{ nextCalls: number }>;
} {
  let middleware: FinalizeRequestMiddleware<object, object> | undefined;
  let options: RelativeMiddlewareOptions | undefined;
  plugin.applyToStack({
    // The input-copy step: `run` calls the check directly, which copies the input itself.
    add() {},
    addRelativeTo(m: FinalizeRequestMiddleware<object, object>, o: RelativeMiddlewareOptions) {
      middleware = m;
      options = o;
    },
  } as unknown as MiddlewareStack<object, object>);
  if (!middleware || !options) throw new Error("the plugin added no middleware");
  const captured = middleware;
  return {
    middleware: captured,
    options,
    async run(input, context = sdkContext()) {
      let nextCalls = 0;
      const next: Handler = async () => {
        nextCalls++;
        return { output: {}, response: {} } as FinalizeHandlerOutput<object>;
      };
      await captured(next, context)({ input, request: {} });
      return { nextCalls };
    },
  };
}

/** What became of one call sent through {@link guarded}. */
export interface Sent {
  sent: boolean;
  requests: HttpRequest[];
  decision?: KeycardDecision;
}

/** A client of `make` with keycard in enforce mode on `document`, and a way to send through it. */
export async function guarded<C extends KeycardClient & { send(command: never): Promise<unknown> }>(
  make: (config: object) => C,
  document: PolicyDocument,
  response: StubResponse = {},
  extra: Record<string, unknown> = {},
) {
  const policy = await loadPolicy({ iam: [document], checkActions: false });
  const handler = stubHandler(response);
  const decisions: KeycardDecision[] = [];
  const client = withKeycard(make(clientConfig(handler, extra)), {
    policy,
    mode: "enforce",
    principalArn: ROLE_ARN,
    principalTags: {},
    mfa: false,
    logger: memoryLogger(),
  });
  return {
    decisions,
    handler,
    async send(command: unknown): Promise<Sent> {
      const before = handler.requests.length;
      try {
        await client.send(command as never);
        return { sent: true, requests: handler.requests.slice(before) };
      } catch (error) {
        if (!(error instanceof KeycardDeniedError)) throw error;
        if (handler.requests.length !== before) throw new Error("a refused call was sent");
        return { sent: false, requests: [], decision: error.decision };
      }
    },
  };
}

/** An Allow statement. */
export function allow(action: string | string[], resource: string | string[]): PolicyStatement {
  return { Effect: "Allow", Action: action, Resource: resource };
}

/** A policy document of the statements. */
export function doc(...Statement: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement };
}
