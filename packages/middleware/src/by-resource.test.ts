import { type EvaluationInput, loadPolicy, type Policy } from "@keycard/engine";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { KeycardDecision } from "./decision.js";
import { KeycardDeniedError } from "./errors.js";
import { keycardPlugin } from "./keycard-plugin.js";
import type { KeycardOptions } from "./options.js";
import {
  captureMiddleware,
  loadOrdersPolicy,
  memoryLogger,
  ROLE_ARN,
  sdkContext,
} from "./test-utils/fixtures.js";

/** Allows writing orders, except under secret/. */
function ordersWithSecrets(): Promise<Policy> {
  return loadPolicy({
    iam: [
      {
        name: "secrets.json",
        document: {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::orders/*" },
            { Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::orders/secret/*" },
          ],
        },
      },
    ],
  });
}

/** A policy that counts how it is asked: full evaluations, evaluators made, and their calls. */
function counted(policy: Policy) {
  const counts = { evaluate: 0, evaluators: 0, byResource: 0 };
  const inputs: EvaluationInput[] = [];
  const wrapped: Pick<Policy, "evaluate" | "resourceEvaluator"> = {
    evaluate(input) {
      counts.evaluate++;
      return policy.evaluate(input);
    },
    resourceEvaluator(input) {
      counts.evaluators++;
      inputs.push(input);
      const evaluator = policy.resourceEvaluator?.(input);
      if (evaluator === undefined) throw new Error("a loaded policy has resource evaluators");
      return {
        evaluate(resource) {
          counts.byResource++;
          return evaluator.evaluate(resource);
        },
      };
    },
  };
  return { policy: wrapped, counts, inputs };
}

function setup(options: KeycardOptions) {
  const plugin = keycardPlugin({ principalArn: ROLE_ARN, logger: memoryLogger(), ...options });
  return captureMiddleware(plugin);
}

const put = (Key: string, Bucket = "orders") => ({ Bucket, Key, Body: "{}" });

describe("calls that differ only in what they act on", () => {
  // iam-map shares a class's context within one second (`aws:CurrentTime`): counts of
  // evaluations must not depend on where a second ends.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-12-02T12:00:00.000Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("are decided by their resource once their mapping is shared", async () => {
    const { policy, counts, inputs } = counted(await loadOrdersPolicy());
    const { run } = setup({ policy });
    for (let i = 0; i < 10; i++) expect((await run(put(`2024/${i}.json`))).nextCalls).toBe(1);
    // iam-map maps the first call afresh and shares the second's mapping with later calls;
    // the second is evaluated in full too, the third makes the evaluator, the rest use it.
    expect(counts).toEqual({ evaluate: 2, evaluators: 1, byResource: 8 });
    expect(inputs[0]?.requests).toHaveLength(1);
    expect(inputs[0]?.requests[0]?.resource).toBe("arn:aws:s3:::orders/2024/2.json");
  });

  test("never send a denied resource between allowed ones", async () => {
    const decisions: KeycardDecision[] = [];
    const { policy, counts } = counted(await ordersWithSecrets());
    const { run } = setup({ policy, onDecision: (d) => void decisions.push(d) });
    const keys = ["a.json", "b.json", "secret/c.json", "d.json", "secret/e.json", "f.json"];
    for (const key of keys) {
      const outcome = await run(put(key)).catch((error: unknown) => error);
      if (key.startsWith("secret/")) expect(outcome).toBeInstanceOf(KeycardDeniedError);
      else expect(outcome).toEqual({ nextCalls: 1 });
    }
    expect(counts.byResource).toBe(keys.length - 1);
    expect(decisions.map((d) => d.allow)).toEqual([true, true, false, true, false, true]);
    expect(decisions[4]?.requests[0]).toMatchObject({
      resource: "arn:aws:s3:::orders/secret/e.json",
      allow: false,
      explicitDeny: true,
    });
  });

  test("share no evaluator between regions", async () => {
    const { policy, counts } = counted(await loadOrdersPolicy());
    const { run } = setup({ policy });
    for (const key of ["a", "b", "c"]) await run(put(`${key}.json`));
    expect(counts.evaluators).toBe(1);
    // Another region maps to contexts of its own: its calls get an evaluator of their own.
    for (const key of ["d", "e", "f", "g"]) {
      await run(put(`${key}.json`), sdkContext({ region: "eu-west-1" }));
    }
    expect(counts).toEqual({ evaluate: 3, evaluators: 2, byResource: 4 });
  });

  test("fall back to evaluate for a policy without resource evaluators", async () => {
    const orders = await loadOrdersPolicy();
    let evaluations = 0;
    const { run } = setup({
      policy: {
        evaluate(input) {
          evaluations++;
          return orders.evaluate(input);
        },
      },
    });
    for (let i = 0; i < 5; i++) await run(put(`${i}.json`));
    const denied = await run(put("x.json", "payroll")).catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(KeycardDeniedError);
    expect(evaluations).toBe(6);
  });

  test("take no evaluator that code put on Object.prototype while the plugin was made", async () => {
    const orders = await loadOrdersPolicy();
    // A policy that swaps its rules offers evaluate alone.
    const live = { evaluate: (input: EvaluationInput) => orders.evaluate(input) };
    const proto = Object.prototype as Record<string, unknown>;
    proto["resourceEvaluator"] = () => ({ evaluate: () => ({ allow: true, requests: [] }) });
    let run: ReturnType<typeof setup>["run"];
    try {
      run = setup({ policy: live }).run;
    } finally {
      delete proto["resourceEvaluator"];
    }
    for (let i = 0; i < 6; i++) {
      const outcome = await run(put(`k${i}`, "secrets")).catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(KeycardDeniedError);
    }
  });

  test("call the policy's evaluator with no help from Function.prototype", async () => {
    const policy = await loadOrdersPolicy();
    const { bind, call } = Function.prototype;
    const forged = () => ({ evaluate: () => ({ allow: true, requests: [] }) });
    // Replaced while the plugin is made, and put back before any call.
    Function.prototype.bind = function (this: (...a: unknown[]) => unknown, ...args: unknown[]) {
      return this === policy.resourceEvaluator
        ? forged
        : bind.apply(this, args as [unknown, ...unknown[]]);
    } as typeof bind;
    Function.prototype.call = function (this: unknown, self: unknown, ...args: unknown[]) {
      return this === policy.resourceEvaluator
        ? forged()
        : Reflect.apply(this as (...a: unknown[]) => unknown, self, args);
    } as typeof call;
    let run: ReturnType<typeof setup>["run"];
    try {
      run = setup({ policy }).run;
    } finally {
      Function.prototype.bind = bind;
      Function.prototype.call = call;
    }
    for (let i = 0; i < 6; i++) {
      const outcome = await run(put(`k${i}`, "secrets")).catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(KeycardDeniedError);
    }
  });

  test("are decided by the rules in force after a live policy counts a swap", async () => {
    const rules = (Resource: string) =>
      loadPolicy({
        iam: [
          {
            name: "rules.json",
            document: {
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource }],
            },
          },
        ],
      });
    const live = {
      current: await rules("*"),
      generation: 1,
      evaluate(input: EvaluationInput) {
        return live.current.evaluate(input);
      },
      resourceEvaluator(input: EvaluationInput) {
        const evaluator = live.current.resourceEvaluator?.(input);
        if (evaluator === undefined) throw new Error("a loaded policy has resource evaluators");
        return evaluator;
      },
    };
    const { run } = setup({ policy: live });
    for (let i = 0; i < 4; i++)
      expect(await run(put(`warm${i}`, "secrets"))).toEqual({ nextCalls: 1 });
    live.current = await rules("arn:aws:s3:::orders/*");
    live.generation = 2;
    for (let i = 0; i < 4; i++) {
      const outcome = await run(put(`after${i}`, "secrets")).catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(KeycardDeniedError);
    }
  });
});
