import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type {
  DeserializeMiddleware,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  MiddlewareStack,
} from "@smithy/types";
import { describe, expect, test } from "vitest";
import type { KeycardDecision } from "./decision.js";
import { KeycardDeniedError } from "./errors.js";
import { keycardPlugin, withKeycard } from "./keycard-plugin.js";
import {
  clientConfig,
  loadOrdersPolicy,
  ROLE_ARN,
  sdkContext,
  stubHandler,
} from "./test-utils/fixtures.js";

// With `cacheMiddleware: true` the SDK resolves a command class's handler once and then runs
// every call of that class with ONE shared HandlerExecutionContext, concurrent calls included.

const Key = { id: { S: "1" } };
const json = { headers: { "content-type": "application/x-amz-json-1.0" }, body: "{}" };

async function settle(calls: Array<Promise<unknown>>): Promise<Array<"sent" | "denied">> {
  return Promise.all(
    calls.map((call) =>
      call.then(
        () => "sent" as const,
        (error: unknown) => {
          expect(error).toBeInstanceOf(KeycardDeniedError);
          return "denied" as const;
        },
      ),
    ),
  );
}

async function plugin(decisions: KeycardDecision[]) {
  return keycardPlugin({
    policy: await loadOrdersPolicy(),
    principalArn: ROLE_ARN,
    onDecision: (d) => decisions.push(d),
  });
}

function tableOf(request: { body?: unknown }): string {
  return (JSON.parse(String(request.body)) as { TableName: string }).TableName;
}

describe("cacheMiddleware: true", () => {
  test("calls one after the other are each decided on their own input", async () => {
    const decisions: KeycardDecision[] = [];
    const handler = stubHandler(json);
    const ddb = withKeycard(
      new DynamoDBClient(clientConfig(handler, { cacheMiddleware: true })),
      await plugin(decisions),
    );
    for (const TableName of ["orders", "secret", "orders", "secret"]) {
      const outcome = await settle([ddb.send(new GetItemCommand({ TableName, Key }))]);
      expect(outcome).toEqual([TableName === "orders" ? "sent" : "denied"]);
    }
    expect(handler.requests.map(tableOf)).toEqual(["orders", "orders"]);
    expect(decisions.map((d) => d.requests[0]!.resource.split("/")[1])).toEqual([
      "orders",
      "secret",
      "orders",
      "secret",
    ]);
  });

  test("a call overlapping another of its command class is refused before it touches the shared context", async () => {
    const decisions: KeycardDecision[] = [];
    const handler = stubHandler({});
    const s3 = withKeycard(
      new S3Client(clientConfig(handler, { cacheMiddleware: true, forcePathStyle: true })),
      await plugin(decisions),
    );
    // From the very first call (the caller and the IAM reference still loading) and after.
    for (let round = 0; round < 3; round++) {
      const buckets = ["orders", "payroll", "orders", "payroll"];
      const first = buckets[round % 2 === 0 ? 0 : 1]!;
      if (round % 2 === 1) buckets.reverse();
      const outcomes = await settle(
        buckets.map((Bucket, i) =>
          s3.send(new PutObjectCommand({ Bucket, Key: `${round}/${i}.json`, Body: "{}" })),
        ),
      );
      // Only the first call of the burst goes on, decided on its own bucket.
      expect(outcomes).toEqual([
        first === "orders" ? "sent" : "denied",
        "denied",
        "denied",
        "denied",
      ]);
    }
    // Without the refusal the SDK sends calls checked for `orders` to `payroll`'s endpoint.
    expect(handler.requests.map((r) => r.path.split("/")[1])).toEqual(["orders", "orders"]);
    const shared = decisions.filter((d) => d.reason?.includes("cacheMiddleware"));
    expect(shared).toHaveLength(9);
    for (const decision of decisions.filter((d) => !shared.includes(d))) {
      expect(decision.allow).toBe(
        decision.requests[0]!.resource.startsWith("arn:aws:s3:::orders/"),
      );
    }
  });

  test("audit mode sends overlapping calls and reports each", async () => {
    const decisions: KeycardDecision[] = [];
    const handler = stubHandler(json);
    const ddb = withKeycard(new DynamoDBClient(clientConfig(handler, { cacheMiddleware: true })), {
      policy: await loadOrdersPolicy(),
      principalArn: ROLE_ARN,
      mode: "audit",
      logger: { warn: () => undefined, error: () => undefined },
      onDecision: (d) => decisions.push(d),
    });
    const outcomes = await settle(
      ["orders", "orders"].map((TableName) => ddb.send(new GetItemCommand({ TableName, Key }))),
    );
    expect(outcomes).toEqual(["sent", "sent"]);
    expect(decisions.filter((d) => d.reason?.includes("cacheMiddleware"))).toHaveLength(1);
  });

  test("without cacheMiddleware, concurrent calls each have their own context and go on", async () => {
    const handler = stubHandler(json);
    const ddb = withKeycard(new DynamoDBClient(clientConfig(handler)), await plugin([]));
    const tables = ["orders", "secret", "orders", "secret", "orders"];
    const outcomes = await settle(
      tables.map((TableName) => ddb.send(new GetItemCommand({ TableName, Key }))),
    );
    expect(outcomes).toEqual(tables.map((t) => (t === "orders" ? "sent" : "denied")));
    expect(handler.requests.map(tableOf)).toEqual(["orders", "orders", "orders"]);
  });

  test("a call that goes through the copy step again, as S3's region redirect does, is not refused", async () => {
    for (const cacheMiddleware of [false, true]) {
      const handler = stubHandler(json);
      const ddb = withKeycard(
        new DynamoDBClient(clientConfig(handler, { cacheMiddleware })),
        await plugin([]),
      );
      ddb.middlewareStack.add(
        (next) => async (args) => {
          await next(args);
          return next(args);
        },
        { step: "initialize", priority: "high", name: "again" },
      );
      for (let i = 0; i < 3; i++) await ddb.send(new GetItemCommand({ TableName: "orders", Key }));
      expect(handler.requests.map(tableOf)).toEqual(Array(6).fill("orders"));
    }
  });

  test("keycard applied after a client cached its handlers still checks every call", async () => {
    const handler = stubHandler(json);
    const ddb = new DynamoDBClient(clientConfig(handler, { cacheMiddleware: true }));
    await ddb.send(new GetItemCommand({ TableName: "orders", Key }));
    withKeycard(ddb, await plugin([]));
    await expect(ddb.send(new GetItemCommand({ TableName: "secret", Key }))).rejects.toBeInstanceOf(
      KeycardDeniedError,
    );
    await ddb.send(new GetItemCommand({ TableName: "orders", Key }));
    expect(handler.requests).toHaveLength(2);
  });
});

describe("the gate passes exactly the calls the check passed", () => {
  /** The check and the gate of one plugin, as a stack would hold them. */
  async function checkAndGate(decisions: KeycardDecision[]) {
    let check: FinalizeRequestMiddleware<object, object> | undefined;
    let gate: DeserializeMiddleware<object, object> | undefined;
    (await plugin(decisions)).applyToStack({
      add(middleware: unknown, options: { step: string }) {
        if (options.step === "deserialize") gate = middleware as typeof gate;
      },
      addRelativeTo(middleware: FinalizeRequestMiddleware<object, object>) {
        check = middleware;
      },
    } as unknown as MiddlewareStack<object, object>);
    return { check: check!, gate: gate! };
  }

  test("another call sharing the checked call's context is not let through", async () => {
    const decisions: KeycardDecision[] = [];
    const { check, gate } = await checkAndGate(decisions);
    const context: HandlerExecutionContext = sdkContext();
    const sent: unknown[] = [];
    const send = gate(async (args) => {
      sent.push(args.input);
      return { response: {} };
    }, context);
    // The check passes its call on to the gate; a call that skips the check reaches the gate
    // with the same shared context but never went through the check.
    await check(
      (args) => send(args) as never,
      context,
    )({
      input: { Bucket: "orders", Key: "a.json" },
      request: {},
    });
    const unchecked = { Bucket: "payroll", Key: "a.json" };
    const error = await send({ input: unchecked, request: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeycardDeniedError);
    expect((error as KeycardDeniedError).decision.reason).toMatch(/check did not run/);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({ Bucket: "orders", Key: "a.json" });
  });
});
