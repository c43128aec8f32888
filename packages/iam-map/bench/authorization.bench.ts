/**
 * Per-call cost of mapping common calls after warm-up, as the middleware pays it on every SDK call:
 * once with a new input on every call (a new object key, item key or message, as real traffic
 * sends) and once repeating one input, side by side in one run.
 * Run: `npm run bench -w @keycard/iam-map`.
 */
import { authorizationFor, authorizationForSync, preloadServices } from "../src/index.js";
import type { AuthorizationInput } from "../src/types.js";

const common = {
  region: "us-east-1",
  accountId: "123456789012",
  principal: { arn: "arn:aws:sts::123456789012:assumed-role/app/s" },
};

/** Each case builds the input of call `i`: distinct inputs differ in the member real traffic varies. */
const calls: ReadonlyArray<
  readonly [name: string, service: string, operation: string, input: (i: number) => unknown]
> = [
  [
    "S3 GetObject",
    "S3Client",
    "GetObjectCommand",
    (i) => ({ Bucket: "reports", Key: `2024/${i}.csv` }),
  ],
  [
    "S3 PutObject",
    "S3Client",
    "PutObjectCommand",
    (i) => ({ Bucket: "reports", Key: `k/${i}`, Body: BODY, ServerSideEncryption: "AES256" }),
  ],
  [
    "S3 ListObjectsV2",
    "S3Client",
    "ListObjectsV2Command",
    (i) => ({ Bucket: "reports", Prefix: `2024/${i}/` }),
  ],
  [
    "DynamoDB GetItem",
    "DynamoDBClient",
    "GetItemCommand",
    (i) => ({ TableName: "orders", Key: { pk: { S: `${i}` } } }),
  ],
  [
    "DynamoDB Query (index)",
    "DynamoDBClient",
    "QueryCommand",
    (i) => ({
      TableName: "orders",
      IndexName: "by-customer",
      KeyConditionExpression: "c = :c",
      ExpressionAttributeValues: { ":c": { S: `${i}` } },
    }),
  ],
  [
    "SQS SendMessage",
    "SQSClient",
    "SendMessageCommand",
    (i) => ({
      QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
      MessageBody: `${i}`,
    }),
  ],
  // Create calls that set request tags (each tag value new per call).
  [
    "EC2 RunInstances (tags)",
    "EC2Client",
    "RunInstancesCommand",
    (i) => ({
      ImageId: "ami-12345678",
      InstanceType: "t3.micro",
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        { ResourceType: "instance", Tags: [{ Key: "run", Value: `${i}` }] },
        { ResourceType: "volume", Tags: [{ Key: "run", Value: `${i}` }] },
      ],
    }),
  ],
  [
    "RDS CreateDBInstance",
    "RDSClient",
    "CreateDBInstanceCommand",
    (i) => ({
      DBInstanceIdentifier: `db-${i}`,
      DBInstanceClass: "db.t3.micro",
      Engine: "postgres",
      Tags: [{ Key: "env", Value: "prod" }],
    }),
  ],
];
const BODY = new Uint8Array(1024);

const N = 50_000;
/**
 * CPU microseconds per call over `n` calls of `args(i)`, the best of five rounds: CPU time of this
 * process, so that other work on a shared machine counts as little as it can.
 */
function measure(args: (i: number) => AuthorizationInput, n: number): number {
  for (let i = 0; i < n; i++) authorizationForSync(args(i));
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) authorizationForSync(args(i));
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / n);
  }
  return best;
}

const micros = (n: number) => `${n.toFixed(2)} µs`.padStart(16);

/**
 * The same machine's speed at something fixed, printed beside the figures: on a shared or busy
 * machine every figure is slower by about the same factor as this one.
 */
function reference(): number {
  const o = { Bucket: "reports", Key: "2024/q1.csv" };
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    let n = 0;
    for (let i = 0; i < 200_000; i++) n += JSON.stringify(o).length;
    const used = process.cpuUsage(start);
    if (n > 0) best = Math.min(best, (used.user + used.system) / 200_000);
  }
  return best;
}

await preloadServices(["S3Client", "DynamoDBClient", "SQSClient", "EC2Client", "RDSClient"]);
console.log(`reference: JSON.stringify of a two-member object ${reference().toFixed(3)} µs`);
console.log(
  `${"call".padEnd(24)} ${"distinct inputs".padStart(16)} ${"repeated input".padStart(16)}`,
);
for (const [name, service, operation, input] of calls) {
  // Inputs are built before timing, so the figure is keycard's alone; each distinct input is
  // used once per round. Arguments are object literals, as the middleware builds them: objects
  // made with a spread each get their own hidden class in V8, which would measure V8's lookups
  // of `service`, `region`, … on hundreds of shapes rather than keycard.
  const args = (i: number): AuthorizationInput => ({
    service,
    operation,
    input: input(i),
    principal: common.principal,
    region: common.region,
    accountId: common.accountId,
  });
  const distinct = Array.from({ length: N }, (_, i) => args(i));
  const repeated = args(0);
  const d = measure((i) => distinct[i]!, N);
  const r = measure(() => repeated, N);
  console.log(`${name.padEnd(24)} ${micros(d)} ${micros(r)}`);
}

{
  const input = calls[0]![3](0);
  const args: AuthorizationInput = {
    service: "S3Client",
    operation: "GetObjectCommand",
    input,
    principal: common.principal,
    region: common.region,
    accountId: common.accountId,
  };
  for (let i = 0; i < N; i++) await authorizationFor(args);
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) await authorizationFor(args);
  const used = process.cpuUsage(start);
  console.log(
    `${"S3 GetObject (async)".padEnd(24)} ${"".padStart(16)} ${micros((used.user + used.system) / N)}`,
  );
}
