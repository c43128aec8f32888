import { performance } from "node:perf_hooks";
import { expect, it } from "vitest";
import { authorizationForSync, preloadServices } from "./authorization.js";

it("maps common S3 and DynamoDB calls well under 50 µs each after warm-up", async () => {
  await preloadServices(["S3Client", "DynamoDBClient"]);
  const calls = [
    { service: "S3Client", operation: "GetObjectCommand", input: { Bucket: "b", Key: "a/b.csv" } },
    { service: "DynamoDBClient", operation: "GetItemCommand", input: { TableName: "t", Key: {} } },
  ];
  for (const call of calls) {
    const args = { ...call, region: "us-east-1", accountId: "123456789012" };
    for (let i = 0; i < 2000; i++) authorizationForSync(args);
    const batches: number[] = [];
    for (let b = 0; b < 5; b++) {
      const start = performance.now();
      for (let i = 0; i < 2000; i++) authorizationForSync(args);
      batches.push(((performance.now() - start) * 1000) / 2000);
    }
    const median = batches.sort((x, y) => x - y)[2]!;
    expect(median).toBeLessThan(50);
  }
});
