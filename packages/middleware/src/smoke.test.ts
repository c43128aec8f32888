import { DeleteBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect, test } from "vitest";
import { KeycardDeniedError, keycardPlugin } from "./index.js";
import { clientConfig, loadOrdersPolicy, ROLE_ARN, stubHandler } from "./test-utils/fixtures.js";

test("smoke", async () => {
  const policy = await loadOrdersPolicy();
  const handler = stubHandler({ statusCode: 200 });
  const s3 = new S3Client(clientConfig(handler, { forcePathStyle: true }));
  s3.middlewareStack.use(
    keycardPlugin({
      policy,
      principalArn: ROLE_ARN,
      onDecision: (d) => console.log(JSON.stringify(d)),
    }),
  );
  await s3.send(new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: "{}" }));
  expect(handler.requests.length).toBe(1);
  const error = await s3.send(new DeleteBucketCommand({ Bucket: "orders" })).catch((e) => e);
  expect(error).toBeInstanceOf(KeycardDeniedError);
  console.log(error.message);
  expect(handler.requests.length).toBe(1);
});
