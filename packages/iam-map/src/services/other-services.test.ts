import { describe, expect, it } from "vitest";
import { map, pairs, serviceContext } from "../test-utils/map.js";

describe("SQS and SNS", () => {
  it("builds the queue ARN from QueueUrl, with the account and region from the URL", async () => {
    const r = await map("SQSClient", "SendMessageCommand", {
      QueueUrl: "https://sqs.eu-west-1.amazonaws.com/444455556666/orders.fifo",
      MessageBody: "x",
    });
    expect(pairs(r.requests)).toEqual([
      ["sqs:SendMessage", "arn:aws:sqs:eu-west-1:444455556666:orders.fifo"],
    ]);
  });

  it("batch calls are the single-message action", async () => {
    const r = await map("SQSClient", "DeleteMessageBatchCommand", {
      QueueUrl: "https://sqs.us-east-1.amazonaws.com/1/q",
      Entries: [],
    });
    expect(pairs(r.requests)).toEqual([["sqs:DeleteMessage", "arn:aws:sqs:us-east-1:1:q"]]);
  });
});

describe("Secrets Manager and SSM", () => {
  it("a secret name gets the unknown six-character suffix, marked unknown", async () => {
    const r = await map("SecretsManagerClient", "GetSecretValueCommand", { SecretId: "prod/db" });
    expect(pairs(r.requests)).toEqual([
      [
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-*",
      ],
    ]);
    expect(r.requests[0]?.resourceParts).toEqual([
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-",
      { unknown: "secret ARN suffix (6 random characters)", length: 6 },
    ]);
  });

  it("a full secret ARN is used as is; a partial one gets the suffix", async () => {
    const full = "arn:aws:secretsmanager:us-west-2:111122223333:secret:db-AbC123";
    const r = await map("SecretsManagerClient", "GetSecretValueCommand", { SecretId: full });
    expect(pairs(r.requests)).toEqual([["secretsmanager:GetSecretValue", full]]);
    const partial = await map("SecretsManagerClient", "GetSecretValueCommand", {
      SecretId: "arn:aws:secretsmanager:us-west-2:111122223333:secret:db",
    });
    expect(partial.requests[0]?.resource).toBe(
      "arn:aws:secretsmanager:us-west-2:111122223333:secret:db-*",
    );
  });

  it("parameter names with and without a leading slash", async () => {
    const a = await map("SSMClient", "GetParameterCommand", { Name: "/app/prod/db-url" });
    const b = await map("SSMClient", "GetParameterCommand", { Name: "plain" });
    expect(pairs(a.requests)).toEqual([
      ["ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/app/prod/db-url"],
    ]);
    expect(pairs(b.requests)).toEqual([
      ["ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/plain"],
    ]);
  });

  it("GetParameters covers every name; selectors are not part of the ARN", async () => {
    const r = await map("SSMClient", "GetParametersCommand", { Names: ["/a/b", "c:3"] });
    expect(pairs(r.requests)).toEqual([
      ["ssm:GetParameters", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b"],
      ["ssm:GetParameters", "arn:aws:ssm:us-east-1:123456789012:parameter/c"],
    ]);
  });
});

describe("Lambda", () => {
  const FN = "arn:aws:lambda:us-east-1:123456789012:function";
  it.each([
    [{ FunctionName: "resize" }, `${FN}:resize`],
    [{ FunctionName: "resize", Qualifier: "live" }, `${FN}:resize:live`],
    [{ FunctionName: "resize:3" }, `${FN}:resize:3`],
    [
      { FunctionName: "999999999999:function:resize" },
      "arn:aws:lambda:us-east-1:999999999999:function:resize",
    ],
    [
      { FunctionName: "arn:aws:lambda:eu-west-1:999999999999:function:resize:prod" },
      "arn:aws:lambda:eu-west-1:999999999999:function:resize:prod",
    ],
  ])("Invoke %j is lambda:InvokeFunction on %s", async (input, arn) => {
    const r = await map("LambdaClient", "InvokeCommand", input);
    expect(pairs(r.requests)).toEqual([["lambda:InvokeFunction", arn]]);
  });
});

describe("KMS", () => {
  it("key ids and key ARNs", async () => {
    const id = await map("KMSClient", "DecryptCommand", {
      KeyId: "1234abcd",
      CiphertextBlob: new Uint8Array(1),
    });
    expect(pairs(id.requests)).toEqual([
      ["kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/1234abcd"],
    ]);
    const arn = "arn:aws:kms:eu-west-1:999999999999:key/abcd";
    const a = await map("KMSClient", "EncryptCommand", {
      KeyId: arn,
      Plaintext: new Uint8Array(1),
    });
    expect(pairs(a.requests)).toEqual([["kms:Encrypt", arn]]);
  });

  it("a ciphertext without KeyId names its key only to AWS, in any account (KMS API reference, Decrypt: KeyId is optional for symmetric ciphertext; KMS gets the key from metadata in the blob)", async () => {
    // Attack: a policy allowing Decrypt on one key must not allow a ciphertext of unknown key.
    const r = await map("KMSClient", "DecryptCommand", { CiphertextBlob: new Uint8Array(8) });
    expect(r.requests[0]?.resourceParts).toEqual([
      "arn:aws:kms:us-east-1:",
      { unknown: "account of the KMS key in the ciphertext" },
      ":key/",
      { unknown: "KMS key recorded in the ciphertext" },
    ]);
    const re = await map("KMSClient", "ReEncryptCommand", {
      CiphertextBlob: new Uint8Array(8),
      DestinationKeyId: "k2",
    });
    expect(re.requests.map((q) => [q.action, q.resource])).toEqual([
      ["kms:ReEncryptFrom", "arn:aws:kms:us-east-1:*:key/*"],
      ["kms:ReEncryptTo", "arn:aws:kms:us-east-1:123456789012:key/k2"],
    ]);
  });

  it("an alias resolves on the server: any key, with kms:RequestAlias", async () => {
    const r = await map("KMSClient", "EncryptCommand", {
      KeyId: "alias/app",
      Plaintext: new Uint8Array(1),
    });
    expect(pairs(r.requests)).toEqual([
      ["kms:Encrypt", "arn:aws:kms:us-east-1:123456789012:key/*"],
    ]);
    expect(r.requests[0]?.context?.["kms:RequestAlias"]).toBe("alias/app");
  });

  it("encryption context and algorithm become condition keys", async () => {
    const r = await map("KMSClient", "EncryptCommand", {
      KeyId: "k",
      EncryptionContext: { tenant: "t1" },
      EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
    });
    expect(serviceContext(r.requests[0])).toMatchObject({
      "kms:EncryptionContext:tenant": "t1",
      "kms:EncryptionContextKeys": ["tenant"],
      "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    });
  });

  it("ReEncrypt needs ReEncryptFrom on the source and ReEncryptTo on the destination", async () => {
    const r = await map("KMSClient", "ReEncryptCommand", {
      SourceKeyId: "a",
      DestinationKeyId: "b",
      CiphertextBlob: new Uint8Array(1),
    });
    expect(pairs(r.requests)).toEqual([
      ["kms:ReEncryptFrom", "arn:aws:kms:us-east-1:123456789012:key/a"],
      ["kms:ReEncryptTo", "arn:aws:kms:us-east-1:123456789012:key/b"],
    ]);
  });
});

describe("STS", () => {
  it("AssumeRole is on the role ARN with session condition keys", async () => {
    const r = await map("STSClient", "AssumeRoleCommand", {
      RoleArn: "arn:aws:iam::999999999999:role/deployer",
      RoleSessionName: "ci",
      ExternalId: "x",
    });
    expect(pairs(r.requests)).toEqual([
      ["sts:AssumeRole", "arn:aws:iam::999999999999:role/deployer"],
    ]);
    expect(serviceContext(r.requests[0])).toMatchObject({
      "sts:RoleSessionName": "ci",
      "sts:ExternalId": "x",
    });
  });

  it("GetCallerIdentity needs no permission at all", async () => {
    const r = await map("STSClient", "GetCallerIdentityCommand", {});
    expect(r).toMatchObject({ known: true, service: "sts", requests: [], alsoMayNeed: [] });
  });

  it("AssumeRoleWithWebIdentity is unsigned", async () => {
    const r = await map("STSClient", "AssumeRoleWithWebIdentityCommand", {
      RoleArn: "arn:aws:iam::1:role/r",
    });
    expect(r).toMatchObject({ known: true, requests: [] });
  });
});

describe("API Gateway and EventBridge", () => {
  it("API Gateway management calls are the HTTP method on the REST path", async () => {
    const r = await map("APIGatewayClient", "GetResourceCommand", {
      restApiId: "a1",
      resourceId: "r1",
    });
    expect(pairs(r.requests)).toEqual([
      ["apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis/a1/resources/r1"],
    ]);
    const d = await map("APIGatewayClient", "DeleteRestApiCommand", { restApiId: "a1" });
    expect(pairs(d.requests)).toEqual([
      ["apigateway:DELETE", "arn:aws:apigateway:us-east-1::/restapis/a1"],
    ]);
  });

  it("PutEvents goes to each entry's bus, default when none is named", async () => {
    const r = await map("EventBridgeClient", "PutEventsCommand", {
      Entries: [{ Detail: "{}" }, { EventBusName: "orders" }],
    });
    expect(pairs(r.requests)).toEqual([
      ["events:PutEvents", "arn:aws:events:us-east-1:123456789012:event-bus/default"],
      ["events:PutEvents", "arn:aws:events:us-east-1:123456789012:event-bus/orders"],
    ]);
  });
});
