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
});
