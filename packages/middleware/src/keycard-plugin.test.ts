import { createHash } from "node:crypto";
import {
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateUserCommand, IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { DeleteFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  DeleteBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  DeleteSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { PurgeQueueCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  type Decision,
  type EvaluationInput,
  loadPolicy,
  type PolicyDocument,
} from "@keycard/engine";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { KeycardDecision } from "./decision.js";
import { KeycardConfigError, KeycardDeniedError } from "./errors.js";
import { keycardPlugin, withKeycard } from "./keycard-plugin.js";
import {
  ACCOUNT,
  callerIdentityResponse,
  clientConfig,
  credentials,
  isGetCallerIdentity,
  memoryLogger,
  ordersPolicy,
  ROLE_ARN,
  type StubResponse,
  stubHandler,
} from "./test-utils/fixtures.js";

const appPolicy: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    ...(ordersPolicy.Statement as object[]),
    {
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:orders/*`,
    },
    { Effect: "Allow", Action: "iam:ListUsers", Resource: "*" },
    {
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:orders-*`,
    },
  ],
} as PolicyDocument;

const policyPromise = loadPolicy({ iam: [{ name: "app.json", document: appPolicy }] });

const json = (body: object, type = "application/x-amz-json-1.0") => ({
  headers: { "content-type": type },
  body: JSON.stringify(body),
});
const md5 = (text: string) => createHash("md5").update(text).digest("hex");

async function rejection(promise: Promise<unknown>): Promise<KeycardDeniedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeycardDeniedError);
  return error as KeycardDeniedError;
}

/** Each service: a client, an allowed command, a denied one, and what the service answers. */
const services: Array<{
  name: string;
  client: (config: object) => object;
  allowed: () => object;
  denied: () => object;
  response: StubResponse;
}> = [
  {
    name: "S3",
    client: (config: object) => new S3Client({ ...config, forcePathStyle: true }),
    allowed: () => new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: "{}" }),
    denied: () => new DeleteBucketCommand({ Bucket: "orders" }),
    response: { headers: { etag: '"1"' } },
  },
  {
    name: "DynamoDB",
    client: (config: object) => new DynamoDBClient(config),
    allowed: () => new GetItemCommand({ TableName: "orders", Key: { id: { S: "1" } } }),
    denied: () => new DeleteTableCommand({ TableName: "orders" }),
    response: json({}),
  },
  {
    name: "SQS",
    client: (config: object) => new SQSClient(config),
    allowed: () =>
      new SendMessageCommand({
        QueueUrl: `http://127.0.0.1:9/${ACCOUNT}/order-events`,
        MessageBody: "hello",
      }),
    denied: () => new PurgeQueueCommand({ QueueUrl: `http://127.0.0.1:9/${ACCOUNT}/order-events` }),
    response: json({ MessageId: "1", MD5OfMessageBody: md5("hello") }),
  },
  {
    name: "Secrets Manager",
    client: (config: object) => new SecretsManagerClient(config),
    allowed: () => new GetSecretValueCommand({ SecretId: "orders/payment-api-key" }),
    denied: () => new DeleteSecretCommand({ SecretId: "orders/payment-api-key" }),
    response: json(
      { Name: "orders/payment-api-key", SecretString: "s3cret" },
      "application/x-amz-json-1.1",
    ),
  },
  {
    name: "IAM",
    client: (config: object) => new IAMClient(config),
    allowed: () => new ListUsersCommand({}),
    denied: () => new CreateUserCommand({ UserName: "mallory" }),
    response: {
      headers: { "content-type": "text/xml" },
      body: "<ListUsersResponse><ListUsersResult><Users/><IsTruncated>false</IsTruncated></ListUsersResult></ListUsersResponse>",
    },
  },
  {
    name: "Lambda",
    client: (config: object) => new LambdaClient(config),
    allowed: () =>
      new InvokeCommand({ FunctionName: "orders-worker", Payload: new TextEncoder().encode("{}") }),
    denied: () => new DeleteFunctionCommand({ FunctionName: "orders-worker" }),
    response: { body: "{}" },
  },
];

describe.each(services)("$name client with a stub request handler", (service) => {
  test("allowed calls are sent once; denied calls reject and are never sent", async () => {
    const policy = await policyPromise;
    const handler = stubHandler(service.response);
    const decisions: KeycardDecision[] = [];
    // biome-ignore lint/suspicious/noExplicitAny: each service's client has its own command types
    const client: any = service.client(clientConfig(handler));
    client.middlewareStack.use(
      keycardPlugin({ policy, principalArn: ROLE_ARN, onDecision: (d) => decisions.push(d) }),
    );
    await client.send(service.allowed());
    expect(handler.requests).toHaveLength(1);
    const error = await rejection(client.send(service.denied()));
    expect(handler.requests).toHaveLength(1);
    expect(error.decision.allow).toBe(false);
    expect(decisions.map((d) => d.allow)).toEqual([true, false]);
  });
});

describe("a real client", () => {
  test("a retryable 500 is retried without checking again", async () => {
    const policy = await policyPromise;
    const error500 = {
      statusCode: 500,
      headers: { "content-type": "application/xml" },
      body: "<Error><Code>InternalError</Code><Message>try again</Message></Error>",
    };
    const handler = stubHandler(error500, error500, { headers: { etag: '"1"' } });
    const decisions: KeycardDecision[] = [];
    const s3 = new S3Client(clientConfig(handler, { forcePathStyle: true, maxAttempts: 3 }));
    s3.middlewareStack.use(
      keycardPlugin({ policy, principalArn: ROLE_ARN, onDecision: (d) => decisions.push(d) }),
    );
    await s3.send(new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: "{}" }));
    expect(handler.requests).toHaveLength(3);
    expect(decisions).toHaveLength(1);
  });

  test("the check runs before signing: a denied call never reaches the signer", async () => {
    const policy = await policyPromise;
    let signed = 0;
    const handler = stubHandler({});
    const s3 = new S3Client(
      clientConfig(handler, {
        forcePathStyle: true,
        credentials: async () => {
          signed++;
          return credentials;
        },
      }),
    );
    s3.middlewareStack.use(keycardPlugin({ policy, principalArn: ROLE_ARN }));
    s3.middlewareStack.addRelativeTo(
      () => async () => {
        throw new Error("the request reached the signer");
      },
      { name: "signingSpy", relation: "after", toMiddleware: "httpSigningMiddleware" },
    );
    await rejection(s3.send(new DeleteBucketCommand({ Bucket: "orders" })));
    // The identity was resolved (once) before keycard decided.
    expect(signed).toBe(1);
  });

  test("withKeycard applies the plugin and returns the same client", async () => {
    const policy = await policyPromise;
    const handler = stubHandler({});
    const s3 = new S3Client(clientConfig(handler, { forcePathStyle: true }));
    expect(withKeycard(s3, { policy, principalArn: ROLE_ARN })).toBe(s3);
    await rejection(s3.send(new DeleteBucketCommand({ Bucket: "orders" })));
    await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" }));
    expect(handler.requests).toHaveLength(1);
  });

  test("one plugin serves several clients and records for all of them", async () => {
    const plugin = keycardPlugin({ mode: "learn", principalArn: ROLE_ARN });
    const s3 = withKeycard(
      new S3Client(clientConfig(stubHandler({}), { forcePathStyle: true })),
      plugin,
    );
    const dynamo = new DynamoDBClient(clientConfig(stubHandler(json({}))));
    dynamo.middlewareStack.use(plugin);
    await s3.send(new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: "{}" }));
    await dynamo.send(new GetItemCommand({ TableName: "orders", Key: { id: { S: "1" } } }));
    expect(plugin.learned().map((r) => r.action)).toEqual(["s3:PutObject", "dynamodb:GetItem"]);
    expect(await plugin.learnedPolicy()).toMatchObject({
      Statement: [{ Sid: "Dynamodb" }, { Sid: "S3" }],
    });
  });

  test("using the plugin twice on one client adds it once", async () => {
    const policy = await policyPromise;
    const decisions: KeycardDecision[] = [];
    const plugin = keycardPlugin({
      policy,
      principalArn: ROLE_ARN,
      onDecision: (d) => decisions.push(d),
    });
    const s3 = new S3Client(clientConfig(stubHandler({}), { forcePathStyle: true }));
    s3.middlewareStack.use(plugin);
    s3.middlewareStack.use(plugin);
    await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" }));
    expect(decisions).toHaveLength(1);
  });
});

describe("keycard's own middleware cannot be replaced or removed unnoticed", () => {
  const Key = { id: { S: "1" } };
  const noop = () => (next: (args: unknown) => unknown) => (args: unknown) => next(args);

  async function guarded() {
    const decisions: KeycardDecision[] = [];
    const handler = stubHandler(json({}));
    const ddb = new DynamoDBClient(clientConfig(handler));
    ddb.middlewareStack.use(
      keycardPlugin({
        policy: await loadPolicy({ iam: [{ name: "orders.json", document: ordersPolicy }] }),
        principalArn: ROLE_ARN,
        mode: "enforce",
        onDecision: (d) => decisions.push(d),
      }),
    );
    return { ddb, handler, decisions };
  }

  /** Sends an allowed read and expects the gate to refuse it as unchecked, with nothing sent. */
  async function refusedAsUnchecked(
    ddb: DynamoDBClient,
    handler: { requests: unknown[] },
  ): Promise<void> {
    const error = await ddb
      .send(new GetItemCommand({ TableName: "orders", Key }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeycardDeniedError);
    expect((error as KeycardDeniedError).decision.reason).toMatch(/check did not run/);
    expect(handler.requests).toHaveLength(0);
  }

  function keycardNamesIn(stack: { identify(): string[] }): string[] {
    return stack
      .identify()
      .map((entry) => entry.split(" - ")[0]!)
      .filter((name) => name.startsWith("keycard"));
  }

  test("each plugin names its middleware with its own unguessable suffix", async () => {
    const first = await guarded();
    const second = await guarded();
    const names = keycardNamesIn(first.ddb.middlewareStack);
    expect(names).toHaveLength(3);
    for (const name of names) expect(name).toMatch(/^keycard\w+-[0-9a-f]{32}$/);
    expect(keycardNamesIn(second.ddb.middlewareStack)).not.toEqual(names);
  });

  test("a command whose stack reuses keycard's public name is still checked", async () => {
    const { ddb, handler, decisions } = await guarded();
    const command = new GetItemCommand({ TableName: "secret", Key });
    command.middlewareStack.addRelativeTo(
      noop() as never,
      {
        step: "finalizeRequest",
        name: "keycardMiddleware",
        override: true,
        relation: "before",
        toMiddleware: "retryMiddleware",
      } as never,
    );
    await expect(ddb.send(command)).rejects.toBeInstanceOf(KeycardDeniedError);
    expect(handler.requests).toHaveLength(0);
    expect(decisions).toHaveLength(1);
  });

  test("a command that reuses one of keycard's actual names fails to send instead of replacing it", async () => {
    const { ddb, handler } = await guarded();
    const check = keycardNamesIn(ddb.middlewareStack).find((n) =>
      n.startsWith("keycardMiddleware-"),
    )!;
    const command = new GetItemCommand({ TableName: "secret", Key });
    command.middlewareStack.addRelativeTo(
      noop() as never,
      {
        step: "finalizeRequest",
        name: check,
        override: true,
        relation: "before",
        toMiddleware: "retryMiddleware",
      } as never,
    );
    await expect(ddb.send(command)).rejects.toThrow();
    expect(handler.requests).toHaveLength(0);
  });

  test("a call whose check was removed by name or by tag is refused before it is sent", async () => {
    for (const remove of ["name", "tag"] as const) {
      const { ddb, handler, decisions } = await guarded();
      if (remove === "tag") ddb.middlewareStack.removeByTag("KEYCARD");
      else {
        for (const name of keycardNamesIn(ddb.middlewareStack))
          if (name.startsWith("keycardMiddleware-")) ddb.middlewareStack.remove(name);
      }
      await refusedAsUnchecked(ddb, handler);
      expect(decisions.map((d) => d.allow)).toEqual([false]);
    }
  });

  test("an input rebuilt after the check from all that can be read of the checked one is refused", async () => {
    const { ddb, handler, decisions } = await guarded();
    // Runs after the check (retries come after it in finalizeRequest) and before the gate.
    const rebuild =
      (next: (args: { input: object }) => Promise<unknown>) => (args: { input: object }) => {
        const checkedInput = args.input;
        const forged = Object.create(Object.getPrototypeOf(checkedInput));
        Object.defineProperties(forged, Object.getOwnPropertyDescriptors(checkedInput));
        for (const symbol of Object.getOwnPropertySymbols(checkedInput))
          forged[symbol] = (checkedInput as Record<symbol, unknown>)[symbol];
        forged.TableName = "secret";
        return next({ ...args, input: forged });
      };
    ddb.middlewareStack.addRelativeTo(
      rebuild as never,
      {
        step: "finalizeRequest",
        relation: "after",
        toMiddleware: "retryMiddleware",
        name: "rebuildInput",
      } as never,
    );
    await refusedAsUnchecked(ddb, handler);
    expect(decisions.map((d) => d.allow)).toEqual([true, false]);
  });

  describe("two plugins on one client", () => {
    // The second plugin's rules: the orders table only for GetItem, and a second table.
    const narrowPolicy: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "dynamodb:GetItem",
          Resource: [
            `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`,
            `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/invoices`,
          ],
        },
      ],
    };
    async function twoPlugins() {
      const handler = stubHandler(json({}));
      const ddb = new DynamoDBClient(clientConfig(handler));
      const decisions: Array<[string, boolean]> = [];
      for (const [name, document] of [
        ["orders", ordersPolicy],
        ["narrow", narrowPolicy],
      ] as const) {
        ddb.middlewareStack.use(
          keycardPlugin({
            policy: await loadPolicy({ iam: [{ name: `${name}.json`, document }] }),
            principalArn: ROLE_ARN,
            mode: "enforce",
            onDecision: (d) => decisions.push([name, d.allow]),
          }),
        );
      }
      return { ddb, handler, decisions };
    }

    test("a call both allow is sent; one either refuses is not", async () => {
      const { ddb, handler, decisions } = await twoPlugins();
      await ddb.send(new GetItemCommand({ TableName: "orders", Key }));
      expect(handler.requests).toHaveLength(1);
      for (const input of [
        new PutItemCommand({ TableName: "orders", Item: Key }),
        new GetItemCommand({ TableName: "invoices", Key }),
      ]) {
        await expect(ddb.send(input as never)).rejects.toBeInstanceOf(KeycardDeniedError);
      }
      expect(handler.requests).toHaveLength(1);
      expect(decisions.filter(([, allow]) => !allow).length).toBeGreaterThanOrEqual(2);
    });

    test("a plugin from another copy of the package is refused when added, with the reason", async () => {
      const { ddb } = await twoPlugins();
      vi.resetModules();
      const otherCopy = await import("./keycard-plugin.js");
      const policy = await policyPromise;
      const add = () =>
        ddb.middlewareStack.use(otherCopy.keycardPlugin({ policy, principalArn: ROLE_ARN }));
      expect(add).toThrow(/another copy of @keycard\/middleware/);
      expect(add).toThrow(expect.objectContaining({ code: "IncompatiblePlugins" }));
    });

    test("a client carries at most 16 plugins, and all 16 check every call", async () => {
      const handler = stubHandler(json({}));
      const ddb = new DynamoDBClient(clientConfig(handler));
      const policy = await loadPolicy({ iam: [{ name: "orders.json", document: ordersPolicy }] });
      const plugin = () => keycardPlugin({ policy, principalArn: ROLE_ARN, mode: "enforce" });
      for (let i = 0; i < 16; i++) ddb.middlewareStack.use(plugin());
      expect(() => ddb.middlewareStack.use(plugin())).toThrow(/16 keycard plugins/);
      await ddb.send(new GetItemCommand({ TableName: "orders", Key }));
      await expect(ddb.send(new GetItemCommand({ TableName: "secret", Key }))).rejects.toThrow(
        KeycardDeniedError,
      );
      expect(handler.requests).toHaveLength(1);
    });

    test("an input swapped between the two checks is refused by the first plugin's gate", async () => {
      const { ddb, handler } = await twoPlugins();
      // Between the two checks: after the first (which sits before retryMiddleware) and before
      // the second, added later, which the SDK places after it.
      const swap =
        (next: (args: { input: object }) => Promise<unknown>) => (args: { input: object }) =>
          next({ ...args, input: { ...args.input, TableName: "invoices" } });
      const names = keycardNamesIn(ddb.middlewareStack).filter((n) =>
        n.startsWith("keycardMiddleware-"),
      );
      ddb.middlewareStack.addRelativeTo(
        swap as never,
        {
          relation: "after",
          toMiddleware: names[0],
          name: "swapBetweenChecks",
        } as never,
      );
      await refusedAsUnchecked(ddb, handler);
    });
  });

  test("a checked call goes out past the gate", async () => {
    const { ddb, handler } = await guarded();
    await ddb.send(new GetItemCommand({ TableName: "orders", Key }));
    expect(handler.requests).toHaveLength(1);
  });
});

describe("repeated calls", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("are mapped and evaluated once per second, and each gets its own decision", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2024-05-01T12:00:00.100Z"));
    const policy = await policyPromise;
    let evaluations = 0;
    const counting = {
      evaluate: (input: Parameters<typeof policy.evaluate>[0]) => {
        evaluations++;
        return policy.evaluate(input);
      },
    };
    const decisions: KeycardDecision[] = [];
    const s3 = new S3Client(clientConfig(stubHandler({}), { forcePathStyle: true }));
    s3.middlewareStack.use(
      keycardPlugin({
        policy: counting,
        principalArn: ROLE_ARN,
        onDecision: (d) => decisions.push(d),
      }),
    );
    const get = (Key: string) => s3.send(new GetObjectCommand({ Bucket: "orders", Key }));
    for (let i = 0; i < 5; i++) await get("a.json");
    expect(evaluations).toBe(1);
    await get("b.json");
    expect(evaluations).toBe(2);
    vi.setSystemTime(new Date("2024-05-01T12:00:01.000Z"));
    await get("a.json");
    expect(evaluations).toBe(3);
    expect(new Set(decisions.map((d) => d.decisionId)).size).toBe(7);
    expect(decisions.every((d) => d.allow)).toBe(true);
  });

  test("learn mode counts every call, also when nobody observes decisions", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const plugin = keycardPlugin({ mode: "learn", principalArn: ROLE_ARN });
    const s3 = withKeycard(
      new S3Client(clientConfig(stubHandler({}), { forcePathStyle: true })),
      plugin,
    );
    for (let i = 0; i < 3; i++)
      await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" }));
    expect(plugin.learned()).toEqual([
      expect.objectContaining({ action: "s3:GetObject", count: 3 }),
    ]);
  });

  test("a denied call is refused every time, also when nobody observes decisions", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const s3 = withKeycard(new S3Client(clientConfig(stubHandler({}), { forcePathStyle: true })), {
      policy: await policyPromise,
      principalArn: ROLE_ARN,
    });
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      ids.add(
        (await rejection(s3.send(new DeleteBucketCommand({ Bucket: "orders" })))).decision
          .decisionId,
      );
      await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" }));
    }
    expect(ids.size).toBe(3);
  });

  test("with different credentials are decided apart", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const policy = await policyPromise;
    const decisions: KeycardDecision[] = [];
    const plugin = keycardPlugin({ policy, onDecision: (d) => decisions.push(d) });
    const clients = ["111111111111", ACCOUNT].map((accountId) => {
      const s3 = new S3Client(
        clientConfig(stubHandler({}), {
          forcePathStyle: true,
          credentials: { ...credentials, accessKeyId: `AKIA${accountId}`, accountId },
        }),
      );
      s3.middlewareStack.use(plugin);
      return s3;
    });
    const put = new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: "{}" });
    const dynamoCalls = ["111111111111", ACCOUNT].map((accountId) => {
      const dynamo = new DynamoDBClient(
        clientConfig(stubHandler(json({})), {
          credentials: { ...credentials, accessKeyId: `AKIA${accountId}`, accountId },
        }),
      );
      dynamo.middlewareStack.use(plugin);
      return () =>
        dynamo.send(new GetItemCommand({ TableName: "orders", Key: { id: { S: "1" } } }));
    });
    await clients[0]!.send(put).catch(() => undefined);
    await clients[1]!.send(put).catch(() => undefined);
    await rejection(dynamoCalls[0]!());
    await dynamoCalls[1]!();
    expect(decisions.map((d) => d.principal.accountId)).toEqual([
      "111111111111",
      ACCOUNT,
      "111111111111",
      ACCOUNT,
    ]);
  });
});

describe("the caller's account and ARN", () => {
  const withoutAccount = { accessKeyId: "AKIAKEYCARDTEST00002", secretAccessKey: "x" };

  test("one sts:GetCallerIdentity per credential set, made with the client's own configuration", async () => {
    const policy = await policyPromise;
    const handler = stubHandler((request) =>
      isGetCallerIdentity(request) ? callerIdentityResponse : {},
    );
    const decisions: KeycardDecision[] = [];
    const s3 = new S3Client(
      clientConfig(handler, { forcePathStyle: true, credentials: withoutAccount }),
    );
    s3.middlewareStack.use(keycardPlugin({ policy, onDecision: (d) => decisions.push(d) }));
    await Promise.all([
      s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" })),
      s3.send(new GetObjectCommand({ Bucket: "orders", Key: "b.json" })),
    ]);
    await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "c.json" }));
    const sts = handler.requests.filter(isGetCallerIdentity);
    expect(sts).toHaveLength(1);
    expect(sts[0]!.hostname).toBe("127.0.0.1");
    expect(sts[0]!.headers["authorization"]).toContain(withoutAccount.accessKeyId);
    expect(handler.requests).toHaveLength(4);
    expect(decisions[0]!.principal).toEqual({ arn: ROLE_ARN, accountId: ACCOUNT });
  });

  test("an STS failure without a known account denies in enforce mode, naming the cause", async () => {
    const policy = await policyPromise;
    const handler = stubHandler((request) =>
      isGetCallerIdentity(request)
        ? {
            statusCode: 403,
            headers: { "content-type": "text/xml" },
            body: "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad token</Message></Error></ErrorResponse>",
          }
        : {},
    );
    const s3 = new S3Client(
      clientConfig(handler, { forcePathStyle: true, credentials: withoutAccount }),
    );
    s3.middlewareStack.use(keycardPlugin({ policy, logger: memoryLogger() }));
    const error = await rejection(
      s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" })),
    );
    expect(error.decision.reason).toMatch(/sts:GetCallerIdentity failed/);
    expect(error.decision.reason).toMatch(/bad token/);
    expect(handler.requests.filter((r) => !isGetCallerIdentity(r))).toHaveLength(0);
  });

  test("an STS failure with the account on the credentials leaves only the ARN out", async () => {
    const policy = await policyPromise;
    const handler = stubHandler((request) =>
      isGetCallerIdentity(request) ? { statusCode: 400, body: "no" } : {},
    );
    const decisions: KeycardDecision[] = [];
    const s3 = new S3Client(clientConfig(handler, { forcePathStyle: true }));
    s3.middlewareStack.use(keycardPlugin({ policy, onDecision: (d) => decisions.push(d) }));
    await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" }));
    await s3.send(new GetObjectCommand({ Bucket: "orders", Key: "b.json" }));
    expect(decisions[0]!.principal).toEqual({ accountId: ACCOUNT });
    expect(handler.requests.filter(isGetCallerIdentity)).toHaveLength(1);
  });

  test("an STS failure is retried after a bounded backoff, logged once, never remembered", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const policy = await policyPromise;
      let stsUp = false;
      const handler = stubHandler((request) =>
        isGetCallerIdentity(request)
          ? stsUp
            ? callerIdentityResponse
            : { statusCode: 503, body: "unavailable" }
          : {},
      );
      const decisions: KeycardDecision[] = [];
      const logger = memoryLogger();
      const s3 = new S3Client(clientConfig(handler, { forcePathStyle: true }));
      s3.middlewareStack.use(
        keycardPlugin({ policy, logger, onDecision: (d) => decisions.push(d) }),
      );
      const get = (key: string) => s3.send(new GetObjectCommand({ Bucket: "orders", Key: key }));
      await get("a.json");
      // One lookup (the STS client may retry it).
      const asked = handler.requests.filter(isGetCallerIdentity).length;
      await get("b.json");
      await get("c.json");
      // A dead STS is not asked on every call…
      expect(handler.requests.filter(isGetCallerIdentity)).toHaveLength(asked);
      expect(logger.warnings.filter((w) => /caller could not be resolved/.test(w))).toHaveLength(1);
      // …but the failure is not remembered for good: once the backoff has passed it asks again.
      stsUp = true;
      vi.setSystemTime(Date.now() + 120_000);
      await get("d.json");
      expect(handler.requests.filter(isGetCallerIdentity)).toHaveLength(asked + 1);
      expect(decisions.at(-1)!.principal).toEqual({ arn: ROLE_ARN, accountId: ACCOUNT });
      expect(logger.warnings.filter((w) => /caller could not be resolved/.test(w))).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  test("an unresolved caller is evaluated as unknown; a denial says the caller could not be resolved", async () => {
    const inputs: EvaluationInput[] = [];
    const policy = {
      evaluate(input: EvaluationInput): Decision {
        inputs.push(input);
        const known = input.principal?.arn !== undefined;
        return {
          allow: known,
          requests: input.requests.map((r) => ({
            action: r.action,
            resource: r.resource,
            allow: known,
            reason: known ? "allowed" : "denied: unknown before the call: aws:PrincipalArn",
            matched: [],
            ...(known ? {} : { unknown: ["aws:PrincipalArn"] }),
          })),
        };
      },
    };
    const handler = stubHandler((request) =>
      isGetCallerIdentity(request)
        ? {
            statusCode: 403,
            headers: { "content-type": "text/xml" },
            body: "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>token expired</Message></Error></ErrorResponse>",
          }
        : {},
    );
    const s3 = new S3Client(clientConfig(handler, { forcePathStyle: true }));
    s3.middlewareStack.use(
      keycardPlugin({
        policy,
        logger: memoryLogger(),
        principalTags: { team: "orders" },
        mfa: false,
      }),
    );
    const error = await rejection(
      s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" })),
    );
    expect(error.decision.reason).toMatch(/^the caller could not be resolved: .*token expired/);
    expect(error.message).toMatch(/the caller could not be resolved/);
    expect(error.message).toMatch(/unknown before the call: aws:PrincipalArn/);
    expect(inputs[0]!.principal?.arn).toBeUndefined();
    expect(inputs[0]!.principal).toMatchObject({
      accountId: ACCOUNT,
      tags: { team: "orders" },
      mfa: false,
    });
    expect(handler.requests.filter((r) => !isGetCallerIdentity(r))).toHaveLength(0);
  });

  test("principal tags and MFA state from the options reach the policy", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          name: "tags.json",
          document: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: "arn:aws:s3:::orders/*",
                Condition: { StringEquals: { "aws:PrincipalTag/team": "orders" } },
              },
            ],
          },
        },
      ],
    });
    const handler = stubHandler({});
    const run = async (principalTags: Record<string, string>) => {
      const s3 = new S3Client(clientConfig(handler, { forcePathStyle: true }));
      s3.middlewareStack.use(keycardPlugin({ policy, principalArn: ROLE_ARN, principalTags }));
      return s3.send(new GetObjectCommand({ Bucket: "orders", Key: "a.json" })).then(
        () => "sent",
        () => "refused",
      );
    };
    expect(await run({ team: "orders" })).toBe("sent");
    expect(await run({ team: "payroll" })).toBe("refused");
  });

  test("the STS client itself: GetCallerIdentity is never blocked and needs no lookup", async () => {
    const policy = await policyPromise;
    const handler = stubHandler(callerIdentityResponse);
    const sts = new STSClient(clientConfig(handler, { credentials: withoutAccount }));
    sts.middlewareStack.use(keycardPlugin({ policy }));
    const answer = await sts.send(new GetCallerIdentityCommand({}));
    expect(answer.Account).toBe(ACCOUNT);
    expect(handler.requests).toHaveLength(1);
  });
});

describe("options", () => {
  test("unusable options throw KeycardConfigError at once", async () => {
    const policy = await policyPromise;
    const bad: object[] = [
      {},
      { mode: "audit" },
      { policy, mode: "permissive" },
      { policy: {} },
      { policy, unmapped: "maybe" },
      { policy, accountId: "12" },
      { policy, principalArn: "" },
      { policy, decisionLog: 42 },
      { policy, onDecision: "yes" },
      { policy, principalTags: "team=orders" },
      { policy, principalTags: { team: 1 } },
      { policy, mfa: "yes" },
    ];
    for (const options of bad) {
      const error = (() => {
        try {
          keycardPlugin(options);
        } catch (e) {
          return e;
        }
      })();
      expect(error, JSON.stringify(options)).toBeInstanceOf(KeycardConfigError);
      expect((error as KeycardConfigError).code).toBe("InvalidOptions");
    }
    expect(keycardPlugin({ mode: "learn" }).mode).toBe("learn");
  });
});
