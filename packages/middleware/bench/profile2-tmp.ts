import { Readable } from "node:stream";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { loadPolicy } from "@keycard/engine";
import { KeycardGuard } from "../src/guard.js";
import { keycardPlugin } from "../src/index.js";

const ACCOUNT = "123456789012";
const policy = await loadPolicy({
  iam: [
    {
      name: "b",
      document: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: "dynamodb:GetItem",
            Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`,
          },
        ],
      },
    },
  ],
});
const base = {
  region: "us-east-1",
  endpoint: "http://127.0.0.1:9",
  credentials: {
    accessKeyId: "AKIABENCHMARK0000001",
    secretAccessKey: "bench",
    accountId: ACCOUNT,
  },
  maxAttempts: 1,
  requestHandler: {
    async handle() {
      return {
        response: {
          statusCode: 200,
          headers: { "content-type": "application/x-amz-json-1.0" },
          body: Readable.from([Buffer.from('{"Item":{"id":{"S":"1"}}}')]),
        },
      };
    },
  },
};
const plain = new DynamoDBClient(base);
const noopRel = new DynamoDBClient(base);
noopRel.middlewareStack.addRelativeTo((next: any) => async (args: any) => next(args), {
  name: "noop",
  relation: "before",
  toMiddleware: "retryMiddleware",
});
let captured: any;
const noopAbs = new DynamoDBClient(base);
noopAbs.middlewareStack.add(
  (next, context) => async (args) => {
    captured = { context, input: args.input };
    return next(args);
  },
  { name: "noop", step: "finalizeRequest", priority: "high" },
);
const guarded = new DynamoDBClient(base);
guarded.middlewareStack.use(
  keycardPlugin({ policy, principalArn: `arn:aws:iam::${ACCOUNT}:role/bench` }),
);
const cmd = () => new GetItemCommand({ TableName: "orders", Key: { id: { S: "1" } } });
async function bench(name: string, c: DynamoDBClient, n = 20000) {
  for (let i = 0; i < 3000; i++) await c.send(cmd());
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await c.send(cmd());
  console.log(name, (Number(process.hrtime.bigint() - t) / n / 1000).toFixed(1), "µs");
}
for (let round = 0; round < 2; round++) {
  await bench("plain", plain);
  await bench("noop relative", noopRel);
  await bench("noop abs", noopAbs);
  await bench("keycard", guarded);
}
const guard = new KeycardGuard({ policy, principalArn: `arn:aws:iam::${ACCOUNT}:role/bench` });
await guard.check(captured.context, captured.input);
const n = 50000;
const t = process.hrtime.bigint();
for (let i = 0; i < n; i++) await guard.check(captured.context, captured.input);
console.log("guard.check", (Number(process.hrtime.bigint() - t) / n / 1000).toFixed(2), "µs");
const { Session } = await import("node:inspector/promises");
const s = new Session();
s.connect();
await s.post("Profiler.enable");
await s.post("Profiler.start");
for (let i = 0; i < 200000; i++) await guard.check(captured.context, captured.input);
const { profile } = (await s.post("Profiler.stop")) as any;
const self = new Map<string, number>();
const dt = profile.timeDeltas;
const byId = new Map(profile.nodes.map((n: any) => [n.id, n]));
profile.samples.forEach((id: number, i: number) => {
  const n: any = byId.get(id);
  const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-1)[0]}:${n.callFrame.lineNumber}`;
  self.set(k, (self.get(k) ?? 0) + (dt[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(
  [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1)}% ${k}`)
    .join("\n"),
);
