import { PassThrough } from "node:stream";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { EvaluationInput, Policy } from "@keycard/engine";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { KeycardDecision } from "./decision.js";
import type { DecisionLogEntry } from "./decision-log.js";
import { KeycardDeniedError } from "./errors.js";
import { keycardPlugin } from "./keycard-plugin.js";
import type { KeycardOptions } from "./options.js";
import {
  ACCOUNT,
  captureMiddleware,
  doc,
  guarded,
  loadOrdersPolicy,
  memoryLogger,
  ROLE_ARN,
  sdkContext,
} from "./test-utils/fixtures.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The orders policy, counting its evaluations and keeping what it was asked. */
async function countingPolicy() {
  const policy = await loadOrdersPolicy();
  const inputs: EvaluationInput[] = [];
  const counting: Pick<Policy, "evaluate"> = {
    evaluate: (input) => {
      inputs.push(input);
      return policy.evaluate(input);
    },
  };
  return { policy: counting, inputs };
}

function setup(options: KeycardOptions) {
  const plugin = keycardPlugin({ principalArn: ROLE_ARN, logger: memoryLogger(), ...options });
  return { plugin, ...captureMiddleware(plugin) };
}

const put = (Key: string, Bucket = "orders") => ({ Bucket, Key, Body: "{}" });

afterEach(() => {
  vi.useRealTimers();
});

describe("decisions nobody observes", () => {
  test("a denied call still carries a full decision with its own id", async () => {
    const { run } = setup({ policy: await loadOrdersPolicy() });
    const ids = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await run(put(`k/${i}`));
      const error = await run(put(`k/${i}`, "payroll")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeycardDeniedError);
      const decision = (error as KeycardDeniedError).decision;
      expect(decision.decisionId).toMatch(UUID);
      expect(decision.requests).toEqual([
        expect.objectContaining({
          action: "s3:PutObject",
          resource: `arn:aws:s3:::payroll/k/${i}`,
          allow: false,
        }),
      ]);
      ids.add(decision.decisionId);
    }
    expect(ids.size).toBe(40);
  });

  test("learn mode records every call of a run of distinct inputs", async () => {
    const { plugin, run } = setup({ mode: "learn" });
    for (let i = 0; i < 100; i++) await run(put(`k/${i}`));
    await run(put("k/7"));
    const learned = plugin.learned();
    expect(learned).toHaveLength(100);
    expect(learned.find((r) => r.resource === "arn:aws:s3:::orders/k/7")?.count).toBe(2);
  });
});

describe("observed decisions", () => {
  test("with a decision log, every call has its own id, the same in the log and the callback", async () => {
    const lines: DecisionLogEntry[] = [];
    const stream = new PassThrough();
    stream.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n").filter(Boolean))
        lines.push(JSON.parse(line) as DecisionLogEntry);
    });
    const decisions: KeycardDecision[] = [];
    const { run } = setup({
      policy: await loadOrdersPolicy(),
      decisionLog: stream,
      onDecision: (d) => decisions.push(d),
    });
    for (let i = 0; i < 50; i++) await run(put(`k/${i}`));
    for (let i = 0; i < 5; i++) await run(put("same.json"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(55);
    expect(lines.every((l) => UUID.test(l.decision_id) && l.result.allow)).toBe(true);
    expect(new Set(lines.map((l) => l.decision_id)).size).toBe(55);
    expect(decisions.map((d) => d.decisionId)).toEqual(lines.map((l) => l.decision_id));
    expect(lines[3]!.input.requests[0]!.resource).toBe("arn:aws:s3:::orders/k/3");
  });
});

describe("the caller", () => {
  test("the engine sees one frozen principal per caller, with the tags the options had", async () => {
    const { policy, inputs } = await countingPolicy();
    const principalTags: Record<string, string> = { team: "orders" };
    const { run } = setup({ policy, principalTags, mfa: true });
    await run(put("a"));
    principalTags["team"] = "payroll";
    await run(put("b"));
    await run(put("c"));
    expect(inputs).toHaveLength(3);
    const [first, ...rest] = inputs.map((i) => i.principal);
    expect(first).toEqual({
      arn: ROLE_ARN,
      accountId: "123456789012",
      tags: { team: "orders" },
      mfa: true,
    });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.tags)).toBe(true);
    for (const principal of rest) expect(principal).toBe(first);
  });
});

describe("the decision memo under distinct inputs", () => {
  test("after a long run of new inputs, verdicts stay exact and a repeated input is reused again", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2024-05-01T12:00:00.100Z"));
    const { policy, inputs } = await countingPolicy();
    const { run } = setup({ policy });
    const verdict = (input: object) =>
      run(input).then(
        () => "sent",
        () => "refused",
      );
    for (let i = 0; i < 100; i++) expect(await verdict(put(`k/${i}`))).toBe("sent");
    // Looked up rarely now: every call must still be decided on its own input.
    for (let i = 0; i < 50; i++) {
      expect(await verdict(put("same.json", "payroll"))).toBe("refused");
      expect(await verdict(put("same.json"))).toBe("sent");
    }
    const before = inputs.length;
    for (let i = 0; i < 200; i++) expect(await verdict(put("again.json"))).toBe("sent");
    // Sampled lookups find the repeated input again within two samples; then it is reused.
    expect(inputs.length - before).toBeLessThanOrEqual(64);
    const reused = inputs.length;
    for (let i = 0; i < 100; i++) await verdict(put("again.json"));
    expect(inputs.length).toBe(reused);
  });

  test("an input changed after its call is decided on what it holds at the next call", async () => {
    const { run } = setup({ policy: await loadOrdersPolicy() });
    const input = put("a.json");
    for (let i = 0; i < 100; i++) await run(put(`k/${i}`));
    await run(input);
    input.Bucket = "payroll";
    for (let i = 0; i < 40; i++) {
      const outcome = await run(input).then(
        () => "sent",
        () => "refused",
      );
      expect(outcome).toBe("refused");
    }
  });
});

describe("DynamoDB item keys, whose mappings iam-map reuses", () => {
  test("each call is decided on its own partition key, allowed and denied keys interleaved", async () => {
    const table = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`;
    const ddb = await guarded(
      (config) => new DynamoDBClient(config),
      doc(
        {
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:DeleteItem"],
          Resource: table,
          Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["tenant-a/*"] } },
        },
        {
          Effect: "Deny",
          Action: "dynamodb:GetItem",
          Resource: table,
          Condition: {
            "ForAnyValue:StringEquals": { "dynamodb:LeadingKeys": ["tenant-a/secret"] },
          },
        },
      ),
      { headers: { "content-type": "application/x-amz-json-1.0" }, body: "{}" },
    );
    const get = (pk: string, attribute = "pk") =>
      ddb.send(new GetItemCommand({ TableName: "orders", Key: { [attribute]: { S: pk } } }));
    for (let i = 0; i < 120; i++) {
      const own = `tenant-a/${i}`;
      expect((await get(own)).sent, own).toBe(true);
      const other =
        i % 3 === 0 ? `tenant-b/${i}` : i % 3 === 1 ? `tenant-a${i}` : "tenant-a/secret";
      expect((await get(other)).sent, other).toBe(false);
      expect((await get(`tenant-a/${i}`, "sk")).sent).toBe(true);
    }
  });
});

describe("sdk context", () => {
  test("the same input from another region is decided apart", async () => {
    const { run } = setup({ policy: await loadOrdersPolicy() });
    const get = { TableName: "orders", Key: { id: { S: "1" } } };
    const at = (region: string) =>
      run(get, sdkContext({ client: "DynamoDBClient", command: "GetItemCommand", region })).then(
        () => "sent",
        () => "refused",
      );
    expect(await at("us-east-1")).toBe("sent");
    expect(await at("eu-west-1")).toBe("refused");
    expect(await at("us-east-1")).toBe("sent");
  });
});
