import { loadPolicy, type PolicyDocument } from "@keycard/engine";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { KeycardDecision } from "./decision.js";
import { keycardPlugin } from "./keycard-plugin.js";
import type { KeycardOptions } from "./options.js";
import {
  ACCOUNT,
  captureMiddleware,
  loadOrdersPolicy,
  memoryLogger,
  ROLE_ARN,
  sdkContext,
} from "./test-utils/fixtures.js";

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

async function settled(promise: Promise<unknown>): Promise<"sent" | "refused"> {
  return promise.then(
    () => "sent",
    () => "refused",
  );
}

describe("the decision memo", () => {
  const onlyOrders: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::orders/*" }],
  };
  const getObject = () => sdkContext({ command: "GetObjectCommand" });

  describe("a live policy", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    test.each([
      ["observed", {}],
      ["unobserved", { onDecision: undefined }],
    ])(
      "a policy swap in the same second is never answered from before it (%s)",
      async (_name, extra) => {
        // One second for every call: only the swap can tell the calls apart.
        vi.useFakeTimers({ toFake: ["Date"] });
        vi.setSystemTime(new Date("2026-01-01T00:00:00.100Z"));
        const allowing = await loadPolicy({ iam: [{ name: "p.json", document: onlyOrders }] });
        const denying = await loadPolicy({
          iam: [{ name: "p.json", document: { Version: "2012-10-17", Statement: [] } }],
        });
        const live = {
          current: allowing,
          generation: 1,
          evaluate(input: Parameters<typeof allowing.evaluate>[0]) {
            return this.current.evaluate(input);
          },
        };
        const { run } = await setup({ policy: live, ...extra });
        expect(await settled(run({ Bucket: "orders", Key: "a" }, getObject()))).toBe("sent");
        expect(await settled(run({ Bucket: "orders", Key: "a" }, getObject()))).toBe("sent");
        live.current = denying;
        live.generation = 2;
        expect(await settled(run({ Bucket: "orders", Key: "a" }, getObject()))).toBe("refused");
        live.current = allowing;
        live.generation = 3;
        expect(await settled(run({ Bucket: "orders", Key: "a" }, getObject()))).toBe("sent");
      },
    );
  });

  test("a non-enumerable member never reuses an earlier allow for another bucket", async () => {
    const policy = await loadPolicy({ iam: [{ name: "p.json", document: onlyOrders }] });
    const { run } = await setup({ policy, onDecision: undefined });
    expect(await settled(run({ Bucket: "orders", Key: "a" }, getObject()))).toBe("sent");
    const hidden = Object.defineProperty({ Key: "a" }, "Bucket", {
      value: "payroll",
      enumerable: false,
    });
    const base = Object.defineProperty({ Key: "a" }, "Bucket", {
      value: "orders",
      enumerable: false,
    });
    // Same enumerable members as each other: the first allow must not stand for the second.
    expect(await settled(run(base, getObject()))).toBe("sent");
    expect(await settled(run(hidden, getObject()))).toBe("refused");
  });

  test("an accessor member never makes an allow stand for another bucket", async () => {
    const policy = await loadPolicy({ iam: [{ name: "p.json", document: onlyOrders }] });
    const { run } = await setup({ policy, onDecision: undefined });
    let reads = 0;
    const shifty = {
      Key: "a",
      get Bucket() {
        reads++;
        return reads === 1 ? "payroll" : "orders";
      },
    };
    await settled(run(shifty, getObject()));
    expect(await settled(run({ Key: "a", Bucket: "payroll" }, getObject()))).toBe("refused");
  });

  test("the same evaluated requests reuse the decision even when the input cannot be keyed", async () => {
    const { run, decisions } = await setup();
    const odd = () =>
      Object.defineProperty({ Key: "a.json" }, "Bucket", { value: "orders", enumerable: false });
    await run(odd(), sdkContext({ command: "GetObjectCommand" }));
    await run(odd(), sdkContext({ command: "GetObjectCommand" }));
    expect(decisions.map((d) => d.allow)).toEqual([true, true]);
    expect(decisions[0]!.decisionId).not.toBe(decisions[1]!.decisionId);
  });
});

describe("callbacks", () => {
  test("an async onDecision that rejects is logged, never an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      const { run, logger } = await setup({
        onDecision: async () => {
          throw new Error("sink down");
        },
      });
      expect(await run({ Bucket: "orders", Key: "a.json" })).toEqual({ nextCalls: 1 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
      expect(logger.errors.join("\n")).toMatch(/onDecision.*sink down/);
    } finally {
      process.off("unhandledRejection", listener);
    }
  });

  test("a thenable whose then throws is logged too", async () => {
    const { run, logger } = await setup({
      onDecision: (() => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point
        then() {
          throw new Error("odd thenable");
        },
      })) as unknown as KeycardOptions["onDecision"],
    });
    expect(await run({ Bucket: "orders", Key: "a.json" })).toEqual({ nextCalls: 1 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(logger.errors.join("\n")).toMatch(/odd thenable/);
  });

  test("the account fixture is the one decisions carry", async () => {
    const { run, decisions } = await setup();
    await run({ Bucket: "orders", Key: "a.json" });
    expect(decisions[0]!.principal.accountId).toBe(ACCOUNT);
  });
});

describe("what the engine reports", () => {
  test("unknown parts and condition failures reach the decision and the denial", async () => {
    const failure = {
      statement: { document: "p.json", statementIndex: 0, effect: "Allow" as const },
      operator: "StringEquals",
      key: "aws:PrincipalTag/team",
      values: ["orders"],
    };
    const policy = {
      evaluate: () => ({
        allow: false,
        requests: [
          {
            action: "s3:PutObject",
            resource: "arn:aws:s3:::orders/a.json",
            allow: false,
            reason: "implicitly denied",
            matched: [],
            unknown: ["aws:PrincipalTag/team"],
            conditionFailures: [failure],
          },
        ],
      }),
    };
    const { run, decisions } = await setup({ policy });
    const error = await run({ Bucket: "orders", Key: "a.json" }).catch((e: unknown) => e);
    expect(decisions[0]!.requests[0]).toMatchObject({
      unknown: ["aws:PrincipalTag/team"],
      conditionFailures: [failure],
    });
    expect(String(error)).toMatch(
      /p\.json statement 0 matched but its condition aws:PrincipalTag\/team/,
    );
    expect(String(error)).not.toContain('"Effect":"Allow"');
  });
});

describe("Object.prototype changed while a first call waits", () => {
  const proto = Object.prototype as Record<string, unknown>;
  afterEach(() => {
    delete proto["operation"];
    delete proto["decision"];
  });

  test("a member added while the IAM reference loads is refused, not taken for a decision", async () => {
    const { run, decisions } = await setup();
    const queue = { QueueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/jobs` };
    // Runs at the first wait of the client's first call, after the check on entry.
    queueMicrotask(() => {
      Object.defineProperty(Object.prototype, "decision", {
        value: { allow: true, requests: [] },
        configurable: true,
      });
    });
    const first = sdkContext({ client: "SQSClient", command: "DeleteQueueCommand" });
    expect(await settled(run(queue, first))).toBe("refused");
    expect(decisions.at(-1)?.reason).toContain("Object.prototype");
  });

  test("a member added while the region was resolved refuses the call and shapes no later call", async () => {
    const { run, decisions } = await setup();
    const queue = { QueueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/jobs` };
    // The region comes from the client's configuration, so the first call waits for it; the
    // member makes every operation without a rule of its own map to no request at all.
    const region = async () => {
      proto["operation"] = () => () => {};
      return "us-east-1";
    };
    const first = sdkContext({
      client: "SQSClient",
      command: "DeleteQueueCommand",
      region: undefined,
      config: { region },
    });
    expect(await settled(run(queue, first))).toBe("refused");
    expect(decisions.at(-1)?.reason).toContain("Object.prototype");
    delete proto["operation"];
    const later = sdkContext({ client: "SQSClient", command: "DeleteQueueCommand" });
    expect(await settled(run(queue, later))).toBe("refused");
    expect(decisions.at(-1)?.requests.map((r) => r.action)).toEqual(["sqs:DeleteQueue"]);
  });
});
