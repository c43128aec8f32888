import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { generatePolicy } from "@keycard/iam-map";
import { makeTempDir } from "@keycard/test-utils";
import { describe, expect, onTestFinished, test } from "vitest";
import { DECISION_PATH, type DecisionLogEntry, DecisionLogWriter } from "./decision-log.js";
import { KeycardDeniedError } from "./errors.js";
import { keycardPlugin } from "./keycard-plugin.js";
import type { KeycardOptions } from "./options.js";
import {
  captureMiddleware,
  credentials,
  loadOrdersPolicy,
  memoryLogger,
  ROLE_ARN,
  sdkContext,
} from "./test-utils/fixtures.js";

function streamLog(): { stream: PassThrough; entries(): DecisionLogEntry[] } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return {
    stream,
    entries: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as DecisionLogEntry),
  };
}

async function logged(
  options: Partial<KeycardOptions>,
  calls: Array<[object, ReturnType<typeof sdkContext>?]>,
) {
  const log = streamLog();
  const plugin = keycardPlugin({
    policy: await loadOrdersPolicy(),
    principalArn: ROLE_ARN,
    decisionLog: log.stream,
    logger: memoryLogger(),
    ...options,
  });
  const { run } = captureMiddleware(plugin);
  for (const [input, context] of calls) await run(input, context).catch(() => undefined);
  return log.entries();
}

const put = { Bucket: "orders", Key: "a.json", Body: "top secret order" };

describe("decision log", () => {
  test("a resource with a part unknown before the call carries its parts, for learning from the log", async () => {
    const [entry] = await logged({ mode: "learn" }, [
      [{ UserName: "bob" }, sdkContext({ client: "IAMClient", command: "GetUserCommand" })],
    ]);
    const request = entry!.input.requests[0]!;
    expect(request.resourceParts).toContainEqual({ unknown: "IAM user path" });
    const document = await generatePolicy(entry!.input.requests);
    expect(document.Statement.map((s) => s.Sid)).toEqual(["IamUnknownParts"]);
  });

  test("one OPA-shaped JSON line per decision", async () => {
    const [entry] = await logged({}, [[put]]);
    expect(entry).toEqual({
      decision_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      path: DECISION_PATH,
      input: {
        principal: { arn: ROLE_ARN, accountId: "123456789012" },
        region: "us-east-1",
        requests: [
          {
            action: "s3:PutObject",
            resource: "arn:aws:s3:::orders/a.json",
            context: expect.objectContaining({
              "aws:RequestedRegion": "us-east-1",
              "aws:PrincipalArn": ROLE_ARN,
            }),
          },
        ],
      },
      result: {
        allow: true,
        requests: [
          {
            action: "s3:PutObject",
            resource: "arn:aws:s3:::orders/a.json",
            allow: true,
            reason: expect.any(String),
          },
        ],
        alsoMayNeed: [expect.objectContaining({ action: "kms:GenerateDataKey" })],
      },
      labels: { app: "keycard", mode: "enforce" },
      keycard: {
        service: "s3",
        operation: "PutObject",
        client: "S3Client",
        sent: true,
        input: { Bucket: "orders", Key: "a.json", Body: "[redacted]" },
      },
    });
  });

  test("the decision id matches the one the application saw", async () => {
    const log = streamLog();
    const { run } = captureMiddleware(
      keycardPlugin({
        policy: await loadOrdersPolicy(),
        principalArn: ROLE_ARN,
        decisionLog: log.stream,
      }),
    );
    const error = await run(
      { Bucket: "orders" },
      sdkContext({ command: "DeleteBucketCommand" }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(KeycardDeniedError);
    const [entry] = log.entries();
    expect(entry!.decision_id).toBe((error as KeycardDeniedError).decision.decisionId);
    expect(entry!.keycard.sent).toBe(false);
    expect(entry!.result.allow).toBe(false);
  });

  test("bodies, secrets, passwords and tokens never reach the log", async () => {
    const secret = {
      SecretId: "orders/key",
      SecretString: "hunter2",
      ClientRequestToken: "tok-123",
    };
    const entries = await logged({ mode: "audit" }, [
      [{ ...put, Body: new Uint8Array([1, 2, 3]) }],
      [secret, sdkContext({ client: "SecretsManagerClient", command: "PutSecretValueCommand" })],
      [
        { UserName: "bob", Password: "p4ss", NewPassword: "n3w" },
        sdkContext({ client: "IAMClient", command: "CreateLoginProfileCommand" }),
      ],
      [
        { QueueUrl: "http://127.0.0.1:9/123456789012/q", MessageBody: "card 4111" },
        sdkContext({ client: "SQSClient", command: "SendMessageCommand" }),
      ],
    ]);
    const text = JSON.stringify(entries);
    for (const value of ["hunter2", "tok-123", "p4ss", "n3w", "card 4111", "top secret"])
      expect(text).not.toContain(value);
    expect(entries[1]!.keycard.input).toEqual({
      SecretId: "orders/key",
      SecretString: "[redacted]",
      ClientRequestToken: "[redacted]",
    });
    expect(entries[2]!.keycard.input).toMatchObject({
      UserName: "bob",
      Password: "[redacted]",
      NewPassword: "[redacted]",
    });
  });

  test("secrets carried by ordinary-looking members are redacted by operation", async () => {
    const cases: Array<[string, string, object, object]> = [
      [
        "SSMClient",
        "PutParameter",
        { Name: "/orders/db-password-v2", Value: "s3cr3t-ssm", Type: "SecureString" },
        { Name: "/orders/db-password-v2", Value: "[redacted]", Type: "SecureString" },
      ],
      [
        "LambdaClient",
        "CreateFunction",
        {
          FunctionName: "orders-api",
          Role: ROLE_ARN,
          Environment: { Variables: { DB_URL: "postgres://u:s3cr3t-env@db" } },
        },
        { FunctionName: "orders-api", Environment: { Variables: "[redacted]" } },
      ],
      [
        "LambdaClient",
        "UpdateFunctionConfiguration",
        { FunctionName: "orders-api", Environment: { Variables: { API_KEY: "s3cr3t-env2" } } },
        { FunctionName: "orders-api", Environment: { Variables: "[redacted]" } },
      ],
      [
        "CognitoIdentityProviderClient",
        "RespondToAuthChallenge",
        {
          ClientId: "client-1",
          ChallengeName: "SMS_MFA",
          Session: "s3cr3t-session",
          ChallengeResponses: { USERNAME: "bob", SMS_MFA_CODE: "s3cr3t-code" },
        },
        { ClientId: "client-1", Session: "[redacted]", ChallengeResponses: "[redacted]" },
      ],
      [
        "CognitoIdentityProviderClient",
        "AdminInitiateAuth",
        {
          UserPoolId: "us-east-1_abc",
          ClientId: "client-1",
          AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
          AuthParameters: { USERNAME: "bob", PASSWORD: "s3cr3t-auth" },
        },
        { UserPoolId: "us-east-1_abc", AuthParameters: "[redacted]" },
      ],
      [
        "CognitoIdentityProviderClient",
        "ConfirmForgotPassword",
        { ClientId: "client-1", Username: "bob", ConfirmationCode: "s3cr3t-confirm" },
        { Username: "bob", ConfirmationCode: "[redacted]" },
      ],
      [
        "EventBridgeClient",
        "PutEvents",
        {
          Entries: [
            { Source: "orders", DetailType: "paid", Detail: '{"card":"s3cr3t-card"}' },
            { Source: "orders", DetailType: "paid", Detail: '{"card":"s3cr3t-card2"}' },
          ],
        },
        {
          Entries: [
            { Source: "orders", DetailType: "paid", Detail: "[redacted]" },
            { Source: "orders", DetailType: "paid", Detail: "[redacted]" },
          ],
        },
      ],
    ];
    const entries = await logged(
      { mode: "audit" },
      cases.map(([client, operation, input]) => [
        input,
        sdkContext({ client, command: `${operation}Command` }),
      ]),
    );
    expect(entries).toHaveLength(cases.length);
    expect(JSON.stringify(entries)).not.toMatch(/s3cr3t/);
    cases.forEach(([, operation, , expected], i) => {
      expect(entries[i]!.keycard.input, operation).toMatchObject(expected);
    });
  });

  test("redact adds names and patterns to the defaults", async () => {
    const [entry] = await logged({ redact: ["Key", /^Buck/] }, [[put]]);
    expect(entry!.keycard.input).toEqual({
      Bucket: "[redacted]",
      Key: "[redacted]",
      Body: "[redacted]",
    });
  });

  test("learn mode lines carry the requests a policy can be built from", async () => {
    const entries = await logged({ mode: "learn", policy: undefined }, [
      [put],
      [
        { TableName: "orders", Key: {} },
        sdkContext({ client: "DynamoDBClient", command: "GetItemCommand" }),
      ],
    ]);
    expect(entries.map((e) => e.labels.mode)).toEqual(["learn", "learn"]);
    expect(entries.flatMap((e) => e.input.requests.map((r) => r.action))).toEqual([
      "s3:PutObject",
      "dynamodb:GetItem",
    ]);
  });

  test("unmapped calls and failures are logged with their reason", async () => {
    const entries = await logged({ mode: "audit" }, [
      [{}, sdkContext({ command: "FrobnicateCommand" })],
    ]);
    expect(entries[0]!.result).toMatchObject({
      allow: false,
      requests: [],
      reason: expect.stringContaining("not mapped"),
    });
    expect(entries[0]!.input.requests).toEqual([]);
  });

  test("a file path is appended to, one line per call, and closed by close()", async () => {
    const { dir, cleanup } = makeTempDir("keycard-log-");
    onTestFinished(cleanup);
    const path = join(dir, "decisions.jsonl");
    const plugin = keycardPlugin({
      policy: await loadOrdersPolicy(),
      principalArn: ROLE_ARN,
      decisionLog: path,
    });
    const { run } = captureMiddleware(plugin);
    await run(put);
    await run(put);
    await plugin.close();
    await plugin.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!).path).toBe(DECISION_PATH);
  });

  test("a log that cannot be written is reported once and calls go on", async () => {
    const logger = memoryLogger();
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error("disk full"));
      },
    });
    const plugin = keycardPlugin({
      policy: await loadOrdersPolicy(),
      principalArn: ROLE_ARN,
      decisionLog: failing,
      logger,
    });
    const { run } = captureMiddleware(plugin);
    for (let i = 0; i < 3; i++) expect(await run(put)).toEqual({ nextCalls: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(logger.errors).toEqual([expect.stringContaining("disk full")]);
  });

  test("a directory that does not exist is reported, not thrown", async () => {
    const logger = memoryLogger();
    const plugin = keycardPlugin({
      policy: await loadOrdersPolicy(),
      principalArn: ROLE_ARN,
      decisionLog: join(makeTempDir().dir, "missing", "log.jsonl"),
      logger,
    });
    const { run } = captureMiddleware(plugin);
    expect(await run(put)).toEqual({ nextCalls: 1 });
    await plugin.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(logger.errors).toEqual([expect.stringContaining("decision log cannot be written")]);
  });

  test("the principal's credential source and MFA are logged", async () => {
    const [entry] = await logged({}, [
      [put, sdkContext({ identity: { ...credentials, source: "sso", mfa: true } })],
    ]);
    expect(entry!.input.principal).toMatchObject({ source: "sso", mfa: true });
  });
});

describe("backpressure", () => {
  /** A stream that accepts writes but finishes none until released. */
  function stuckStream() {
    const pending: Array<() => void> = [];
    const stream = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, callback) {
        pending.push(callback);
      },
    });
    const release = () => {
      // Finish every write, including those that arrive while finishing.
      while (pending.length > 0) pending.shift()!();
    };
    return { stream, release, pending };
  }

  test("a stuck stream holds a bounded number of bytes; drops are counted and warned once per burst", async () => {
    const { stream, release } = stuckStream();
    const logger = memoryLogger();
    const writer = new DecisionLogWriter(stream, logger, 64 * 1024);
    const line = JSON.stringify({ pad: "x".repeat(200) });
    for (let i = 0; i < 10_000; i++) writer.write(line);
    // The stream's own buffer plus the writer's stay near the budget, not 2 MB.
    expect(stream.writableLength + writer.bufferedBytes).toBeLessThan(80 * 1024);
    expect(writer.dropped).toBeGreaterThan(9000);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/decision log.*not keeping up/);
    // Draining ends the burst: the count of what was dropped is reported once.
    for (
      let round = 0;
      round < 200 && (writer.bufferedBytes > 0 || stream.writableLength > 0);
      round++
    ) {
      release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(writer.bufferedBytes).toBe(0);
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[1]).toMatch(new RegExp(`dropped ${writer.dropped} decision`));
    // A second burst warns again.
    const again = writer.dropped;
    for (let i = 0; i < 10_000; i++) writer.write(line);
    expect(writer.dropped).toBeGreaterThan(again);
    expect(logger.warnings).toHaveLength(3);
    expect(logger.errors).toEqual([]);
  });

  test("a stream that keeps up loses nothing", async () => {
    const log = streamLog();
    const logger = memoryLogger();
    const writer = new DecisionLogWriter(log.stream, logger, 4096);
    for (let i = 0; i < 1000; i++) writer.write(JSON.stringify({ n: i }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(writer.dropped).toBe(0);
    expect(log.entries()).toHaveLength(1000);
    expect(logger.warnings).toEqual([]);
  });
});
