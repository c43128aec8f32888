import { Readable } from "node:stream";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { loadPolicy } from "@keycard/engine";
import { RECORD_PROTOTYPE } from "@keycard/iam-map";
import { describe, expect, test } from "vitest";
import { KeycardDeniedError } from "./errors.js";
import {
  MAX_ARRAY_LENGTH,
  MAX_NODES,
  snapshotInput,
  UnreadableInputError,
} from "./input-snapshot.js";
import { withKeycard } from "./keycard-plugin.js";
import { clientConfig, ordersPolicy, ROLE_ARN, stubHandler } from "./test-utils/fixtures.js";

const Key = { id: { S: "1" } };
const json = { headers: { "content-type": "application/x-amz-json-1.0" }, body: "{}" };

function tablesSent(handler: ReturnType<typeof stubHandler>): string[] {
  return handler.requests.map(
    (r) => (JSON.parse(String(r.body)) as { TableName: string }).TableName,
  );
}

describe("snapshotInput", () => {
  test("copies plain data, keeps payloads by reference and unboxes primitives", () => {
    const bytes = new Uint8Array([1]);
    const body = Readable.from(["a"]);
    const input = { A: [1, "x", { b: null }], When: new Date(5), Bytes: bytes, Body: body };
    const copy = snapshotInput(input) as typeof input;
    expect(copy).toEqual(input);
    expect(copy).not.toBe(input);
    expect(copy.A[2]).not.toBe(input.A[2]);
    expect(copy.Bytes).toBe(bytes);
    expect(copy.Body).toBe(body);
    expect(snapshotInput({ N: new String("t") })).toEqual({ N: "t" });
    const proto = JSON.parse('{"__proto__": {"x": 1}}') as object;
    expect(Object.getPrototypeOf(snapshotInput(proto))).toBe(RECORD_PROTOTYPE);
  });

  test("keeps members named like Object.prototype's as members of their own", () => {
    const input = JSON.parse(
      '{"__proto__": {"x": 1}, "constructor": "c", "toString": {"S": "t"}}',
    ) as Record<string, unknown>;
    const copy = snapshotInput(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(RECORD_PROTOTYPE);
    expect(Object.getOwnPropertyNames(copy)).toEqual(["__proto__", "constructor", "toString"]);
    expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).toEqual({ x: 1 });
    expect(copy["constructor"]).toBe("c");
    expect(copy["toString"]).toEqual({ S: "t" });
  });

  test("names the refused member by its path", () => {
    const nested = { A: [{ b: 1 }, {}] };
    Object.defineProperty(nested.A[1], "c", { get: () => 1, enumerable: true });
    expect(() => snapshotInput(nested)).toThrow("input not checked: A[1].c is an accessor");
    expect(() => snapshotInput({ X: { Y: [0, () => 1] } })).toThrow(
      "input not checked: X.Y[1] is a function",
    );
    expect(() => snapshotInput(new Proxy({}, {}))).toThrow(
      "input not checked: the input is a proxy",
    );
    // A refusal leaves nothing behind for the next copy.
    expect(snapshotInput({ A: [1] })).toEqual({ A: [1] });
  });

  test("copies DynamoDB's deepest nesting and refuses a cycle", () => {
    let value: object = { S: "leaf" };
    for (let i = 0; i < 32; i++) value = { M: { inner: value } };
    const item = { TableName: "orders", Item: { id: value } };
    expect(snapshotInput(item)).toEqual(item);
    const cycle: Record<string, unknown> = {};
    cycle["self"] = cycle;
    expect(() => snapshotInput(cycle)).toThrow(UnreadableInputError);
  });

  test("refuses what could answer two readers differently", () => {
    class Custom {
      TableName = "a";
    }
    for (const input of [
      {
        get TableName() {
          return "a";
        },
      },
      {
        Key: {
          id: {
            get S() {
              return "1";
            },
          },
        },
      },
      new Proxy({ TableName: "a" }, {}),
      { Key: new Proxy({}, {}) },
      new Custom(),
      { Key: Object.assign(Object.create(ArrayBuffer.prototype), { S: "a" }) },
      { Key: Readable.from(["a"]) },
      { f: () => 1 },
    ]) {
      expect(() => snapshotInput(input)).toThrow(UnreadableInputError);
    }
  });

  test("refuses a shared-reference graph whose copy would explode, and keeps small sharing", () => {
    let dag: object = {};
    for (let i = 0; i < 40; i++) dag = { a: dag, b: dag };
    expect(() => snapshotInput({ TableName: "orders", Extra: dag })).toThrow(/too large/);
    const shared = { S: "1" };
    expect(snapshotInput({ Key: { a: shared, b: shared } })).toEqual({
      Key: { a: shared, b: shared },
    });
  });

  test("refuses an over-long array before allocating for it", () => {
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    expect(() => snapshotInput({ Items: sparse })).toThrow(/array longer than/);
    const wide = new Array(MAX_ARRAY_LENGTH).fill(0);
    expect(() => snapshotInput({ A: wide, B: wide })).toThrow(/too large/);
    expect(() => snapshotInput({ A: new Array(MAX_NODES + 1).fill(0) })).toThrow(
      UnreadableInputError,
    );
  });
});

describe("the SDK sends exactly what keycard checked", () => {
  const policyPromise = loadPolicy({ iam: [{ name: "orders.json", document: ordersPolicy }] });

  test("a getter cannot show the serializer one table and keycard another", async () => {
    const policy = await policyPromise;
    const handler = stubHandler(json);
    const ddb = withKeycard(new DynamoDBClient(clientConfig(handler)), {
      policy,
      principalArn: ROLE_ARN,
      mode: "enforce",
    });
    let serialized = false;
    ddb.middlewareStack.add(
      (next) => async (args) => {
        serialized = true;
        return next(args);
      },
      { step: "build", name: "flipAfterSerializing" },
    );
    const flip = {
      Key,
      get TableName() {
        return serialized ? "orders" : "secret";
      },
    };
    const stack = {
      Key,
      get TableName() {
        return /iam-map|input-view/.test(new Error().stack ?? "") ? "orders" : "secret";
      },
    };
    for (const input of [flip, stack]) {
      serialized = false;
      const error = await ddb.send(new GetItemCommand(input)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeycardDeniedError);
      expect((error as KeycardDeniedError).decision.reason).toMatch(/accessor/);
    }
    expect(handler.requests).toHaveLength(0);
  });

  test("middleware after the copy step cannot hand the check a getter, another object or a proxy", async () => {
    // The check copies again rather than trusting the copy step's copy: command-stack middleware
    // runs after it and could otherwise show the serializer one table and keycard another.
    const policy = await policyPromise;
    const handler = stubHandler(json);
    const ddb = withKeycard(new DynamoDBClient(clientConfig(handler)), {
      policy,
      principalArn: ROLE_ARN,
      mode: "enforce",
    });
    const tamper: Record<string, (input: Record<string, unknown>) => object> = {
      getter(input) {
        let reads = 0;
        Object.defineProperty(input, "TableName", {
          get: () => (reads++ === 0 ? "secret" : "orders"),
          enumerable: true,
        });
        return input;
      },
      replaced: () => ({
        Key,
        get TableName() {
          return "orders";
        },
      }),
      proxy: (input) => new Proxy({ ...input, TableName: "orders" }, {}),
      nested: (input) => ({ ...input, Key: new Proxy({ id: { S: "1" } }, {}) }),
    };
    for (const [how, change] of Object.entries(tamper)) {
      const command = new GetItemCommand({ TableName: "secret", Key });
      command.middlewareStack.add(
        (next) => (args) =>
          next({
            ...args,
            input: change(args.input as unknown as Record<string, unknown>) as never,
          }),
        { step: "serialize", priority: "high", name: `tamper-${how}` },
      );
      const error = await ddb.send(command).catch((e: unknown) => e);
      expect(error, how).toBeInstanceOf(KeycardDeniedError);
      expect((error as KeycardDeniedError).decision.reason, how).toMatch(/accessor|proxy/);
    }
    expect(handler.requests).toHaveLength(0);
  });

  test("an input too large to copy is denied and not sent", async () => {
    const policy = await policyPromise;
    const handler = stubHandler(json);
    const ddb = withKeycard(new DynamoDBClient(clientConfig(handler)), {
      policy,
      principalArn: ROLE_ARN,
      mode: "enforce",
    });
    let dag: object = {};
    for (let i = 0; i < 40; i++) dag = { a: dag, b: dag };
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    for (const Extra of [dag, sparse]) {
      const input = { TableName: "orders", Key, Extra } as never;
      const error = await ddb.send(new GetItemCommand(input)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeycardDeniedError);
      expect((error as KeycardDeniedError).decision.reason).toMatch(/too large|array longer/);
    }
    expect(handler.requests).toHaveLength(0);
  });

  test("a proxy input is refused, a plain one sent as checked", async () => {
    const policy = await policyPromise;
    const handler = stubHandler(json);
    const ddb = withKeycard(new DynamoDBClient(clientConfig(handler)), {
      policy,
      principalArn: ROLE_ARN,
      mode: "enforce",
    });
    const proxy = new Proxy({ TableName: "orders", Key }, {});
    await expect(ddb.send(new GetItemCommand(proxy))).rejects.toBeInstanceOf(KeycardDeniedError);
    await ddb.send(new GetItemCommand({ TableName: "orders", Key }));
    expect(tablesSent(handler)).toEqual(["orders"]);
  });

  test("audit mode sends an unreadable input but reports it denied", async () => {
    const policy = await policyPromise;
    const handler = stubHandler(json);
    const reasons: Array<string | undefined> = [];
    const ddb = withKeycard(new DynamoDBClient(clientConfig(handler)), {
      policy,
      principalArn: ROLE_ARN,
      mode: "audit",
      logger: { warn() {}, error() {} },
      onDecision: (d) => reasons.push(d.reason),
    });
    await ddb.send(
      new GetItemCommand({
        Key,
        get TableName() {
          return "orders";
        },
      }),
    );
    expect(handler.requests).toHaveLength(1);
    expect(reasons).toEqual([expect.stringMatching(/TableName is an accessor/)]);
  });

  test("a stream body is passed on untouched", async () => {
    const policy = await policyPromise;
    const handler = stubHandler({});
    const s3 = withKeycard(new S3Client(clientConfig(handler, { forcePathStyle: true })), {
      policy,
      principalArn: ROLE_ARN,
      mode: "enforce",
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: "orders",
        Key: "a.json",
        Body: Readable.from([Buffer.from("{}")]),
        ContentLength: 2,
      }),
    );
    expect(handler.requests).toHaveLength(1);
  });
});
