import { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BatchGetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { loadPolicy, type PolicyStatement } from "@keycard/engine";
import type { HttpRequest, HttpResponse } from "@smithy/types";
import { afterEach, describe, expect, it } from "vitest";
import { keycardPlugin } from "./keycard-plugin.js";

// Code elsewhere in the process that turns against the application's own client: it holds
// neither the client nor its policy, and replaces no built-in function.

const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;
const credentials = {
  accessKeyId: "AKIAKEYCARDTEST00001",
  secretAccessKey: "x",
  accountId: ACCOUNT,
};
const logger = { warn() {}, error() {} };
const ITERATOR_PROTOTYPE = Object.getPrototypeOf(
  Object.getPrototypeOf([][Symbol.iterator]()),
) as object;

/** A request handler that keeps what would be sent and answers at once. */
function recorder(body = "") {
  const sent: Array<{ hostname: string; path: string; body: string }> = [];
  const handler = {
    async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
      sent.push({
        hostname: request.hostname,
        path: request.path,
        body: String(request.body ?? ""),
      });
      return {
        response: {
          statusCode: 200,
          headers: { "content-type": "application/json" },
          body: Readable.from([Buffer.from(body)]),
        },
      };
    },
  };
  return { sent, handler };
}

/** The application's policy: these statements, allowed by nothing else. */
function appPolicy(...statements: PolicyStatement[]) {
  return loadPolicy({
    iam: [{ name: "app.json", document: { Version: "2012-10-17", Statement: statements } }],
  });
}

/**
 * A setter on `Array.prototype[0]` that writes `forge(value)` in place of what is written and
 * takes itself out once it has changed something.
 */
function forgingOnce(forge: (value: unknown) => unknown): void {
  Object.defineProperty(Array.prototype, "0", {
    configurable: true,
    set(this: unknown[], value: unknown) {
      const written = forge(value);
      if (written !== value) delete (Array.prototype as unknown as Record<string, unknown>)["0"];
      Object.defineProperty(this, "0", {
        value: written,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    },
  });
}

/** The application's S3 client, in enforce mode, whose policy allows reading `orders` only. */
async function ordersClient() {
  const policy = await appPolicy({
    Effect: "Allow",
    Action: "s3:GetObject",
    Resource: "arn:aws:s3:::orders/*",
  });
  const { sent, handler } = recorder();
  const client = new S3Client({ region: "us-east-1", credentials, requestHandler: handler });
  client.middlewareStack.use(
    keycardPlugin({ policy, mode: "enforce", accountId: ACCOUNT, principalArn: ROLE, logger }),
  );
  return { client, sent };
}

afterEach(() => {
  delete (ITERATOR_PROTOTYPE as Record<string, unknown>)["return"];
  delete (Array.prototype as unknown as Record<string, unknown>)["0"];
});

describe("code in the process turning against the application's client", () => {
  it("refuses while a method is added where a loop ending early looks it up, so it never runs amid the check", async () => {
    const { client, sent } = await ordersClient();
    // Once called, the method plants a setter that makes a denied request read as an allowed
    // one while the call is mapped, and takes itself out.
    Object.defineProperty(ITERATOR_PROTOTYPE, "return", {
      configurable: true,
      value() {
        // Only from within the check made right before the call is mapped, after its look for
        // indexes: where a loop of the check's own would hand it control.
        const stack = new Error().stack ?? "";
        const within = stack.includes("addedProtocolHook") && stack.includes("decideFor");
        if (within && !Object.hasOwn(Array.prototype, "0"))
          forgingOnce((value) => {
            const request = value as { resource?: unknown } | null;
            return typeof request === "object" &&
              request !== null &&
              request.resource === "arn:aws:s3:::secret/b"
              ? { ...request, resource: "arn:aws:s3:::orders/b" }
              : value;
          });
        return { done: true, value: undefined };
      },
    });
    await expect(client.send(new GetObjectCommand({ Bucket: "secret", Key: "b" }))).rejects.toThrow(
      /code in the process changed a prototype: %IteratorPrototype%\.return was added/,
    );
    expect(sent).toEqual([]);
  });

  it("refuses a setter put in place while the call waited for its credentials, before copying the input with it", async () => {
    const policy = await appPolicy(
      { Effect: "Allow", Action: "secretsmanager:BatchGetSecretValue", Resource: "*" },
      {
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:allowed-secret-*`,
      },
    );
    const { sent, handler } = recorder('{"SecretValues":[],"Errors":[]}');
    const client = new SecretsManagerClient({
      region: "us-east-1",
      // Credentials that take a moment to resolve (a metadata endpoint, SSO): other code runs.
      credentials: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return credentials;
      },
      requestHandler: handler,
    });
    client.middlewareStack.use(
      keycardPlugin({ policy, mode: "enforce", accountId: ACCOUNT, principalArn: ROLE, logger }),
    );
    // A timer of the other code's fires during the wait: it would make the check's copy read an
    // allowed secret and take itself out, while the body the SDK serialized names the other.
    setTimeout(
      () => forgingOnce((value) => (value === "forbidden-secret" ? "allowed-secret" : value)),
      5,
    );
    await expect(
      client.send(new BatchGetSecretValueCommand({ SecretIdList: ["forbidden-secret"] })),
    ).rejects.toThrow(/Array\.prototype has the index 0/);
    expect(sent).toEqual([]);
  });

  it("refuses while Promise has a Symbol.hasInstance added, which would see the refusal before it is read", async () => {
    const { client, sent } = await ordersClient();
    // After one allowed call the guard answers at once, without a promise to wait for.
    await client.send(new GetObjectCommand({ Bucket: "orders", Key: "a" }));
    const native = Function.prototype[Symbol.hasInstance];
    Object.defineProperty(Promise, Symbol.hasInstance, {
      configurable: true,
      value(this: unknown, value: unknown) {
        const outcome = value as { refuse?: unknown } | null;
        if (typeof outcome === "object" && outcome !== null && outcome.refuse === true)
          Reflect.set(outcome, "refuse", false);
        return native.call(this, value);
      },
    });
    try {
      await expect(
        client.send(new PutObjectCommand({ Bucket: "secret", Key: "x", Body: "{}" })),
      ).rejects.toThrow(/Promise\[Symbol\.hasInstance\] was added/);
    } finally {
      delete (Promise as unknown as Record<symbol, unknown>)[Symbol.hasInstance];
    }
    expect(sent.map((request) => request.hostname)).not.toContain(
      "secret.s3.us-east-1.amazonaws.com",
    );
  });

  it("refuses while Uint8Array has a Symbol.species added, which would be handed the policy's answer", async () => {
    const { client, sent } = await ordersClient();
    await client.send(new GetObjectCommand({ Bucket: "orders", Key: "a" }));
    // A class that makes every view of the policy module's answer say allow.
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    function Forging(...args: unknown[]) {
      const real = new (Uint8Array as new (...given: unknown[]) => Uint8Array)(...args);
      const text = decoder.decode(real);
      return text.includes('"allow":false')
        ? encoder.encode(text.replaceAll('"allow":false', '"allow":true'))
        : real;
    }
    Object.defineProperty(Uint8Array, Symbol.species, {
      configurable: true,
      get(this: unknown) {
        return this === Uint8Array ? Forging : this;
      },
    });
    try {
      await expect(
        client.send(new GetObjectCommand({ Bucket: "payroll", Key: "salaries.csv" })),
      ).rejects.toThrow(/Uint8Array\[Symbol\.species\] was added/);
    } finally {
      delete (Uint8Array as unknown as Record<symbol, unknown>)[Symbol.species];
    }
    // Nor did the evaluation made meanwhile leave a forged decision for later calls.
    await expect(
      client.send(new GetObjectCommand({ Bucket: "payroll", Key: "salaries.csv" })),
    ).rejects.toThrow(/denied/);
    expect(sent.map((request) => request.hostname)).not.toContain(
      "payroll.s3.us-east-1.amazonaws.com",
    );
  });
});
