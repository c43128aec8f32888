import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { loadPolicy } from "@keycard/engine";
import { type MotoServer, startMoto } from "@keycard/test-utils";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { keycardPlugin, withKeycard } from "./keycard-plugin.js";
import { memoryLogger } from "./test-utils/fixtures.js";
import { appClients, appPolicy, seedApp } from "./test-utils/moto-app.js";

let moto: MotoServer;

beforeAll(async () => {
  moto = await startMoto();
  await seedApp(moto);
});

afterAll(async () => {
  await moto?.stop();
});

describe("user callbacks against moto", () => {
  test("an async onDecision that rejects is logged; calls complete and the host does not crash", async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      const policy = await loadPolicy({ iam: [{ name: "orders.json", document: appPolicy }] });
      const logger = memoryLogger();
      const plugin = keycardPlugin({
        policy,
        logger,
        onDecision: async (decision) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          throw new Error(`audit sink unavailable for ${decision.operation}`);
        },
      });
      const app = appClients(moto);
      withKeycard(app.s3, plugin);
      withKeycard(app.dynamo, plugin);
      await app.s3.send(new PutObjectCommand({ Bucket: "orders", Key: "cb.json", Body: "{}" }));
      const item = await app.dynamo.send(
        new GetItemCommand({ TableName: "orders", Key: { id: { S: "none" } } }),
      );
      expect(item.Item).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      expect(logger.errors).toEqual([
        expect.stringMatching(/onDecision failed: audit sink unavailable for PutObject/),
        expect.stringMatching(/onDecision failed: audit sink unavailable for GetItem/),
      ]);
    } finally {
      process.off("unhandledRejection", listener);
    }
  });
});
