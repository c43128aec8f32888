import { describe, expect, it } from "vitest";
import { type EvaluationInput, loadPolicy, type Policy, type ResourceEvaluator } from "./index.js";

const ORDERS = "arn:aws:s3:::orders";

/** Allows writing orders, denies the secret ones, and denies writing without TLS. */
async function ordersPolicy(): Promise<Policy> {
  return loadPolicy({
    iam: [
      {
        name: "orders.json",
        document: {
          Version: "2012-10-17",
          Statement: [
            { Sid: "Write", Effect: "Allow", Action: "s3:PutObject", Resource: `${ORDERS}/*` },
            { Sid: "Secret", Effect: "Deny", Action: "s3:*", Resource: `${ORDERS}/secret/*` },
            {
              Sid: "Tls",
              Effect: "Deny",
              Action: "s3:*",
              Resource: "*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        },
      },
    ],
    checkActions: false,
  });
}

function evaluatorOf(policy: Policy, input: EvaluationInput): ResourceEvaluator {
  const evaluator = policy.resourceEvaluator?.(input);
  if (evaluator === undefined) throw new Error("a loaded policy has resource evaluators");
  return evaluator;
}

const put = (resource: string, secure: boolean): EvaluationInput => ({
  region: "us-east-1",
  requests: [
    {
      action: "s3:PutObject",
      resource,
      context: Object.freeze({ "aws:SecureTransport": secure }),
    },
  ],
});

describe("resource evaluators", () => {
  it("decide each resource as evaluate does, a denied one between allowed ones included", async () => {
    const policy = await ordersPolicy();
    const evaluator = evaluatorOf(policy, put(`${ORDERS}/a.json`, true));
    const resources = [
      `${ORDERS}/b.json`,
      `${ORDERS}/secret/c.json`,
      `${ORDERS}/d.json`,
      `${ORDERS}/secret/e.json`,
      "arn:aws:s3:::payroll/f.json",
      `${ORDERS}/g.json`,
    ];
    const got = resources.map((r) => evaluator.evaluate(r));
    expect(got.map((d) => d.allow)).toEqual([true, false, true, false, false, true]);
    for (const [i, resource] of resources.entries()) {
      expect(got[i]).toEqual(policy.evaluate(put(resource, true)));
      expect(got[i]?.requests[0]?.resource).toBe(resource);
    }
    // Most of them from decisions made for earlier resources, without the library.
    expect(policy.stats().reusedDecisions).toBeGreaterThanOrEqual(3);
  });

  it("keep the context they read: changing the input afterwards changes nothing", async () => {
    const policy = await ordersPolicy();
    const context: Record<string, boolean> = { "aws:SecureTransport": true };
    const input: EvaluationInput = {
      region: "us-east-1",
      requests: [{ action: "s3:PutObject", resource: `${ORDERS}/a.json`, context }],
    };
    const evaluator = evaluatorOf(policy, input);
    expect(evaluator.evaluate(`${ORDERS}/b.json`).allow).toBe(true);
    context["aws:SecureTransport"] = false;
    (input.requests[0] as { action: string }).action = "s3:DeleteObject";
    expect(evaluator.evaluate(`${ORDERS}/c.json`)).toEqual(
      policy.evaluate(put(`${ORDERS}/c.json`, true)),
    );
    // And a template read while denied stays denied for every resource.
    const insecure = evaluatorOf(policy, put(`${ORDERS}/a.json`, false));
    expect(insecure.evaluate(`${ORDERS}/b.json`).allow).toBe(false);
    expect(insecure.evaluate(`${ORDERS}/b.json`).requests[0]?.explicitDeny).toBe(true);
  });

  it("read a getter once, whatever it answers later", async () => {
    const policy = await ordersPolicy();
    let reads = 0;
    const request = {
      resource: `${ORDERS}/a.json`,
      context: Object.freeze({ "aws:SecureTransport": true }),
      get action() {
        reads++;
        return reads === 1 ? "s3:PutObject" : "s3:DeleteBucket";
      },
    };
    const evaluator = evaluatorOf(policy, { region: "us-east-1", requests: [request] });
    const first = evaluator.evaluate(`${ORDERS}/b.json`);
    const second = evaluator.evaluate(`${ORDERS}/c.json`);
    expect(reads).toBe(1);
    expect(first.requests[0]?.action).toBe("s3:PutObject");
    expect(second.requests[0]?.action).toBe("s3:PutObject");
  });

  it("deny what a full read refuses, with evaluate's reason", async () => {
    const policy = await ordersPolicy();
    const evaluator = evaluatorOf(policy, put(`${ORDERS}/a.json`, true));
    const odd: unknown[] = [
      "",
      `${ORDERS}/a\u0000.json`,
      `${ORDERS}/\ud800.json`,
      `${ORDERS}/${"k".repeat(5000)}`,
      42,
      undefined,
      { toString: () => `${ORDERS}/b.json` },
    ];
    for (const resource of odd) {
      const got = evaluator.evaluate(resource as string);
      expect(got.allow).toBe(false);
      for (const request of got.requests) expect(request.reason).toMatch(/^cannot evaluate: /);
      expect(got).toEqual(policy.evaluate(put(resource as string, true)));
    }
    // The refusals left nothing behind: the next resource is decided as before.
    expect(evaluator.evaluate(`${ORDERS}/b.json`).allow).toBe(true);
  });

  it("refuse, for every resource, an input evaluate refuses or one naming several requests", async () => {
    const policy = await ordersPolicy();
    const unreadable = {
      region: "us-east-1",
      get requests(): never {
        throw new Error("not today");
      },
    };
    const two: EvaluationInput = {
      region: "us-east-1",
      requests: [
        { action: "s3:PutObject", resource: `${ORDERS}/a.json` },
        { action: "s3:PutObject", resource: `${ORDERS}/b.json` },
      ],
    };
    for (const input of [unreadable as unknown as EvaluationInput, two]) {
      const evaluator = evaluatorOf(policy, input);
      const first = evaluator.evaluate(`${ORDERS}/c.json`);
      expect(first.allow).toBe(false);
      // Each call's denial is its own: changing one does not change the next.
      (first as { allow: boolean }).allow = true;
      expect(evaluator.evaluate(`${ORDERS}/c.json`).allow).toBe(false);
    }
    expect(evaluatorOf(policy, two).evaluate(`${ORDERS}/c.json`).requests[0]?.reason).toContain(
      "a resource evaluator decides one request (got 2)",
    );
    expect(
      evaluatorOf(policy, unreadable as unknown as EvaluationInput).evaluate(`${ORDERS}/c.json`)
        .requests,
    ).toEqual([]);
  });

  it("hand out frozen decisions that later calls cannot be changed through", async () => {
    const policy = await ordersPolicy();
    const evaluator = evaluatorOf(policy, put(`${ORDERS}/a.json`, true));
    evaluator.evaluate(`${ORDERS}/secret/x.json`);
    const denied = evaluator.evaluate(`${ORDERS}/secret/y.json`);
    expect(Object.isFrozen(denied)).toBe(true);
    expect(Object.isFrozen(denied.requests)).toBe(true);
    expect(Object.isFrozen(denied.requests[0])).toBe(true);
    expect(() => {
      (denied as { allow: boolean }).allow = true;
    }).toThrow(TypeError);
    expect(evaluator.evaluate(`${ORDERS}/secret/z.json`).allow).toBe(false);
  });

  it("decide a partly known resource in full, from its known parts", async () => {
    const policy = await ordersPolicy();
    const input: EvaluationInput = {
      region: "us-east-1",
      requests: [
        {
          action: "s3:PutObject",
          resource: `${ORDERS}/*`,
          resourceParts: [`${ORDERS}/`, { unknown: "object key" }],
          context: { "aws:SecureTransport": true },
        },
      ],
    };
    const evaluator = evaluatorOf(policy, input);
    // The unknown key may be under secret/, which is denied: whatever text stands in for it.
    expect(evaluator.evaluate(`${ORDERS}/a.json`).allow).toBe(false);
    expect(evaluator.evaluate(`${ORDERS}/a.json`)).toEqual(
      policy.evaluate({
        ...input,
        requests: [{ ...input.requests[0]!, resource: `${ORDERS}/a.json` }],
      }),
    );
  });

  it("decide a request whose resource parts are all known by its parts, as evaluate does", async () => {
    const policy = await ordersPolicy();
    // A decision for orders/ that a new resource's text alone would reuse.
    expect(policy.evaluate(put(`${ORDERS}/seed.json`, true)).allow).toBe(true);
    const secret = `${ORDERS}/secret/a.json`;
    const input: EvaluationInput = {
      region: "us-east-1",
      requests: [
        {
          action: "s3:PutObject",
          resource: secret,
          resourceParts: [secret],
          context: Object.freeze({ "aws:SecureTransport": true }),
        },
      ],
    };
    const evaluator = evaluatorOf(policy, input);
    for (const resource of [`${ORDERS}/b.json`, `${ORDERS}/c.json`]) {
      const got = evaluator.evaluate(resource);
      expect(got.allow).toBe(false);
      expect(got).toEqual(
        policy.evaluate({ ...input, requests: [{ ...input.requests[0]!, resource }] }),
      );
    }
  });

  it("refuse what makes the input too long, counting context the policy never reads", async () => {
    const policy = await ordersPolicy();
    const input = (resource: string): EvaluationInput => ({
      region: "us-east-1",
      requests: [
        {
          action: "s3:PutObject",
          resource,
          context: { "aws:SecureTransport": true, "app:unread": "x".repeat(16 * 2 ** 20 - 200) },
        },
      ],
    });
    const evaluator = evaluatorOf(policy, input(`${ORDERS}/a.json`));
    expect(evaluator.evaluate(`${ORDERS}/b.json`).allow).toBe(true);
    const long = `${ORDERS}/${"k".repeat(1000)}`;
    const want = policy.evaluate(input(long));
    expect(want.allow).toBe(false);
    const got = evaluator.evaluate(long);
    expect(got.allow).toBe(false);
    expect(got.requests[0]?.reason).toBe(want.requests[0]?.reason);
  });

  it("refuse, as evaluate does, while every object inherits a toJSON", async () => {
    const policy = await ordersPolicy();
    const evaluator = evaluatorOf(policy, put(`${ORDERS}/a.json`, true));
    expect(evaluator.evaluate(`${ORDERS}/b.json`).allow).toBe(true);
    const proto = Object.prototype as Record<string, unknown>;
    proto["toJSON"] = function (this: unknown) {
      return this;
    };
    let got: ReturnType<ResourceEvaluator["evaluate"]>;
    let want: ReturnType<ResourceEvaluator["evaluate"]>;
    try {
      got = evaluator.evaluate(`${ORDERS}/c.json`);
      want = policy.evaluate(put(`${ORDERS}/c.json`, true));
    } finally {
      delete proto["toJSON"];
    }
    expect(want.allow).toBe(false);
    expect(got).toEqual(want);
  });

  it("keep nothing that code which ran while the input was read can change later", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          name: "acl.json",
          document: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: "s3:PutObject",
                Resource: `${ORDERS}/*`,
                Condition: { StringEquals: { "s3:x-amz-acl": "private" } },
              },
            ],
          },
        },
      ],
      checkActions: false,
    });
    const withAcl = (resource: string, acl: string): EvaluationInput => ({
      region: "us-east-1",
      requests: [{ action: "s3:PutObject", resource, context: { "s3:x-amz-acl": acl } }],
    });
    // An allow for a private object, which a forged template would reuse.
    expect(policy.evaluate(withAcl(`${ORDERS}/seed`, "private")).allow).toBe(true);
    // A getter that, while the input is read, puts a setter on Array.prototype that takes hold
    // of every list filled with a context entry.
    const taken: unknown[][] = [];
    const request = {
      action: "s3:PutObject",
      resource: `${ORDERS}/a`,
      get context() {
        Object.defineProperty(Array.prototype, "0", {
          configurable: true,
          set(this: unknown[], value: unknown) {
            Object.defineProperty(this, "0", {
              value,
              writable: true,
              enumerable: true,
              configurable: true,
            });
            if (Array.isArray(value) && value[0] === "s3:x-amz-acl") taken.push(this);
          },
        });
        return { "s3:x-amz-acl": "public-read" };
      },
    };
    let evaluator: ResourceEvaluator;
    try {
      evaluator = evaluatorOf(policy, { region: "us-east-1", requests: [request] });
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>)["0"];
    }
    expect(evaluator.evaluate(`${ORDERS}/b`).allow).toBe(false);
    for (const list of taken) {
      try {
        list[0] = ["s3:x-amz-acl", '"private"', "s3:x-amz-acl", "private"];
      } catch {
        // Frozen: the attempt changes nothing.
      }
    }
    // Refused when it was read (the setter was there), or decided as read: denied either way.
    const got = evaluator.evaluate(`${ORDERS}/c`);
    expect(got.allow).toBe(false);
    expect(policy.evaluate(withAcl(`${ORDERS}/c`, "public-read")).allow).toBe(false);
  });
});
