/**
 * How far down keycard's check could go with its current engine and mapping: full SDK calls with
 * a new key on every call, side by side in alternating blocks, with (1) nothing added, (2) one
 * middleware that does nothing, (3) a minimal check that reads the two members the call names,
 * builds one request by hand and has the engine evaluate it (its decision reused from the first
 * call), the same evaluating that request a second time right after the first (which says how
 * much of the first evaluation is the cost of code and data the SDK's call pushed out of the
 * processor's caches), (4) the same without the engine (a string test), (5) iam-map's mapping of the input and
 * the engine's evaluation of what it maps, and (6) keycard itself. (3)–(5) are yardsticks, not
 * checks anyone should ship: they skip the input copy, the caller, the memo and every refusal
 * keycard makes. The differences between rows say what each layer costs amid the SDK's own
 * work, where caches are cold, rather than in a tight loop. Two more yardsticks say how much
 * the SDK's own calls slow down when anything touches memory between them: a middleware that
 * reads 64 KB, and one that reads 512 KB, of memory nothing else uses (one load per 64-byte
 * line, a few microseconds in a tight loop).
 * It measures the built packages (`dist`): run `npm run build` first.
 * Run: `npm run bench:floor -w @keycard/middleware` (`FLOOR_BLOCKS`, default 120 per variant).
 */
import { loadavg } from "node:os";
import type { AuthorizationRequest } from "@keycard/engine";
import { loadPolicy } from "@keycard/engine";
import { authorizationForSync, preloadServices } from "@keycard/iam-map";
import { keycardPlugin } from "@keycard/middleware";
import type { MiddlewareStack } from "@smithy/types";
import { ACCOUNT, benchPolicyDocument, ROLE } from "./bench-policy.js";
import { dynamoClient, getItem, putObject, s3Client } from "./sdk-calls.js";

const BLOCKS = Number(process.env["FLOOR_BLOCKS"] ?? 120);
const BLOCK = 100;
const WARM_BLOCKS = 10;

const policy = await loadPolicy({
  iam: [{ name: "bench-10.json", document: benchPolicyDocument(10) }],
});
await preloadServices(["S3Client", "DynamoDBClient"]);
const principal = Object.freeze({ arn: ROLE, accountId: ACCOUNT, type: "AssumedRole" });
const mappingPrincipal = { arn: ROLE };

type Args = { input: Record<string, unknown> };
type Next = (args: Args) => Promise<unknown>;
type Check = (input: Record<string, unknown>) => boolean;

/** A finalizeRequest middleware where keycard's check sits, running `check` on the input. */
function withCheck(client: { middlewareStack: unknown }, name: string, check?: Check): void {
  const middleware = (next: Next) => (args: Args) =>
    check === undefined || check(args.input) ? next(args) : Promise.reject(new Error("denied"));
  (client.middlewareStack as MiddlewareStack<object, object>).addRelativeTo(
    middleware as never,
    {
      step: "finalizeRequest",
      relation: "before",
      toMiddleware: "retryMiddleware",
      name,
    } as never,
  );
}

interface FloorCase {
  name: string;
  client: () => { middlewareStack: unknown; send(command: never): Promise<unknown> };
  command: (i: number) => unknown;
  service: string;
  operation: string;
  /** The request a minimal check builds by hand from the input. */
  request: (input: Record<string, unknown>) => AuthorizationRequest;
  /** The same decision as a string test, for the row without the engine. */
  allowed: (input: Record<string, unknown>) => boolean;
}

const context = Object.freeze({
  "aws:SecureTransport": true,
  "aws:RequestedRegion": "us-east-1",
  "aws:PrincipalArn": ROLE,
  "aws:PrincipalAccount": ACCOUNT,
  "aws:PrincipalType": "AssumedRole",
});

const cases: FloorCase[] = [
  {
    name: "S3 PutObject, distinct keys, 10 statements",
    client: s3Client,
    command: (i) => putObject(`2024/${i}.json`),
    service: "S3Client",
    operation: "PutObjectCommand",
    request: (input) => ({
      action: "s3:PutObject",
      resource: `arn:aws:s3:::${input["Bucket"] as string}/${input["Key"] as string}`,
      context,
    }),
    allowed: (input) => input["Bucket"] === "orders",
  },
  {
    name: "DynamoDB GetItem, distinct keys, 10 statements",
    client: dynamoClient,
    command: (i) => getItem(`${i}`),
    service: "DynamoDBClient",
    operation: "GetItemCommand",
    request: (input) => ({
      action: "dynamodb:GetItem",
      resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${input["TableName"] as string}`,
      context,
    }),
    allowed: (input) => input["TableName"] === "orders",
  },
];

/** Unrelated memory for the yardsticks that read it: one load per 64-byte line. */
const unrelated = new Float64Array((512 * 1024) / 8);
let unrelatedSum = 0;
function readUnrelated(bytes: number): boolean {
  let sum = 0;
  for (let i = 0; i < bytes / 8; i += 8) sum += unrelated[i]!;
  // Kept, so that the reads are not optimised away.
  unrelatedSum += sum;
  return unrelatedSum >= 0;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}`,
);
console.log(
  "| call | SDK | one do-nothing middleware | reads 64 KB | reads 512 KB | minimal check, engine | the same, engine twice | minimal check, no engine | iam-map and engine | keycard |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const c of cases) {
  const variants: Array<[string, ReturnType<FloorCase["client"]>]> = [];
  const add = (name: string, setup: (client: ReturnType<FloorCase["client"]>) => void) => {
    const client = c.client();
    setup(client);
    variants.push([name, client]);
  };
  add("sdk", () => {});
  add("noop", (client) => withCheck(client, "floorNothing"));
  add("read64", (client) => withCheck(client, "floorRead64", () => readUnrelated(64 * 1024)));
  add("read512", (client) => withCheck(client, "floorRead512", () => readUnrelated(512 * 1024)));
  add("engine", (client) =>
    withCheck(
      client,
      "floorEngine",
      (input) =>
        policy.evaluate({ principal, region: "us-east-1", requests: [c.request(input)] }).allow,
    ),
  );
  add("engineTwice", (client) =>
    withCheck(
      client,
      "floorEngineTwice",
      (input) =>
        policy.evaluate({ principal, region: "us-east-1", requests: [c.request(input)] }).allow &&
        policy.evaluate({ principal, region: "us-east-1", requests: [c.request(input)] }).allow,
    ),
  );
  add("string", (client) => withCheck(client, "floorString", c.allowed));
  add("mapped", (client) =>
    withCheck(client, "floorMapped", (input) => {
      const mapped = authorizationForSync({
        service: c.service,
        operation: c.operation,
        input,
        principal: mappingPrincipal,
        region: "us-east-1",
        accountId: ACCOUNT,
      });
      return (
        mapped.known &&
        policy.evaluate({ principal, region: "us-east-1", requests: mapped.requests }).allow
      );
    }),
  );
  add("keycard", (client) =>
    (client.middlewareStack as MiddlewareStack<object, object>).use(
      keycardPlugin({ policy, principalArn: ROLE }) as never,
    ),
  );
  const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  let n = 0;
  for (let round = 0; round < BLOCKS + WARM_BLOCKS; round++) {
    for (let j = 0; j < variants.length; j++) {
      // Rotate which variant goes first, so drift on the machine hits every one alike.
      const [name, client] = variants[(round + j) % variants.length]!;
      const start = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) await client.send(c.command(n++) as never);
      const used = process.cpuUsage(start);
      if (round >= WARM_BLOCKS) samples.get(name)!.push((used.user + used.system) / BLOCK);
    }
  }
  const sdk = median(samples.get("sdk")!);
  const added = (name: string) => {
    const delta = median(samples.get(name)!) - sdk;
    return `${delta.toFixed(1)} µs (${((delta / sdk) * 100).toFixed(1)} %)`;
  };
  console.log(
    `| ${c.name} | ${sdk.toFixed(1)} µs | ${added("noop")} | ${added("read64")} | ${added("read512")} | ${added("engine")} | ${added("engineTwice")} | ${added("string")} | ${added("mapped")} | ${added("keycard")} |`,
  );
}
