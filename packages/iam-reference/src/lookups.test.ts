import { describe, expect, it } from "vitest";
import {
  IamReferenceError,
  iamActionDetails,
  iamActionExists,
  iamActionExistsSync,
  iamActionsForService,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists,
  iamServiceExistsSync,
  iamServiceName,
} from "./index.js";

async function rejection(promise: Promise<unknown>): Promise<IamReferenceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IamReferenceError);
  return error as IamReferenceError;
}

describe("lookups", () => {
  it("describe an action with its resource types and condition keys", async () => {
    const action = await iamActionDetails("S3", "getobject");
    expect(action.name).toBe("GetObject");
    expect(action.accessLevel).toBe("Read");
    expect(action.isWildcardOnly).toBe(false);
    // An object can also be named through an access point, so neither type is required.
    expect(action.resourceTypes.find((rt) => rt.name === "object")?.required).toBe(false);
    const send = await iamActionDetails("sqs", "SendMessage");
    expect(send.resourceTypes).toEqual([{ name: "queue", required: true, conditionKeys: [] }]);
    expect(action.conditionKeys).toContain("s3:ResourceAccount");
    expect((await iamResourceTypeDetails("s3", "bucket")).arn).toBe(
      "arn:${Partition}:s3:::${BucketName}",
    );
    expect((await iamActionDetails("sts", "GetCallerIdentity")).isWildcardOnly).toBe(true);
  });

  it("fail with a typed error naming what is unknown", async () => {
    expect((await rejection(iamActionDetails("s3", "NoSuchAction"))).code).toBe("UNKNOWN_ACTION");
    expect((await rejection(iamActionExists("no-such-service", "x"))).code).toBe("UNKNOWN_SERVICE");
    expect((await rejection(iamActionsForService("no-such-service"))).code).toBe("UNKNOWN_SERVICE");
    expect((await rejection(iamResourceTypeDetails("s3", "no-such-type"))).code).toBe(
      "UNKNOWN_RESOURCE_TYPE",
    );
    expect((await rejection(iamServiceName("no-such-service"))).name).toBe("IamReferenceError");
  });

  it("do not take inherited object properties for services", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(await iamServiceExists(name)).toBe(false);
      expect((await rejection(iamActionsForService(name))).code).toBe("UNKNOWN_SERVICE");
    }
    expect(await iamActionExists("s3", "constructor")).toBe(false);
    expect((await rejection(iamResourceTypeDetails("s3", "__proto__"))).code).toBe(
      "UNKNOWN_RESOURCE_TYPE",
    );
  });

  it("keep the shared tables intact when a caller changes a result", async () => {
    const first = await iamActionDetails("sqs", "SendMessage");
    first.name = "Changed";
    (await iamActionsForService("sqs")).length = 0;
    (await iamResourceTypesForService("sqs")).length = 0;
    expect((await iamActionDetails("sqs", "SendMessage")).name).toBe("SendMessage");
    expect((await iamActionsForService("sqs")).length).toBeGreaterThan(10);
    expect((await iamResourceTypesForService("sqs")).length).toBeGreaterThan(0);
  });

  it("decode a service once for concurrent first calls", async () => {
    const [a, b] = await Promise.all([
      iamActionDetails("kinesis", "PutRecord"),
      iamActionDetails("kinesis", "PutRecord"),
    ]);
    // Both results share the decoded resource type list.
    expect(a.resourceTypes).toBe(b.resourceTypes);
  });

  it("answer synchronously too, throwing where the async forms reject", () => {
    expect(iamServiceExistsSync("DynamoDB")).toBe(true);
    expect(iamActionExistsSync("dynamodb", "getitem")).toBe(true);
    expect(() => iamActionExistsSync("no-such-service", "x")).toThrow(IamReferenceError);
  });
});
