import v8 from "node:v8";
import vm from "node:vm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { AuthorizationInput, AuthorizationResult } from "./index.js";
import { authorizationForSync, preloadServices, prototypePollution } from "./index.js";
import { finishResource, unknownPart } from "./unknown-part.js";

/*
 * Code elsewhere in the process can put setters on `Array.prototype[i]` or `Object.prototype.name`:
 * each write iam-map makes to an index or member its target does not have yet is then handed to
 * them, with the target. What iam-map keeps for later calls must never be among what is handed,
 * nor be built from what a setter wrote in place of the value: otherwise code that kept the
 * reference could change the mapping of every later call, long after its setters are gone.
 *
 * Each test maps calls of services no earlier test in this file mapped (each file has its own
 * module instance), so every cache is built while the setters are in place. It then checks that
 * nothing handed is still reachable once the calls are done (a weak reference to it survives a
 * full collection only when something kept it), and that changing whatever is still reachable
 * leaves later calls mapped exactly as a module instance that never saw a setter maps them.
 */

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

type Mapper = typeof import("./index.js");
let pristine: Mapper;

const SERVICES = [
  "S3Client",
  "EC2Client",
  "LambdaClient",
  "KMSClient",
  "AppConfigClient",
  "DynamoDBClient",
  "SNSClient",
  "SQSClient",
  "SecretsManagerClient",
  "SSMClient",
  "KinesisClient",
  "STSClient",
  "AthenaClient",
];

beforeAll(async () => {
  await preloadServices(SERVICES);
  // A second instance of every module, which no setter ever sees: what mappings should be.
  vi.resetModules();
  pristine = await import("./index.js");
  await pristine.preloadServices(SERVICES);
});

/** What was handed to the setters, held weakly: holding it here would keep it alive. */
interface Handed {
  readonly what: string;
  readonly ref: WeakRef<object>;
}

/**
 * Puts setters on `Array.prototype[0 … indexes)` and on `Object.prototype[name]` for each of
 * `members`. A setter records the target it was handed and the value when that is an object,
 * then defines the member on the target: with the value (`keep`), with `"forged"` in place of
 * text (`lie`), or with the value after removing every setter (`once`, a setter that is gone
 * before anyone looks).
 */
function installSetters(
  mode: "keep" | "lie" | "once",
  indexes: number,
  members: readonly string[] = [],
) {
  const handed = new Map<number, Handed>();
  const seen = new WeakSet<object>();
  const record = (what: string, value: unknown) => {
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    // Nothing can be changed through an object that is frozen through and through.
    if (deeplyFrozen(value)) return;
    seen.add(value);
    handed.set(handed.size, { what, ref: new WeakRef(value) });
  };
  const arrayPrototype = Array.prototype as unknown as Record<PropertyKey, unknown>;
  const objectPrototype = Object.prototype as unknown as Record<PropertyKey, unknown>;
  const places: Array<readonly [Record<PropertyKey, unknown>, PropertyKey]> = [];
  for (let i = 0; i < indexes; i++) places.push([arrayPrototype, i]);
  for (const name of members) places.push([objectPrototype, name]);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    for (const [prototype, key] of places) delete prototype[key];
  };
  for (const [prototype, key] of places)
    Object.defineProperty(prototype, key, {
      configurable: true,
      set(this: object, value: unknown) {
        if (mode === "once") remove();
        const where = prototype === arrayPrototype ? `[${String(key)}]` : `.${String(key)}`;
        record(`a target of ${where}`, this);
        record(`a value written to ${where}`, value);
        Object.defineProperty(this, key, {
          value: mode === "lie" && typeof value === "string" ? "forged" : value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      },
    });
  return { handed, remove };
}

function deeplyFrozen(value: object, depth = 0): boolean {
  if (depth > 4 || !Object.isFrozen(value) || value instanceof Map || value instanceof Set)
    return false;
  for (const key of Reflect.ownKeys(value)) {
    const member = Object.getOwnPropertyDescriptor(value, key);
    if (member === undefined || !("value" in member)) return false;
    const inner: unknown = member.value;
    if (typeof inner === "object" && inner !== null && !deeplyFrozen(inner, depth + 1))
      return false;
  }
  return true;
}

/**
 * Maps the calls while setters are in place, then returns what was handed that is still
 * reachable after a full collection, which only something iam-map keeps can explain.
 */
async function stillReachable(
  setters: ReturnType<typeof installSetters>,
  calls: ReadonlyArray<() => AuthorizationInput>,
  rounds = 3,
): Promise<Handed[]> {
  try {
    // Several rounds: some things are kept only when a call repeats the last one.
    for (let round = 0; round < rounds; round++)
      for (const call of calls) authorizationForSync(call());
  } finally {
    setters.remove();
  }
  expect(prototypePollution()).toBeUndefined();
  // Weak references keep their targets until the current job ends.
  await new Promise((resolve) => setTimeout(resolve, 0));
  collectGarbage();
  collectGarbage();
  return [...setters.handed.values()].filter((h) => h.ref.deref() !== undefined);
}

/** What was handed and is still reachable, in words. */
function described(reachable: readonly Handed[]): string[] {
  return reachable.map((h) => `${h.what}: ${preview(h.ref.deref())}`);
}

function preview(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 120);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Changes what can be changed of each object: text becomes `"forged"`, and a frozen object held
 * by one that is not is replaced by a look-alike that reads as the original once and as
 * `"forged"` after (as code that kept the holder could do).
 */
function forge(target: object, depth = 0, done = new WeakSet<object>()): void {
  if (depth > 4 || done.has(target)) return;
  done.add(target);
  if (target instanceof Map) {
    for (const [key, value] of target) {
      if (typeof value === "string") target.set(key, "forged");
      else if (typeof value === "object" && value !== null) forge(value, depth + 1, done);
    }
    return;
  }
  if (Object.isFrozen(target)) return;
  for (const key of Reflect.ownKeys(target)) {
    if (typeof key === "symbol" || (Array.isArray(target) && key === "length")) continue;
    const member = Object.getOwnPropertyDescriptor(target, key);
    if (member === undefined || !("value" in member) || !member.writable) continue;
    const value: unknown = member.value;
    let replacement: unknown = value;
    if (typeof value === "string") replacement = "forged";
    else if (typeof value === "object" && value !== null) {
      if (Object.isFrozen(value)) replacement = lookalike(value);
      else forge(value, depth + 1, done);
    }
    if (replacement !== value)
      Object.defineProperty(target, key, { ...member, value: replacement });
  }
}

function lookalike(original: object): object {
  const copy: Record<string, unknown> = Array.isArray(original) ? ([] as never) : {};
  for (const key of Object.keys(original)) {
    const value = (original as Record<string, unknown>)[key];
    let reads = 0;
    Object.defineProperty(copy, key, {
      enumerable: true,
      get: () => (typeof value === "string" && reads++ > 0 ? "forged" : value),
    });
  }
  return copy;
}

/** Forges everything handed that is still reachable, then maps the calls as a victim would. */
function afterForging(
  reachable: readonly Handed[],
  calls: ReadonlyArray<() => AuthorizationInput>,
): { actual: AuthorizationResult[]; expected: AuthorizationResult[] } {
  for (const h of reachable) {
    const target = h.ref.deref();
    if (target !== undefined) forge(target);
  }
  const actual: AuthorizationResult[] = [];
  const expected: AuthorizationResult[] = [];
  // Twice: the second call of each is served from what the first kept.
  for (let round = 0; round < 2; round++)
    for (const call of calls) {
      actual.push(plain(authorizationForSync(call())));
      expected.push(plain(pristine.authorizationForSync(call())));
    }
  return { actual, expected };
}

/** The result as data: reading it through once, as a consumer would. */
function plain(result: AuthorizationResult): AuthorizationResult {
  return JSON.parse(JSON.stringify(result)) as AuthorizationResult;
}

const summary = (results: readonly AuthorizationResult[]) =>
  results.map((r) => (r.known ? r.requests.map((q) => `${q.action} ${q.resource}`) : r.reason));

/** A call made afresh each time, so that nothing of the test's own keeps what it was handed. */
function caller(region: string, epoch: number, principal: string) {
  // One object for every call, as an application's principal has: the global context is reused.
  const tags = Object.freeze({ team: "blue" });
  return (
    service: string,
    operation: string,
    input: () => Record<string, unknown>,
  ): (() => AuthorizationInput) =>
    () => ({
      service,
      operation,
      input: input(),
      region,
      accountId: "210987654321",
      now: new Date(epoch),
      principal: {
        arn: `arn:aws:sts::210987654321:assumed-role/${principal}/s`,
        tags,
      },
    });
}

const CONTEXT_MEMBERS = [
  "context",
  "keys",
  "values",
  "unknown",
  "unknownContext",
  "resourceParts",
  "aws:RequestedRegion",
  "aws:PrincipalArn",
  "aws:PrincipalAccount",
  "aws:PrincipalType",
  "aws:PrincipalTag/team",
  "dynamodb:Select",
  "dynamodb:ReturnConsumedCapacity",
];

describe("what iam-map keeps for later calls, while prototypes have setters", () => {
  it("is never handed to setters on Array.prototype indexes, nor changed through what they were handed", async () => {
    const call = caller("eu-west-3", 1_700_000_000_000, "arrays");
    const calls = [
      call("S3Client", "PutObjectCommand", () => ({
        Bucket: "orders",
        Key: "k1",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
        ACL: "private",
        Tagging: "env=prod",
      })),
      call("S3Client", "GetObjectCommand", () => ({ Bucket: "orders", Key: "k2" })),
      call("EC2Client", "RunInstancesCommand", () => ({
        ImageId: "ami-12345678",
        InstanceType: "t3.micro",
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "env", Value: "prod" }] }],
      })),
      call("LambdaClient", "CreateFunctionCommand", () => ({
        FunctionName: "fn",
        Role: "arn:aws:iam::210987654321:role/exec",
        Runtime: "nodejs20.x",
        Handler: "i.h",
      })),
      call("KMSClient", "EncryptCommand", () => ({
        KeyId: "alias/app",
        Plaintext: new Uint8Array(1),
        EncryptionContext: { app: "x" },
      })),
      // A client whose identity no earlier name resolved to (it shares AppConfig's prefix).
      call("AppConfigDataClient", "StartConfigurationSessionCommand", () => ({
        ApplicationIdentifier: "app",
        EnvironmentIdentifier: "env",
        ConfigurationProfileIdentifier: "profile",
      })),
    ];
    const reachable = await stillReachable(installSetters("keep", 64), calls);
    expect.soft(described(reachable)).toEqual([]);
    const { actual, expected } = afterForging(reachable, calls);
    expect(summary(actual).slice(0, calls.length)).toEqual([
      [
        "s3:PutObject arn:aws:s3:::orders/k1",
        "s3:PutObjectAcl arn:aws:s3:::orders/k1",
        "s3:PutObjectTagging arn:aws:s3:::orders/k1",
        "kms:GenerateDataKey arn:aws:kms:eu-west-3:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      ],
      ["s3:GetObject arn:aws:s3:::orders/k2"],
      [
        "ec2:RunInstances arn:aws:ec2:eu-west-3::image/ami-12345678",
        "ec2:RunInstances arn:aws:ec2:eu-west-3:210987654321:instance/*",
        "ec2:RunInstances arn:aws:ec2:eu-west-3:210987654321:network-interface/*",
        "ec2:RunInstances arn:aws:ec2:eu-west-3:210987654321:security-group/*",
        "ec2:RunInstances arn:aws:ec2:eu-west-3:210987654321:subnet/*",
        "ec2:RunInstances arn:aws:ec2:eu-west-3:210987654321:volume/*",
        "ec2:CreateTags arn:aws:ec2:eu-west-3:210987654321:instance/*",
      ],
      [
        "lambda:CreateFunction arn:aws:lambda:eu-west-3:210987654321:function:fn",
        "iam:PassRole arn:aws:iam::210987654321:role/exec",
      ],
      ["kms:Encrypt arn:aws:kms:eu-west-3:210987654321:key/*"],
      [
        "appconfig:StartConfigurationSession arn:aws:appconfig:eu-west-3:210987654321:application/app/environment/env/configuration/profile",
      ],
    ]);
    expect(actual).toEqual(expected);
  });

  it("is never handed to setters on Object.prototype members, nor changed through what they were handed", async () => {
    const call = caller("ap-south-2", 1_700_000_100_000, "members");
    const calls = [
      call("DynamoDBClient", "GetItemCommand", () => ({
        TableName: "orders",
        Key: { pk: { S: "1" } },
        ReturnConsumedCapacity: "TOTAL",
      })),
      call("DynamoDBClient", "QueryCommand", () => ({
        TableName: "orders",
        IndexName: "by-customer",
        Select: "ALL_ATTRIBUTES",
      })),
      call("SNSClient", "PublishCommand", () => ({
        TopicArn: "arn:aws:sns:ap-south-2:210987654321:alerts",
        Message: "m",
      })),
    ];
    const reachable = await stillReachable(installSetters("keep", 0, CONTEXT_MEMBERS), calls);
    expect.soft(described(reachable)).toEqual([]);
    const { actual, expected } = afterForging(reachable, calls);
    expect(summary(actual).slice(0, calls.length)).toEqual([
      ["dynamodb:GetItem arn:aws:dynamodb:ap-south-2:210987654321:table/orders"],
      ["dynamodb:Query arn:aws:dynamodb:ap-south-2:210987654321:table/orders/index/by-customer"],
      ["sns:Publish arn:aws:sns:ap-south-2:210987654321:alerts"],
    ]);
    for (const result of actual)
      for (const request of result.requests)
        expect(request.context).toMatchObject({
          "aws:RequestedRegion": "ap-south-2",
          "aws:PrincipalTag/team": "blue",
        });
    expect(actual).toEqual(expected);
  });

  it("is not made of what setters wrote in place of the values", async () => {
    const call = caller("sa-east-1", 1_700_000_200_000, "liars");
    const calls = [
      call("SecretsManagerClient", "GetSecretValueCommand", () => ({ SecretId: "db-password" })),
      call("SSMClient", "GetParameterCommand", () => ({ Name: "/app/url" })),
      call("KinesisClient", "PutRecordCommand", () => ({
        StreamName: "events",
        PartitionKey: "p",
        Data: new Uint8Array(1),
      })),
      call("STSClient", "AssumeRoleCommand", () => ({
        RoleArn: "arn:aws:iam::210987654321:role/deploy",
        RoleSessionName: "s",
      })),
      // `workgroup/${WorkGroupName}` is read from `WorkGroup`, a name derived from the variable's.
      call("AthenaClient", "GetWorkGroupCommand", () => ({ WorkGroup: "reports" })),
    ];
    const reachable = await stillReachable(installSetters("lie", 64, CONTEXT_MEMBERS), calls);
    expect.soft(described(reachable)).toEqual([]);
    const { actual, expected } = afterForging(reachable, calls);
    expect(summary(actual).slice(0, calls.length)).toEqual([
      [
        "secretsmanager:GetSecretValue arn:aws:secretsmanager:sa-east-1:210987654321:secret:db-password-*",
      ],
      ["ssm:GetParameter arn:aws:ssm:sa-east-1:210987654321:parameter/app/url"],
      ["kinesis:PutRecord arn:aws:kinesis:sa-east-1:210987654321:stream/events"],
      ["sts:AssumeRole arn:aws:iam::210987654321:role/deploy"],
      ["athena:GetWorkGroup arn:aws:athena:sa-east-1:210987654321:workgroup/reports"],
    ]);
    expect(actual).toEqual(expected);
  });

  it("is not kept from a call whose setters removed themselves before the end (an operation's plan)", async () => {
    const call = caller("ca-central-1", 1_700_000_300_000, "once");
    // Operations no call mapped yet: their actions are prepared, and their plans made, now.
    const calls = [
      call("SQSClient", "SendMessageCommand", () => ({
        QueueUrl: "https://sqs.ca-central-1.amazonaws.com/210987654321/jobs",
        MessageBody: "b",
      })),
      call("SNSClient", "SubscribeCommand", () => ({
        TopicArn: "arn:aws:sns:ca-central-1:210987654321:alerts",
        Protocol: "email",
        Endpoint: "a@example.com",
      })),
    ];
    // One call each: a setter that removes itself fires once.
    const reachable: Handed[] = [];
    for (const one of calls)
      reachable.push(
        ...(await stillReachable(installSetters("once", 64, CONTEXT_MEMBERS), [one], 1)),
      );
    expect.soft(described(reachable)).toEqual([]);
    const { actual, expected } = afterForging(reachable, calls);
    expect(summary(actual).slice(0, calls.length)).toEqual([
      ["sqs:SendMessage arn:aws:sqs:ca-central-1:210987654321:jobs"],
      ["sns:Subscribe arn:aws:sns:ca-central-1:210987654321:alerts"],
    ]);
    expect(actual).toEqual(expected);
  });

  it("is not kept from a call whose setters removed themselves before the end (a reused mapping)", async () => {
    const call = caller("eu-north-1", 1_700_000_400_000, "once");
    const deleteIn = (Bucket: string, Key: string) =>
      call("S3Client", "DeleteObjectCommand", () => ({ Bucket, Key }));
    // The operation's plan, and a first call of it, while the prototypes are clean.
    authorizationForSync(deleteIn("public", "a")());
    const reachable = await stillReachable(
      installSetters("once", 64),
      [deleteIn("public", "b")],
      1,
    );
    expect.soft(described(reachable)).toEqual([]);
    const calls = [deleteIn("forged", "x"), deleteIn("public", "y")];
    const { actual, expected } = afterForging(reachable, calls);
    expect(summary(actual).slice(0, 2)).toEqual([
      ["s3:DeleteObject arn:aws:s3:::forged/x"],
      ["s3:DeleteObject arn:aws:s3:::public/y"],
    ]);
    expect(actual).toEqual(expected);
  });

  it("is never handed to setters when an action prepared earlier is first mapped in a new setting", async () => {
    const call = caller("us-west-2", 1_700_000_500_000, "later");
    const KeyId = "arn:aws:kms:us-west-2:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    // A member list of each operation, as the middleware passes one: its key plan is made anew.
    const vpcMembers = Object.freeze(["CidrBlock", "DryRun", "TagSpecifications"]);
    const keyMembers = Object.freeze(["EncryptionContext", "KeyId", "KeySpec"]);
    const vpc = call("EC2Client", "CreateVpcCommand", () => ({ CidrBlock: "10.0.0.0/16" }));
    // An action no other call in this file asks for (S3 reads may need `kms:Decrypt`).
    const dataKey = call("KMSClient", "GenerateDataKeyWithoutPlaintextCommand", () => ({
      KeyId,
      KeySpec: "AES_256",
    }));
    // HeadObject is authorized as s3:GetObject: its templates are compiled anew for it.
    const getObject = call("S3Client", "GetObjectCommand", () => ({ Bucket: "media", Key: "a" }));
    const headObject = call("S3Client", "HeadObjectCommand", () => ({ Bucket: "media", Key: "b" }));
    // The actions, plans and compiled templates are made while the prototypes are clean, by calls
    // that give no rule's key (no region, no caller), so that no key is looked up on the actions.
    authorizationForSync({ ...vpc(), region: undefined });
    authorizationForSync({ ...dataKey(), principal: undefined });
    authorizationForSync(getObject());
    const calls = [
      () => ({ ...vpc(), inputMembers: vpcMembers }),
      () => ({ ...dataKey(), inputMembers: keyMembers }),
      headObject,
    ];
    // Setters that write "forged" in place of text: nothing made while they are in place is kept.
    const reachable = await stillReachable(installSetters("lie", 64, CONTEXT_MEMBERS), calls);
    expect.soft(described(reachable)).toEqual([]);
    const { actual, expected } = afterForging(reachable, calls);
    expect(summary(actual).slice(0, calls.length)).toEqual([
      ["ec2:CreateVpc arn:aws:ec2:us-west-2:210987654321:vpc/*"],
      [`kms:GenerateDataKeyWithoutPlaintext ${KeyId}`],
      ["s3:GetObject arn:aws:s3:::media/b"],
    ]);
    expect(actual).toEqual(expected);
  });
});

describe("a finished resource, kept for later calls", () => {
  it("is not made of a part read from Object.prototype where the list has none", () => {
    const resource = `${unknownPart("the queue the request names")}/messages`;
    const added = Object.prototype as unknown as Record<string, unknown>;
    added["-1"] = { unknown: "nothing" };
    try {
      finishResource(resource);
    } finally {
      delete added["-1"];
    }
    expect(finishResource(resource)).toEqual({
      resource: "*/messages",
      resourceParts: [{ unknown: "the queue the request names" }, "/messages"],
    });
  });
});
