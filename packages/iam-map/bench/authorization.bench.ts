/**
 * Per-call cost of mapping common calls after warm-up, as the middleware pays it on every SDK call:
 * once with a new input on every call (a new object key, item key or message, as real traffic
 * sends) and once repeating one input, side by side in one run. It measures the built package
 * (`dist/index.js`, as applications run it: run `npm run build` first). With `BENCH_BASELINE`
 * naming another build's `dist/index.js`, that build runs beside it, round by round, and the
 * ratio of the two is printed.
 * Run: `npm run bench -w @keycard/iam-map`.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AuthorizationInput, AuthorizationResult } from "../src/types.js";

type Mapper = typeof import("../src/index.js");
const current = (await import("../dist/index.js")) as Mapper;
const baselinePath = process.env["BENCH_BASELINE"];
const baseline =
  baselinePath === undefined
    ? undefined
    : ((await import(pathToFileURL(resolve(baselinePath)).href)) as Mapper);

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
/** Calls per timed round: short rounds, many of them, so that the best is seldom interrupted. */
const ROUND_CALLS = 5_000;
const ROUNDS = baseline === undefined ? 20 : 40;
type Mapping = (args: AuthorizationInput) => AuthorizationResult;

/** CPU microseconds per call of one round: calls `from` to `from + ROUND_CALLS - 1`. */
function round(map: Mapping, args: (i: number) => AuthorizationInput, from: number): number {
  const start = process.cpuUsage();
  for (let i = from; i < from + ROUND_CALLS; i++) map(args(i));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ROUND_CALLS;
}

/**
 * CPU microseconds per call of `args(i)` (each distinct input used once per pass over the N
 * inputs), the best of many short rounds: CPU time of this process, so that other work on a
 * shared machine counts as little as it can. With a baseline, the two builds' rounds alternate
 * and take turns going first, over the same inputs (`argsOf` gives each build its own, for
 * inputs made from a build's `RECORD_PROTOTYPE`).
 */
/** Plain objects, at any depth, as records of `proto`, as the middleware's input copies are. */
function recordsFrom(proto: object, value: unknown): unknown {
  if (
    typeof value !== "object" ||
    value === null ||
    Object.getPrototypeOf(value) !== Object.prototype
  )
    return value;
  const out = Object.create(proto) as Record<string, unknown>;
  for (const [key, member] of Object.entries(value))
    Object.defineProperty(out, key, {
      value: recordsFrom(proto, member),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

function measure(argsOf: (build: Mapper) => (i: number) => AuthorizationInput): [number, number?] {
  const builds: Mapper[] = [current];
  if (baseline) builds.push(baseline);
  const maps: Mapping[] = builds.map((build) => build.authorizationForSync);
  const args = builds.map(argsOf);
  for (let m = 0; m < maps.length; m++) for (let i = 0; i < N; i++) maps[m]!(args[m]!(i));
  const best = maps.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < ROUNDS; r++) {
    const from = (r * ROUND_CALLS) % N;
    for (let k = 0; k < maps.length; k++) {
      const m = (k + r) % maps.length;
      best[m] = Math.min(best[m]!, round(maps[m]!, args[m]!, from));
    }
  }
  return [best[0]!, best[1]];
}

const micros = (n: number) => `${n.toFixed(2)} µs`.padStart(19);
/** How many times faster this build is than the baseline. */
const ratio = (n: number) => `${n.toFixed(2)}×`.padStart(19);

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

const services = ["S3Client", "DynamoDBClient", "SQSClient", "EC2Client", "RDSClient"];
await current.preloadServices(services);
await baseline?.preloadServices(services);
console.log(`reference: JSON.stringify of a two-member object ${reference().toFixed(3)} µs`);
const header = ["distinct inputs", "distinct records", "repeated input"];
if (baseline) {
  console.log(`baseline: ${baselinePath}`);
  header.push(
    "baseline, distinct",
    "baseline, records",
    "baseline, repeated",
    "ratio, distinct",
    "ratio, records",
    "ratio, repeated",
  );
}
console.log(`${"call".padEnd(24)} ${header.map((h) => h.padStart(19)).join(" ")}`);
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
  // The same inputs as `@keycard/middleware` hands them over: copies made from iam-map's
  // `RECORD_PROTOTYPE` at every depth, which inherit nothing (each build's own prototype).
  const records = new Map<Mapper, AuthorizationInput[]>();
  const recordsOf = (build: Mapper) => {
    let list = records.get(build);
    if (list === undefined) {
      list = distinct.map((call) => ({
        service: call.service,
        operation: call.operation,
        input: recordsFrom(build.RECORD_PROTOTYPE, call.input),
        principal: call.principal,
        region: call.region,
        accountId: call.accountId,
      }));
      records.set(build, list);
    }
    return list;
  };
  const repeated = args(0);
  const [d, baseD] = measure(() => (i) => distinct[i]!);
  const [rec, baseRec] = measure((build) => {
    const list = recordsOf(build);
    return (i) => list[i]!;
  });
  const [r, baseR] = measure(() => () => repeated);
  const cells = [micros(d), micros(rec), micros(r)];
  if (baseD !== undefined && baseRec !== undefined && baseR !== undefined) {
    cells.push(
      micros(baseD),
      micros(baseRec),
      micros(baseR),
      ratio(baseD / d),
      ratio(baseRec / rec),
      ratio(baseR / r),
    );
  }
  console.log(`${name.padEnd(24)} ${cells.join(" ")}`);
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
  for (let i = 0; i < N; i++) await current.authorizationFor(args);
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) await current.authorizationFor(args);
  const used = process.cpuUsage(start);
  console.log(
    `${"S3 GetObject (async)".padEnd(24)} ${"".padStart(19)} ${micros((used.user + used.system) / N)}`,
  );
}
