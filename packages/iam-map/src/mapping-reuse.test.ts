import { beforeAll, describe, expect, it, vi } from "vitest";
import { authorizationForSync, preloadServices } from "./authorization.js";
import {
  type CallSetting,
  freshMappings,
  MappingReuse,
  mappingReuseCounts,
} from "./mapping-reuse.js";
import { RECORD_PROTOTYPE } from "./object-prototype.js";
import { FIXED, record } from "./test-utils/map.js";
import { random } from "./test-utils/random.js";
import type { AuthorizationInput, AuthorizationResult } from "./types.js";

beforeAll(() => preloadServices(["S3Client", "DynamoDBClient"]));

const principal = { arn: "arn:aws:sts::123456789012:assumed-role/app/s" };
const base = { ...FIXED, principal, service: "S3Client" };

/** How an input reaches iam-map: a record (as the middleware's copies), a plain object, or one without a prototype. */
type InputForm = "record" | "plain" | "bare";

function inputOf(members: Record<string, unknown>, form: InputForm): Record<string, unknown> {
  if (form === "record") return record(members);
  if (form === "plain") return { ...members };
  return Object.assign(Object.create(null) as Record<string, unknown>, members);
}

/** The call mapped as it comes (reused where it can be) and afresh. */
function both(
  operation: string,
  members: Record<string, unknown>,
  extra: Partial<AuthorizationInput> = {},
  form: InputForm = "record",
) {
  const args: AuthorizationInput = { ...base, operation, ...extra, input: inputOf(members, form) };
  const reused = authorizationForSync(args);
  const fresh = freshMappings(() =>
    authorizationForSync({ ...args, input: inputOf(members, form) }),
  );
  return { reused, fresh };
}

/** Maps the call both ways and requires the same mapping, naming the call when they differ. */
function expectSameAsFresh(
  where: string,
  operation: string,
  members: Record<string, unknown>,
  extra: Partial<AuthorizationInput>,
  form: InputForm,
) {
  const { reused, fresh } = both(operation, members, extra, form);
  const call = `${where}: ${operation} ${form} ${JSON.stringify(members)}`;
  expect(JSON.stringify(reused), call).toBe(JSON.stringify(fresh));
}

/** Most calls since `before` were served by reuse: the comparison was of reused mappings. */
function expectMostlyReused(before: ReturnType<typeof mappingReuseCounts>) {
  const after = mappingReuseCounts();
  expect(after.reused - before.reused).toBeGreaterThan(4000);
  expect(after.made - before.made).toBeGreaterThan(100);
}

/**
 * Calls until one is reused, so that the operation's next new class is made rather than left to
 * the fresh mapping (after many new classes in a row, only one call in 32 makes one).
 */
function untilReused(
  operation: string,
  membersOf: (i: number) => Record<string, unknown>,
  extra = {},
) {
  const before = mappingReuseCounts().reused;
  for (let i = 0; i < 100 && mappingReuseCounts().reused === before; i++)
    both(operation, membersOf(i), extra);
  expect(mappingReuseCounts().reused).toBeGreaterThan(before);
}

/**
 * Runs `run` while `Array.prototype` has a setter at index 0 that defines the entry on the list
 * written to and then calls `onSet` with the list and the value.
 */
function withIndexSetter(onSet: (list: unknown[], value: unknown) => void, run: () => void) {
  Object.defineProperty(Array.prototype, "0", {
    configurable: true,
    set(this: unknown[], value: unknown) {
      Object.defineProperty(this, "0", {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      onSet(this, value);
    },
  });
  try {
    run();
  } finally {
    delete (Array.prototype as unknown as Record<string, unknown>)["0"];
  }
}

const BUCKETS = [
  "orders",
  "orders.example.com",
  "reports",
  "arn:aws:s3:us-east-1:123456789012:accesspoint/web",
  "web-a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6-s3alias",
  "logs--usw2-az1--x-s3",
  "arn:aws:s3-object-lambda:us-east-1:123456789012:accesspoint/olap",
  "arn:aws:s3-outposts:us-east-1:123456789012:outpost/op-1/accesspoint/ap",
  "arn:aws:sqs:us-east-1:123456789012:not-a-bucket",
  "",
];

/** Keys of every kind: plain, path-like, unusual characters, ARN-like, reserved, too long. */
const KEY_KINDS: ReadonlyArray<(n: number) => string> = [
  (n) => `2024/${n}.json`,
  (n) => `k${n}`,
  (n) => `/leading/${n}`,
  (n) => `trailing/${n}/`,
  (n) => `a b*c?${n}`,
  (n) => `\${aws:username}/${n}`,
  (n) => `../${n}/..`,
  (n) => `üñí/${n}/日本`,
  (n) => `arn:aws:s3:::other/${n}`,
  (n) => `bad\uE001${n}`,
  () => "",
  (n) => `${"x".repeat(1020)}${n}`.slice(0, 1024),
  (n) => `${"y".repeat(1030)}${n}`,
  () => "orders",
  () => "reports/orders",
];

/** Payload text that differs on every call it is given to (see `vary`). */
const BODY_TEXT = Symbol("text");
const BODY_ARN = Symbol("ARN-like text");

const OPTIONAL: ReadonlyArray<readonly [string, readonly unknown[]]> = [
  ["VersionId", ["v1", "", 3]],
  ["ServerSideEncryption", ["AES256", "aws:kms", "aws:kms:dsse"]],
  ["SSEKMSKeyId", ["arn:aws:kms:us-east-1:123456789012:key/k1", "alias/orders", "k1"]],
  ["ACL", ["private", "public-read"]],
  ["Tagging", ["a=b", "a=b&c=d", ""]],
  ["ChecksumAlgorithm", ["SHA256", "CRC32"]],
  ["ContentType", ["application/json", " text/plain"]],
  ["ExpectedBucketOwner", ["123456789012", "210987654321"]],
  ["RequestPayer", ["requester"]],
  ["IfMatch", ['"etag"']],
  ["PartNumber", [1, 2]],
  ["UploadId", ["u-1"]],
  ["Range", ["bytes=0-9"]],
  ["Metadata", [{ a: "b" }]],
  ["Body", [new Uint8Array(4), Buffer.from("x"), "text", "arn:aws:s3:::x/y", "", undefined]],
  ["Body", [BODY_TEXT, BODY_ARN]],
];

const FORMS: readonly InputForm[] = ["record", "record", "plain", "bare"];
const OPERATIONS = ["GetObject", "HeadObject", "DeleteObject", "PutObject", "UploadPart"];
const REGIONS = ["us-east-1", "cn-north-1", "us-gov-west-1", undefined];
const MEMBER_LISTS = [
  undefined,
  Object.freeze(["Bucket", "Key", "VersionId", "Body", "ServerSideEncryption", "Tagging"]),
];

describe("mappings reused across calls that differ only in the object key", () => {
  it("equal a fresh mapping in every one of 12,000 random calls", () => {
    const { next, pick } = random(20241201);
    const before = mappingReuseCounts();
    // Bursts of calls of one kind with new keys, as traffic comes; now and then another member.
    for (let burst = 0; burst < 600; burst++) {
      const operation = pick(OPERATIONS);
      const common: Record<string, unknown> = { Bucket: pick(BUCKETS) };
      for (const [name, values] of OPTIONAL) if (next() < 0.08) common[name] = pick(values);
      const extra: Partial<AuthorizationInput> = {
        region: pick(REGIONS),
        inputMembers: pick(MEMBER_LISTS),
        now: new Date(FIXED.now.getTime() + Math.floor(next() * 3) * 1000),
        principal: next() < 0.9 ? principal : { arn: "arn:aws:iam::123456789012:user/u" },
      };
      const form = pick(FORMS);
      for (let i = 0; i < 20; i++) {
        const members = { ...common };
        if (next() < 0.97) members["Key"] = pick(KEY_KINDS)(burst * 20 + i);
        if (next() < 0.1) {
          const [name, values] = pick(OPTIONAL);
          members[name] = pick(values);
        }
        if (members["Body"] === BODY_TEXT) members["Body"] = `{"n":${burst * 20 + i}}`;
        if (members["Body"] === BODY_ARN) members["Body"] = `arn:aws:s3:::b/${burst * 20 + i}`;
        expectSameAsFresh(`burst ${burst}, call ${i}`, operation, members, extra, form);
      }
    }
    expectMostlyReused(before);
  });

  it("puts the new key where the old one stood, and nowhere else", () => {
    for (const key of ["a.json", "orders", "reports/orders/x", "arn", "*"]) {
      const { reused, fresh } = both("GetObject", { Bucket: "orders", Key: key });
      expect(reused).toEqual(fresh);
      expect(reused.requests[0]?.resource).toBe(`arn:aws:s3:::orders/${key}`);
    }
  });

  it("keeps a key that is also the bucket's name apart from the bucket", () => {
    both("GetObject", { Bucket: "same", Key: "same" });
    const { reused, fresh } = both("GetObject", { Bucket: "same", Key: "other" });
    expect(reused.requests[0]?.resource).toBe("arn:aws:s3:::same/other");
    expect(reused).toEqual(fresh);
  });

  it("hands every call its own lists and requests: changing one leaves the next call as it was", () => {
    const first = both("PutObject", { Bucket: "orders", Key: "a" }).reused;
    first.requests.push({ action: "s3:DeleteBucket", resource: "*" });
    first.alsoMayNeed.length = 0;
    const request = first.requests[0]!;
    request.resource = "arn:aws:s3:::other/x";
    request.action = "s3:ListBucket";
    const { reused, fresh } = both("PutObject", { Bucket: "orders", Key: "b" });
    expect(reused).toEqual(fresh);
    expect(reused.requests).toHaveLength(1);
    expect(reused.requests[0]?.action).toBe("s3:PutObject");
  });

  it("maps afresh a key held behind a getter, in a proxy, or in an input of another class", () => {
    both("GetObject", { Bucket: "orders", Key: "warm" });
    let reads = 0;
    const getter = Object.create(RECORD_PROTOTYPE, {
      Bucket: { value: "orders", enumerable: true },
      Key: {
        get: () => (reads++ === 0 ? "public/a" : "private/a"),
        enumerable: true,
      },
    });
    const args = { ...base, operation: "GetObject" };
    const viaGetter = authorizationForSync({ ...args, input: getter });
    expect(viaGetter.requests[0]?.resource).toBe("arn:aws:s3:::orders/public/a");
    expect(reads).toBe(1);

    const proxied = new Proxy(record({ Bucket: "orders", Key: "p" }), {});
    expect(authorizationForSync({ ...args, input: proxied })).toEqual(
      authorizationForSync({ ...args, input: { Bucket: "orders", Key: "p" } }),
    );

    class Input {
      Bucket = "orders";
      get Key() {
        return "k";
      }
    }
    expect(authorizationForSync({ ...args, input: new Input() }).requests[0]?.resource).toBe(
      "arn:aws:s3:::orders/*",
    );
  });

  it("maps afresh a key that names something else: an ARN, reserved characters, too long", () => {
    both("GetObject", { Bucket: "orders", Key: "warm" });
    for (const key of ["arn:aws:s3:::x/y", "a\uE002b", "z".repeat(1025), ""]) {
      const { reused, fresh } = both("GetObject", { Bucket: "orders", Key: key });
      expect(reused).toEqual(fresh);
    }
  });

  it("tells payloads apart by kind: text, ARN-like text, empty text, bytes", () => {
    for (const body of ["{}", "arn:aws:s3:::x/y", "", new Uint8Array(2), Buffer.from("b")]) {
      const { reused, fresh } = both("PutObject", { Bucket: "orders", Key: "a", Body: body });
      expect(reused).toEqual(fresh);
      const next = both("PutObject", { Bucket: "orders", Key: "b", Body: body });
      expect(next.reused).toEqual(next.fresh);
    }
  });

  it("reuses nothing for a member list that holds a getter, frozen or not", () => {
    let reads = 0;
    const list: string[] = ["Bucket", "Key"];
    Object.defineProperty(list, 2, {
      enumerable: true,
      get() {
        reads++;
        return "ChecksumMode";
      },
    });
    Object.freeze(list);
    const before = mappingReuseCounts();
    for (let i = 0; i < 4; i++) {
      const { reused, fresh } = both(
        "HeadObject",
        { Bucket: "getter", Key: `k${i}` },
        { inputMembers: list },
      );
      expect(reused).toEqual(fresh);
    }
    expect(mappingReuseCounts()).toEqual(before);
    expect(reads).toBeGreaterThan(0);
  });

  it("keeps no payload in a class: an upload's buffer is not held after its call", async () => {
    const { setFlagsFromString } = await import("node:v8");
    const { runInNewContext } = await import("node:vm");
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    untilReused("PutObject", (i) => ({ Bucket: "uploads", Key: `w${i}`, Body: new Uint8Array(8) }));
    let body: Uint8Array | undefined = new Uint8Array(1 << 20);
    const held = new WeakRef(body);
    const before = mappingReuseCounts().made;
    authorizationForSync({
      ...base,
      operation: "PutObject",
      input: record({ Bucket: "uploads-large", Key: "second", Body: body }),
    });
    expect(mappingReuseCounts().made).toBe(before + 1);
    body = undefined;
    for (let i = 0; i < 3 && held.deref() !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
    }
    expect(held.deref()).toBeUndefined();
  });

  it("keeps each caller's, region's and second's mapping apart", () => {
    const other = { arn: "arn:aws:iam::210987654321:user/other", accountId: "210987654321" };
    for (let i = 0; i < 4; i++) {
      for (const extra of [
        {},
        { principal: other },
        { region: "eu-west-1" },
        { now: new Date(FIXED.now.getTime() + 5000) },
        { secureTransport: false },
        { accountId: "210987654321" },
        { partition: "aws-cn" },
      ]) {
        const { reused, fresh } = both("GetObject", { Bucket: "orders", Key: `k${i}` }, extra);
        expect(reused).toEqual(fresh);
      }
    }
  });
});

/** A DynamoDB item key of one attribute, `{ <attribute>: { S: <text> } }`, in the input's form. */
function itemKey(attribute: string, text: string, form: InputForm): Record<string, unknown> {
  return inputOf({ [attribute]: inputOf({ S: text }, form) }, form);
}

const TABLES = [
  "orders",
  "orders.v2",
  "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
  "arn:aws:dynamodb:eu-west-1:210987654321:table/other",
  "arn:aws:sqs:us-east-1:123456789012:not-a-table",
  "",
];

/** Partition key values of every kind, as `KEY_KINDS`, plus keys that are not one `S` text. */
const ITEM_KEY_KINDS: ReadonlyArray<(n: number, form: InputForm) => unknown> = [
  ...KEY_KINDS.map((kind) => (n: number, form: InputForm) => itemKey("pk", kind(n), form)),
  (n, form) => itemKey("tenant", `t-${n}`, form),
  (n, form) => inputOf({ pk: inputOf({ N: `${n}` }, form) }, form),
  (n, form) => inputOf({ pk: inputOf({ S: `a${n}`, N: "1" }, form) }, form),
  (n, form) => inputOf({ pk: inputOf({ S: `p${n}` }, form), sk: inputOf({ S: "s" }, form) }, form),
  (n, form) => inputOf({ pk: inputOf({ B: new Uint8Array([n & 255]) }, form) }, form),
  (n) => ({ pk: record({ S: `mixed${n}` }) }),
  () => inputOf({}, "record"),
  (n) => `k${n}`,
];

const ITEM_OPTIONAL: ReadonlyArray<readonly [string, readonly unknown[]]> = [
  ["ProjectionExpression", ["a, b", "#n", "a.b[0]", "pk"]],
  ["ConsistentRead", [true, false]],
  ["ReturnConsumedCapacity", ["TOTAL", "NONE"]],
  ["ReturnValues", ["ALL_OLD", "NONE"]],
  ["ConditionExpression", ["attribute_exists(pk)"]],
  ["UpdateExpression", ["SET a = :a"]],
  ["ExpressionAttributeNames", [{ "#n": "name" }]],
  ["AttributesToGet", [["a", "b"]]],
];

describe("DynamoDB item mappings reused across calls that differ only in the partition key", () => {
  it("equal a fresh mapping in every one of 12,000 random calls", () => {
    const { next, pick } = random(20261202);
    const before = mappingReuseCounts();
    for (let burst = 0; burst < 600; burst++) {
      const operation = pick(["GetItem", "DeleteItem", "UpdateItem"]);
      const common: Record<string, unknown> = { TableName: pick(TABLES) };
      for (const [name, values] of ITEM_OPTIONAL) if (next() < 0.1) common[name] = pick(values);
      const extra: Partial<AuthorizationInput> = {
        service: "DynamoDBClient",
        region: pick(REGIONS),
        now: new Date(FIXED.now.getTime() + Math.floor(next() * 3) * 1000),
        principal: next() < 0.9 ? principal : { arn: "arn:aws:iam::123456789012:user/u" },
      };
      const form = pick(FORMS);
      // Mostly one kind of key per burst, as a table is read; now and then another kind.
      const kind = next() < 0.8 ? ITEM_KEY_KINDS[0]! : pick(ITEM_KEY_KINDS);
      for (let i = 0; i < 20; i++) {
        const n = burst * 20 + i;
        const members = { ...common };
        if (next() < 0.97) members["Key"] = (next() < 0.9 ? kind : pick(ITEM_KEY_KINDS))(n, form);
        if (next() < 0.1) {
          const [name, values] = pick(ITEM_OPTIONAL);
          members[name] = pick(values);
        }
        expectSameAsFresh(`burst ${burst}, call ${i}`, operation, members, extra, form);
      }
    }
    expectMostlyReused(before);
  });

  const table = (key: unknown, extra: Record<string, unknown> = {}) => ({
    TableName: "orders",
    Key: key,
    ...extra,
  });
  const ddb = { service: "DynamoDBClient" };
  const leading = (result: AuthorizationResult) =>
    result.requests[0]?.context?.["dynamodb:LeadingKeys"];

  it("puts the new partition key in dynamodb:LeadingKeys, and nowhere else", () => {
    for (const text of ["a", "tenant-1", "orders", "dynamodb", "*", "a/b c"]) {
      const { reused, fresh } = both("GetItem", table(itemKey("pk", text, "record")), ddb);
      expect(reused).toEqual(fresh);
      expect(leading(reused)).toEqual([text]);
      expect(reused.requests[0]?.resource).toBe(
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
      );
    }
    const before = mappingReuseCounts().reused;
    both("GetItem", table(itemKey("pk", "last", "record")), ddb);
    expect(mappingReuseCounts().reused).toBe(before + 1);
  });

  it("hands every call its own context and list: changing one leaves the next call as it was", () => {
    both("GetItem", table(itemKey("pk", "warm", "record")), ddb);
    const first = both("GetItem", table(itemKey("pk", "mine", "record")), ddb).reused;
    const context = first.requests[0]!.context as Record<string, unknown>;
    (context["dynamodb:LeadingKeys"] as string[]).push("victim");
    context["dynamodb:Attributes"] = ["secret"];
    const { reused, fresh } = both("GetItem", table(itemKey("pk", "next", "record")), ddb);
    expect(reused).toEqual(fresh);
    expect(leading(reused)).toEqual(["next"]);
    expect(reused.requests[0]?.context).not.toHaveProperty("dynamodb:Attributes");
  });

  it("maps afresh a key that is not one enumerable S text of data members", () => {
    both("GetItem", table(itemKey("pk", "warm", "record")), ddb);
    both("GetItem", table(itemKey("pk", "warm2", "record")), ddb);
    let reads = 0;
    const hiddenSecond = itemKey("pk", "a", "record");
    Object.defineProperty(hiddenSecond, "sk", { value: record({ S: "s" }), enumerable: false });
    const symbolSecond = itemKey("pk", "a", "record");
    Object.defineProperty(symbolSecond, Symbol("sk"), {
      value: record({ S: "s" }),
      enumerable: true,
    });
    const hiddenAttribute = record({});
    Object.defineProperty(hiddenAttribute, "pk", { value: record({ S: "h" }), enumerable: false });
    const keys: unknown[] = [
      new Proxy(itemKey("pk", "p", "record"), {}),
      record({ pk: new Proxy(record({ S: "p" }), {}) }),
      hiddenSecond,
      symbolSecond,
      hiddenAttribute,
      record({ pk: { S: "mixed prototypes" } }),
      record({ pk: record({ S: "x", N: "1" }) }),
      record({ pk: record({ N: "1" }) }),
      record({ pk: record({ S: "arn:aws:dynamodb:us-east-1:123456789012:table/orders" }) }),
      record({ pk: record({ S: "bad\uE001" }) }),
      record({ pk: record({ S: "" }) }),
      record({ pk: record({ S: "p" }), sk: record({ S: "s" }) }),
      record({ pk: [record({ S: "p" })] }),
    ];
    const before = mappingReuseCounts().reused;
    for (const key of keys) {
      const { reused, fresh } = both("GetItem", table(key), ddb);
      expect(reused).toEqual(fresh);
    }
    // A getter is asked once, by the fresh mapping: the SDK would send what it says then.
    const viaGetter = authorizationForSync({
      ...base,
      ...ddb,
      operation: "GetItem",
      input: record(
        table(
          record({
            pk: Object.create(RECORD_PROTOTYPE, {
              S: { get: () => (reads++ ? "b" : "a"), enumerable: true },
            }),
          }),
        ),
      ),
    });
    expect(leading(viaGetter)).toEqual(["a"]);
    expect(reads).toBe(1);
    expect(mappingReuseCounts().reused).toBe(before);
  });

  it("keeps no class whose key code in the process could hold: a setter that removes itself", () => {
    const input = (name: string, text: string) =>
      record({ TableName: name, Key: itemKey("pk", text, "record") });
    untilReused("DeleteItem", (i) => input("warm", `w${i}`), ddb);
    const attacked = input("public", "a");
    let held: unknown[] | undefined;
    withIndexSetter(
      (list, value) => {
        if (value !== "public" || held !== undefined) return;
        delete (Array.prototype as unknown as Record<string, unknown>)["0"];
        held = list;
        // The second reading of the input fails, so that only the first one could make a class.
        Object.defineProperty(attacked, "TableName", { value: {}, enumerable: true });
      },
      () => authorizationForSync({ ...base, ...ddb, operation: "DeleteItem", input: attacked }),
    );
    // A list the fresh mapping filled may have been handed over: changing it now changes nothing.
    if (held !== undefined) held[0] = "secret";
    for (let i = 0; i < 3; i++) {
      const { reused, fresh } = both("DeleteItem", input("secret", `victim${i}`), ddb);
      expect(reused.requests[0]?.resource).toBe(
        "arn:aws:dynamodb:us-east-1:123456789012:table/secret",
      );
      expect(reused).toEqual(fresh);
    }
  });

  it("keeps each table's and key attribute's mapping apart", () => {
    for (let i = 0; i < 3; i++) {
      for (const [name, attribute] of [
        ["orders", "pk"],
        ["orders", "tenant"],
        ["users", "pk"],
      ] as const) {
        const { reused, fresh } = both(
          "GetItem",
          { TableName: name, Key: itemKey(attribute, `v${i}`, "record") },
          ddb,
        );
        expect(reused).toEqual(fresh);
      }
    }
  });
});

describe("MappingReuse", () => {
  const setting: CallSetting = {
    global: {},
    region: "us-east-1",
    account: "123456789012",
    partition: "aws",
    inputMembers: undefined,
    catalogs: 1,
  };
  /** A stand-in for the mapping: the key goes into the resource, and calls are counted. */
  function counted(shape: (name: string) => AuthorizationResult) {
    const calls: string[] = [];
    const fresh = (input: object) => {
      const name = (input as { Key: string }).Key;
      calls.push(name);
      return shape(name);
    };
    return { calls, fresh };
  }
  const objectArn = (name: string): AuthorizationResult => ({
    known: true,
    service: "s3",
    requests: [{ action: "s3:GetObject", resource: `arn:aws:s3:::b/${name}`, context: {} }],
    alsoMayNeed: [],
  });

  /** A reuse past the operation's first call, which is always mapped afresh and makes no class. */
  function pastFirstCall(members: ConstructorParameters<typeof MappingReuse>[0]): MappingReuse {
    const reuse = new MappingReuse(members);
    const fresh = (input: object) => objectArn((input as { Key: string }).Key);
    expect(reuse.result(record({ Bucket: "first", Key: "k" }), setting, fresh)).toBeUndefined();
    return reuse;
  }

  it("maps an operation's first call afresh and makes no class of it", () => {
    const reuse = new MappingReuse({ name: "Key" });
    const { calls, fresh } = counted(objectArn);
    expect(reuse.result(record({ Bucket: "b", Key: "one" }), setting, fresh)).toBeUndefined();
    expect(calls).toHaveLength(0);
    expect(reuse.result(record({ Bucket: "b", Key: "two" }), setting, fresh)).toEqual(
      objectArn("two"),
    );
    expect(calls).toHaveLength(3);
    expect(reuse.result(record({ Bucket: "b", Key: "three" }), setting, fresh)).toEqual(
      objectArn("three"),
    );
    expect(calls).toHaveLength(3);
  });

  it("maps a class three times when it makes it (the call and two random names), then never", () => {
    const reuse = pastFirstCall({ name: "Key" });
    const { calls, fresh } = counted(objectArn);
    expect(reuse.result(record({ Bucket: "b", Key: "one" }), setting, fresh)).toEqual(
      objectArn("one"),
    );
    expect(calls).toHaveLength(3);
    expect(calls[0]).toBe("one");
    expect(calls[1]).not.toBe(calls[2]);
    expect(reuse.result(record({ Bucket: "b", Key: "two" }), setting, fresh)).toEqual(
      objectArn("two"),
    );
    expect(calls).toHaveLength(3);
  });

  it("makes its random names without the global crypto, whose first read loads Web Crypto", async () => {
    const original = Object.getOwnPropertyDescriptor(globalThis, "crypto");
    let reads = 0;
    Object.defineProperty(globalThis, "crypto", {
      configurable: true,
      get() {
        reads++;
        return original?.get ? original.get.call(globalThis) : original?.value;
      },
    });
    try {
      vi.resetModules();
      // The test's records too: they must carry the freshly loaded modules' record prototype.
      const fresh = await import("./mapping-reuse.js");
      const { record: freshRecord } = await import("./test-utils/map.js");
      const reuse = new fresh.MappingReuse({ name: "Key" });
      const { calls, fresh: map } = counted(objectArn);
      reuse.result(freshRecord({ Bucket: "b", Key: "one" }), setting, map);
      reuse.result(freshRecord({ Bucket: "b", Key: "two" }), setting, map);
      expect(calls).toHaveLength(3);
      expect(reads).toBe(0);
    } finally {
      if (original) Object.defineProperty(globalThis, "crypto", original);
    }
  });

  it("does not reuse a mapping that puts the name anywhere but in a resource", () => {
    const reuse = pastFirstCall({ name: "Key" });
    const inContext = (name: string): AuthorizationResult => ({
      ...objectArn(name),
      requests: [{ action: "s3:GetObject", resource: "*", context: { "s3:key": name } }],
    });
    const { calls, fresh } = counted(inContext);
    reuse.result(record({ Key: "one" }), setting, fresh);
    expect(reuse.result(record({ Key: "two" }), setting, fresh)).toBeUndefined();
    expect(calls).toHaveLength(3);
  });

  it("does not reuse a mapping whose result depends on the name's shape", () => {
    const reuse = pastFirstCall({ name: "Key" });
    // A rule that looked at the key: keys with a slash map to another action.
    const { fresh } = counted((name) =>
      name.includes("/")
        ? { ...objectArn(name), requests: [{ action: "s3:ListBucket", resource: "*" }] }
        : objectArn(name),
    );
    reuse.result(record({ Key: "one" }), setting, fresh);
    expect(reuse.result(record({ Key: "a/b" }), setting, fresh)).toBeUndefined();
  });

  it("does not reuse a mapping whose reused form differs from the call's own", () => {
    const reuse = pastFirstCall({ name: "Key" });
    // Right for random names, wrong for the one the call gave.
    const { fresh } = counted((name) => objectArn(name === "one" ? "x" : name));
    reuse.result(record({ Key: "one" }), setting, fresh);
    expect(reuse.result(record({ Key: "two" }), setting, fresh)).toBeUndefined();
  });

  it("makes a new class when anything the mapping depends on changes", () => {
    const { calls, fresh } = counted(objectArn);
    const changes: Array<[Partial<CallSetting>, Record<string, unknown>]> = [
      [{ global: {} }, { Bucket: "b" }],
      [{ region: "eu-west-1" }, { Bucket: "b" }],
      [{ account: "1" }, { Bucket: "b" }],
      [{ partition: "aws-cn" }, { Bucket: "b" }],
      [{ inputMembers: Object.freeze(["Key"]) }, { Bucket: "b" }],
      [{ catalogs: 2 }, { Bucket: "b" }],
      [{}, { Bucket: "c" }],
      [{}, { Bucket: "b", VersionId: "v" }],
      [{}, { Key: "first", Bucket: "b" }],
    ];
    for (const [change, members] of changes) {
      const reuse = pastFirstCall({ name: "Key" });
      reuse.result(record({ Bucket: "b", Key: "one" }), setting, fresh);
      reuse.result(record({ Bucket: "b", Key: "two" }), setting, fresh);
      const before = calls.length;
      reuse.result(record({ Key: "n", ...members }), { ...setting, ...change }, fresh);
      expect(calls.length, JSON.stringify(change)).toBe(before + 3);
    }
  });

  it("maps afresh inputs it cannot read as plain data, and never calls a getter", () => {
    const reuse = pastFirstCall({ name: "Key", payload: "Body" });
    const { calls, fresh } = counted(objectArn);
    let called = false;
    const inputs: unknown[] = [
      Object.assign(Object.create({ inherited: true }), { Key: "another prototype" }),
      Object.create(RECORD_PROTOTYPE, {
        Key: {
          enumerable: true,
          get: () => {
            called = true;
            return "x";
          },
        },
      }),
      new Proxy(record({ Key: "p" }), {}),
      record({ Key: "k", Tags: ["a"] }),
      record({ Key: "k", Body: new Proxy(new Uint8Array(1), {}) }),
      record({ Key: "k", Body: { pipe() {} } }),
      // Bytes whose prototype could later say they are something else.
      record({
        Key: "k",
        Body: Object.setPrototypeOf(new Uint8Array(1), new Proxy(Uint8Array.prototype, {})),
      }),
      record({ Key: 7 }),
      record({ Bucket: "b" }),
      [record({ Key: "k" })],
      null,
      "Key",
    ];
    for (const input of inputs) expect(reuse.result(input, setting, fresh)).toBeUndefined();
    expect(calls).toHaveLength(0);
    expect(called).toBe(false);
  });

  it("never hands the list of an input's values to a setter on Array.prototype", () => {
    const reuse = pastFirstCall({ name: "Key" });
    const { fresh } = counted(objectArn);
    let handedTheBucket = false;
    withIndexSetter(
      (_, value) => {
        if (value === "b") handedTheBucket = true;
      },
      () => reuse.result(record({ Bucket: "b", Key: "one" }), setting, fresh),
    );
    expect(handedTheBucket).toBe(false);
  });

  it("slows down making classes when calls never repeat one", () => {
    const reuse = pastFirstCall({ name: "Key" });
    const { calls, fresh } = counted(objectArn);
    for (let i = 0; i < 200; i++)
      reuse.result(record({ Key: "k", Bucket: `b${i}` }), setting, fresh);
    // Eight made in a row, then one in 32.
    expect(calls.length).toBeLessThan(3 * (8 + 200 / 32 + 1));
  });
});
