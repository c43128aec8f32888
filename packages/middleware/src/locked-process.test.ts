import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * An application that locks the built-in prototypes at start-up, in a fresh process (the lock
 * lasts for the process): its SDK calls still go through keycard, allowed and refused as the
 * policy says, and pollution added afterwards to what stays open is still refused.
 */
const script = `
  import { Readable } from "node:stream";
  import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
  import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
  import { loadPolicy } from "@keycard/engine";
  const { keycardPlugin, lockPrototypes } = await import(${JSON.stringify(new URL("./index.ts", import.meta.url).href)});
  const locked = lockPrototypes();
  const handler = (body, headers) => ({
    async handle() {
      return { response: { statusCode: 200, headers, body: Readable.from([Buffer.from(body)]) } };
    },
  });
  const base = {
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    maxAttempts: 1,
    credentials: { accessKeyId: "AKIAKEYCARDTEST00001", secretAccessKey: "x", accountId: "123456789012" },
  };
  const policy = await loadPolicy({ iam: [{ name: "app.json", document: { Version: "2012-10-17", Statement: [
    { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::orders/*" },
    { Effect: "Allow", Action: "dynamodb:GetItem", Resource: "arn:aws:dynamodb:us-east-1:123456789012:table/orders" },
  ] } }] });
  const plugin = () => keycardPlugin({ policy, principalArn: "arn:aws:iam::123456789012:role/app" });
  const s3 = new S3Client({ ...base, forcePathStyle: true, requestHandler: handler("", { etag: '"x"' }) });
  s3.middlewareStack.use(plugin());
  const dynamodb = new DynamoDBClient({ ...base, requestHandler: handler('{"Item":{}}', { "content-type": "application/x-amz-json-1.0" }) });
  dynamodb.middlewareStack.use(plugin());
  const outcome = async (send) => { try { await send(); return "sent"; } catch (error) { return error.name; } };
  const results = [];
  for (let i = 0; i < 150; i++) {
    results.push(await outcome(() => s3.send(new PutObjectCommand({ Bucket: "orders", Key: i + ".json", Body: "{}" }))));
    results.push(await outcome(() => s3.send(new PutObjectCommand({ Bucket: "secrets", Key: i + ".json", Body: "{}" }))));
    results.push(await outcome(() => dynamodb.send(new GetItemCommand({ TableName: "orders", Key: { id: { S: String(i) } } }))));
    results.push(await outcome(() => dynamodb.send(new GetItemCommand({ TableName: "secrets", Key: { id: { S: String(i) } } }))));
  }
  Object.defineProperty(Uint8Array, Symbol.species, { get: () => Uint8Array, configurable: true });
  const polluted = await outcome(() => s3.send(new PutObjectCommand({ Bucket: "orders", Key: "late.json", Body: "{}" })));
  console.log(JSON.stringify({ locked: locked ?? "clean", results: [...new Set(results.map((r, i) => (i % 4) + ":" + r))], polluted }));
`;

describe("keycard in a process whose prototypes are locked", () => {
  it("allows and refuses SDK calls as the policy says, and still refuses once an open prototype is polluted", () => {
    const out = execFileSync(
      process.execPath,
      [
        "--no-warnings",
        "--conditions=@keycard/source",
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        script,
      ],
      { encoding: "utf8", cwd: new URL("..", import.meta.url) },
    );
    const result = JSON.parse(out.trim().split("\n").pop() as string);
    expect(result).toEqual({
      locked: "clean",
      results: ["0:sent", "1:KeycardDeniedError", "2:sent", "3:KeycardDeniedError"],
      polluted: "KeycardDeniedError",
    });
  });
});
