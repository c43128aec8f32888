import { PassThrough, Readable } from "node:stream";
import { loadPolicy } from "@keycard/engine";
import { describe, expect, test } from "vitest";
import type { KeycardDecision } from "./decision.js";
import { KeycardDeniedError } from "./errors.js";
import { keycardPlugin } from "./keycard-plugin.js";
import type { KeycardOptions } from "./options.js";
import {
  ACCOUNT,
  captureMiddleware,
  credentials,
  loadOrdersPolicy,
  memoryLogger,
  ROLE_ARN,
  sdkContext,
} from "./test-utils/fixtures.js";

const put = { Bucket: "orders", Key: "a.json", Body: "{}" };
const deleteBucket = sdkContext({ command: "DeleteBucketCommand" });

async function setup(options: Partial<KeycardOptions> = {}) {
  const decisions: KeycardDecision[] = [];
  const logger = memoryLogger();
  const plugin = keycardPlugin({
    policy: await loadOrdersPolicy(),
    principalArn: ROLE_ARN,
    logger,
    onDecision: (d) => decisions.push(d),
    ...options,
  });
  return { ...captureMiddleware(plugin), decisions, logger, plugin };
}

async function rejection(promise: Promise<unknown>): Promise<KeycardDeniedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeycardDeniedError);
  return error as KeycardDeniedError;
}

describe("placement", () => {
  test("sits in finalizeRequest before retryMiddleware, under a name of its own that never overrides", async () => {
    const { options } = await setup();
    expect(options).toMatchObject({
      step: "finalizeRequest",
      relation: "before",
      toMiddleware: "retryMiddleware",
      override: false,
    });
    expect(options.name).toMatch(/^keycardMiddleware-[0-9a-f]{32}$/);
  });
});

describe("enforce mode", () => {
  test("an allowed call goes to next once, with the policy's reason", async () => {
    const { run, decisions } = await setup();
    expect(await run(put)).toEqual({ nextCalls: 1 });
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      allow: true,
      mode: "enforce",
      service: "s3",
      operation: "PutObject",
      principal: { arn: ROLE_ARN, accountId: ACCOUNT },
      requests: [
        {
          action: "s3:PutObject",
          resource: "arn:aws:s3:::orders/a.json",
          allow: true,
          reason: expect.stringContaining("ReadWriteOrderDocuments"),
        },
      ],
    });
    expect(decisions[0]!.decisionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("what the callback does to its decision changes neither the refusal nor the log", async () => {
    const stream = new PassThrough();
    let logged = "";
    stream.on("data", (chunk: Buffer) => {
      logged += chunk.toString("utf8");
    });
    const { middleware, logger } = await setup({
      mode: "audit",
      decisionLog: stream,
      onDecision: (d) => {
        d.allow = true;
        d.reason = "fine";
        d.requests.length = 0;
      },
    });
    const next = async () => ({ output: {}, response: {} });
    await middleware(next, deleteBucket)({ input: { Bucket: "orders" }, request: {} });
    expect(logger.warnings.join("\n")).toContain("would deny");
    expect(logged).toContain('"allow":false');
    expect(logged).not.toContain('"fine"');
    const enforced = await setup({ onDecision: (d) => void Object.assign(d, { reason: "fine" }) });
    const error = await rejection(
      enforced.middleware(next, deleteBucket)({ input: { Bucket: "orders" }, request: {} }),
    );
    expect(error.decision.reason).not.toBe("fine");
    expect(error.decision.requests).toHaveLength(1);
  });

  test("a denied call rejects with KeycardDeniedError and never reaches next", async () => {
    const { middleware, decisions } = await setup();
    let nextCalls = 0;
    const next = async () => {
      nextCalls++;
      return { output: {}, response: {} };
    };
    const error = await rejection(
      middleware(next, deleteBucket)({ input: { Bucket: "orders" }, request: {} }),
    );
    expect(nextCalls).toBe(0);
    expect(error.name).toBe("KeycardDeniedError");
    expect(error.code).toBe("AccessDeniedByPolicy");
    // The callback gets a copy of its own.
    expect(error.decision).toEqual(decisions[0]);
    expect(error.decision).not.toBe(decisions[0]);
    expect(error.decision.allow).toBe(false);
    expect(error.message).toContain("s3:DeleteBucket on arn:aws:s3:::orders");
    expect(error.message).toContain(
      '{"Effect":"Allow","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::orders"}',
    );
  });

  test("every request must be allowed: one denied request denies the call", async () => {
    const { run, decisions } = await setup();
    const context = sdkContext({ command: "CopyObjectCommand" });
    await rejection(
      run({ Bucket: "orders", Key: "copy.json", CopySource: "elsewhere/a.json" }, context),
    );
    const [decision] = decisions;
    expect(decision!.requests.map((r) => [r.action, r.allow])).toEqual([
      ["s3:GetObject", false],
      ["s3:PutObject", true],
    ]);
  });

  test("the same call repeated in quick succession gets a new decision id and the same verdict", async () => {
    const { run, decisions } = await setup();
    for (let i = 0; i < 3; i++) await run(put);
    await rejection(run({ ...put, Bucket: "other" }));
    expect(new Set(decisions.map((d) => d.decisionId)).size).toBe(4);
    expect(decisions.map((d) => d.allow)).toEqual([true, true, true, false]);
    // Decisions handed out are independent objects.
    decisions[0]!.requests[0]!.allow = false;
    await run(put);
    expect(decisions[4]!.requests[0]!.allow).toBe(true);
  });

  test("an operation AWS checks no permission for is allowed without evaluation", async () => {
    const { run, decisions } = await setup();
    const context = sdkContext({ client: "STSClient", command: "GetCallerIdentityCommand" });
    expect(await run({}, context)).toEqual({ nextCalls: 1 });
    expect(decisions[0]).toMatchObject({ allow: true, service: "sts", requests: [] });
    expect(decisions[0]!.reason).toBeTruthy();
  });

  test("alsoMayNeed is reported when the mapping has it", async () => {
    const { run, decisions } = await setup();
    await run(put);
    expect(decisions[0]!.alsoMayNeed).toEqual([
      { action: "kms:GenerateDataKey", resource: expect.any(String) },
    ]);
  });
});

describe("audit mode", () => {
  test("sends denied calls and warns about the would-be denial", async () => {
    const { run, decisions, logger } = await setup({ mode: "audit" });
    expect(await run({ Bucket: "orders" }, deleteBucket)).toEqual({ nextCalls: 1 });
    expect(decisions[0]).toMatchObject({ allow: false, mode: "audit" });
    expect(logger.warnings).toEqual([
      expect.stringContaining(
        "would deny S3Client DeleteBucket: s3:DeleteBucket on arn:aws:s3:::orders",
      ),
    ]);
  });

  test("allowed calls are not warned about", async () => {
    const { run, logger } = await setup({ mode: "audit" });
    await run(put);
    expect(logger.warnings).toEqual([]);
  });
});

describe("learn mode", () => {
  test("sends everything and records the distinct requests, with or without a policy", async () => {
    for (const policy of [undefined, await loadOrdersPolicy()]) {
      const { run, plugin, decisions } = await setup({ mode: "learn", policy });
      await run(put);
      await run(put);
      expect(await run({ Bucket: "orders" }, deleteBucket)).toEqual({ nextCalls: 1 });
      expect(plugin.learned()).toEqual([
        expect.objectContaining({
          action: "s3:PutObject",
          resource: "arn:aws:s3:::orders/a.json",
          count: 2,
        }),
        expect.objectContaining({
          action: "s3:DeleteBucket",
          resource: "arn:aws:s3:::orders",
          count: 1,
        }),
      ]);
      expect(decisions.every((d) => d.mode === "learn")).toBe(true);
      expect(decisions[2]!.allow).toBe(policy === undefined);
    }
  });
});

describe("unmapped operations", () => {
  const unknownOp = sdkContext({ command: "FrobnicateBucketCommand" });
  const unknownClient = sdkContext({ client: "NoSuchServiceClient", command: "DoThingCommand" });

  test("enforce denies them by default and warns once, naming the operation", async () => {
    const { run, decisions, logger } = await setup();
    const error = await rejection(run({ Bucket: "orders" }, unknownOp));
    await rejection(run({ Bucket: "orders" }, unknownOp));
    await rejection(run({}, unknownClient));
    expect(error.message).toContain("FrobnicateBucket");
    expect(decisions[0]).toMatchObject({
      allow: false,
      requests: [],
      reason: expect.stringContaining("not mapped"),
    });
    expect(logger.warnings).toEqual([
      expect.stringContaining("S3Client FrobnicateBucket"),
      expect.stringContaining("NoSuchServiceClient DoThing"),
    ]);
    expect(decisions[2]!.service).toBe("NoSuchServiceClient");
  });

  test('unmapped: "allow" sends them, still with a warning', async () => {
    const { run, decisions, logger } = await setup({ unmapped: "allow" });
    expect(await run({}, unknownOp)).toEqual({ nextCalls: 1 });
    expect(decisions[0]!.allow).toBe(true);
    expect(logger.warnings).toHaveLength(1);
  });

  test("audit and learn send them", async () => {
    for (const mode of ["audit", "learn"] as const) {
      const { run, decisions } = await setup({ mode });
      expect(await run({}, unknownOp)).toEqual({ nextCalls: 1 });
      expect(decisions[0]!.allow).toBe(false);
    }
  });
});

describe("bad input never crashes the client", () => {
  const odd: Array<[string, object]> = [
    ["undefined members", { Bucket: "orders", Key: undefined, Body: undefined }],
    ["a very long key", { Bucket: "orders", Key: `k/${"x".repeat(100_000)}`, Body: "" }],
    ["unicode", { Bucket: "orders", Key: "réçu/🧾 订单.json", Body: "✓" }],
    ["a stream body", { Bucket: "orders", Key: "s.bin", Body: Readable.from(["a", "b"]) }],
    ["bytes", { Bucket: "orders", Key: "b.bin", Body: new Uint8Array(10) }],
    [
      "a getter that throws",
      Object.defineProperty({ Bucket: "orders", Key: "g" }, "Body", {
        get() {
          throw new Error("boom");
        },
        enumerable: true,
      }),
    ],
    [
      "a cycle",
      (() => {
        const o: Record<string, unknown> = { Bucket: "orders", Key: "c" };
        o["Self"] = o;
        return o;
      })(),
    ],
  ];

  test.each(odd)(
    "%s: enforce decides (never throws anything but a denial)",
    async (_name, input) => {
      const { run, decisions } = await setup();
      const outcome = await run(input).catch((e: unknown) => e);
      if (!(outcome instanceof KeycardDeniedError)) expect(outcome).toEqual({ nextCalls: 1 });
      expect(decisions).toHaveLength(1);
    },
  );

  test.each(odd)("%s: audit sends", async (_name, input) => {
    const { run } = await setup({ mode: "audit" });
    expect(await run(input)).toEqual({ nextCalls: 1 });
  });

  test("unicode keys map and are allowed under orders/*", async () => {
    const { run, decisions } = await setup();
    await run({ Bucket: "orders", Key: "réçu/🧾.json" });
    expect(decisions[0]!.requests[0]!.resource).toBe("arn:aws:s3:::orders/réçu/🧾.json");
  });

  test("a missing region denies in enforce mode with a reason, and sends in audit mode", async () => {
    const context = sdkContext({ region: undefined });
    const enforce = await setup();
    const error = await rejection(enforce.run(put, context));
    expect(error.decision.reason).toMatch(/no region/);
    const audit = await setup({ mode: "audit" });
    expect(await audit.run(put, context)).toEqual({ nextCalls: 1 });
  });

  test("the client's configured region is used when the call carries none", async () => {
    const { run, decisions } = await setup();
    await run(put, sdkContext({ region: undefined, config: { region: async () => "us-east-1" } }));
    expect(decisions[0]!.allow).toBe(true);
  });

  test("an unknown account denies in enforce mode, naming the cause", async () => {
    const context = sdkContext({ identity: { token: "not-credentials" } });
    const { run } = await setup({ principalArn: undefined });
    const error = await rejection(run(put, context));
    expect(error.decision.reason).toMatch(/cannot determine the caller's account/);
    const audit = await setup({ mode: "audit", principalArn: undefined });
    expect(await audit.run(put, context)).toEqual({ nextCalls: 1 });
  });

  test("no identity at all (anonymous) is fine with accountId given", async () => {
    const { run } = await setup({ accountId: ACCOUNT, principalArn: undefined });
    expect(await run(put, sdkContext({ identity: undefined }))).toEqual({ nextCalls: 1 });
  });

  test("an empty context denies in enforce mode and sends in audit mode", async () => {
    const enforce = await setup();
    const error = await rejection(
      enforce.middleware(
        async () => ({ output: {}, response: {} }),
        {},
      )({ input: {}, request: {} }),
    );
    expect(error.decision.allow).toBe(false);
    const audit = await setup({ mode: "audit" });
    let sent = 0;
    await audit.middleware(async () => {
      sent++;
      return { output: {}, response: {} };
    }, {})({ input: {}, request: {} });
    expect(sent).toBe(1);
  });
});

describe("internal errors", () => {
  const broken = {
    evaluate(): never {
      throw new Error("evaluator exploded");
    },
  };

  test("enforce fails closed with a reason naming the cause, and keeps the cause", async () => {
    const { run, logger } = await setup({ policy: broken });
    const error = await rejection(run(put));
    expect(error.decision.reason).toBe("internal error: evaluator exploded");
    expect(error.cause).toBeInstanceOf(Error);
    expect(logger.errors).toEqual([expect.stringContaining("evaluator exploded")]);
  });

  test("audit and learn log and send", async () => {
    for (const mode of ["audit", "learn"] as const) {
      const { run, logger } = await setup({ policy: broken, mode });
      expect(await run(put)).toEqual({ nextCalls: 1 });
      expect(logger.errors).toHaveLength(1);
    }
  });

  test("an onDecision that throws is logged and does not change the outcome", async () => {
    const { run, logger } = await setup({
      onDecision: () => {
        throw new Error("callback failed");
      },
    });
    expect(await run(put)).toEqual({ nextCalls: 1 });
    expect(logger.errors).toEqual([expect.stringContaining("callback failed")]);
  });
});

describe("the caller", () => {
  test("credential source and MFA from the identity reach the policy as keycard context keys", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: "s3:PutObject",
              Resource: "*",
              Condition: {
                StringEquals: { "keycard:CredentialSource": "instance-metadata" },
                Bool: { "keycard:MultiFactorAuthPresent": "false" },
              },
            },
          ],
        },
      ],
    });
    const decisions: KeycardDecision[] = [];
    const { run } = captureMiddleware(
      keycardPlugin({ policy, principalArn: ROLE_ARN, onDecision: (d) => decisions.push(d) }),
    );
    const labelled = { ...credentials, source: "instance-metadata", mfa: false };
    expect(await run(put, sdkContext({ identity: labelled }))).toEqual({ nextCalls: 1 });
    expect(decisions[0]!.principal.source).toBe("instance-metadata");
    const fromKeys = { ...credentials, source: "static", mfa: false };
    await rejection(run(put, sdkContext({ identity: fromKeys })));
    await rejection(run(put));
  });

  test("a role session is evaluated as its role", async () => {
    const { run, decisions } = await setup({
      principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/orders/i-0abc`,
    });
    await run(put);
    expect(decisions[0]!.principal.arn).toBe(ROLE_ARN);
  });

  test("plain HTTP endpoints set aws:SecureTransport to false", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "s3:PutObject", Resource: "*" },
            {
              Effect: "Deny",
              Action: "*",
              Resource: "*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        },
      ],
    });
    const { run } = captureMiddleware(keycardPlugin({ policy, principalArn: ROLE_ARN }));
    expect(await run(put)).toEqual({ nextCalls: 1 });
    const error = await rejection(run(put, sdkContext({ protocol: "http:" })));
    expect(error.message).toContain("explicitly denied");
    expect(error.message).toContain("cannot override an explicit Deny");
  });
});
