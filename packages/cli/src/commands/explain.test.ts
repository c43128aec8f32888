import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ordersDocument,
  runCli,
  tempDir,
  writeFiles,
  writeOrdersSet,
} from "../test-utils/index.js";

const putOrder = [
  "--service",
  "s3",
  "--operation",
  "PutObject",
  "--input",
  '{"Bucket":"orders-documents","Key":"orders/1.json"}',
];

describe("keycard explain", () => {
  it("shows the check AWS makes and the statement that allows it", async () => {
    const dir = tempDir();
    writeFiles(dir, { "team/app.json": ordersDocument });
    const result = await runCli(["explain", "--policy", "team", ...putOrder], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("s3 PutObject in us-east-1, account 123456789012");
    expect(result.stdout).toContain("AWS checks 1 authorization:");
    expect(result.stdout).toContain("  s3:PutObject  arn:aws:s3:::orders-documents/orders/1.json");
    expect(result.stdout).toMatch(/aws:RequestedRegion = us-east-1/);
    expect(result.stdout).toContain("✓ allowed  allowed by app.json statement 0 (ReadOrders)");
    expect(result.stdout).toMatch(
      /Allow {2}app\.json statement 0 \(ReadOrders\) {2}team\/app\.json:4/,
    );
    expect(result.stdout).toContain("ALLOWED: every check passes");
  });

  it("exits 1 when the policy denies, with the deny statement that decided", async () => {
    const dir = tempDir();
    writeFiles(dir, { "team/app.json": ordersDocument });
    const result = await runCli(
      ["explain", "--policy", "team/app.json", ...putOrder, "--region", "eu-west-1"],
      { cwd: dir },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ denied");
    expect(result.stdout).toMatch(/Deny {2}app\.json statement 1 \(StayInOurRegion\)/);
    expect(result.stdout).toContain("DENIED: 1 of 1 check denied");
  });

  it("explains a denial on a condition with the condition and the value, never without it", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "team/app.json": JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "EncryptedOnly",
            Effect: "Allow",
            Action: "s3:PutObject",
            Resource: "arn:aws:s3:::orders-documents/*",
            Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
          },
        ],
      }),
    });
    const result = await runCli(["explain", "--policy", "team", ...putOrder], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'condition  app.json statement 0 (EncryptedOnly): StringEquals s3:x-amz-server-side-encryption ["aws:kms"]; the call does not carry the key',
    );
    expect(result.stdout).toContain("matches the action and resource but not its condition");
  });

  it("compiles a set with custom Rego and shows the custom rule's reason", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    const denied = await runCli(["explain", "--policy", "orders", ...putOrder], { cwd: dir });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain(
      "custom deny  order documents must be written with server-side encryption",
    );

    const encrypted = await runCli(
      [
        "explain",
        "--policy",
        "orders",
        "--service",
        "S3Client",
        "--operation",
        "PutObjectCommand",
        "--input",
        '{"Bucket":"orders-documents","Key":"orders/1.json","ServerSideEncryption":"aws:kms"}',
      ],
      { cwd: dir },
    );
    expect(encrypted.code).toBe(0);
    expect(encrypted.stdout).toContain("s3:x-amz-server-side-encryption = aws:kms");
  });

  it("reads a bundle from keycard build, and the input from a file", async () => {
    const dir = tempDir();
    writeOrdersSet(dir);
    expect((await runCli(["build", "orders", "-o", "orders.tar.gz"], { cwd: dir })).code).toBe(0);
    writeFiles(dir, { "input.json": { Bucket: "orders-documents", Key: "orders/1.json" } });
    const result = await runCli(
      [
        "explain",
        "--policy",
        "orders.tar.gz",
        "--service",
        "s3",
        "--operation",
        "GetObject",
        "--input",
        "@input.json",
      ],
      { cwd: dir, env: { OPA_PATH: "/nonexistent/opa" } },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("s3:GetObject  arn:aws:s3:::orders-documents/orders/1.json");
  });

  it("passes the principal, its account and tags to the policy, and prints JSON with --json", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "team/app.json": {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ProductionOnly",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::orders-documents/*",
            Condition: { StringEquals: { "aws:PrincipalTag/environment": "production" } },
          },
        ],
      },
    });
    const argv = [
      "explain",
      "--policy",
      "team",
      "--service",
      "s3",
      "--operation",
      "GetObject",
      "--input",
      '{"Bucket":"orders-documents","Key":"a"}',
      "--principal",
      "arn:aws:iam::111122223333:role/orders",
      "--json",
    ];
    const tagged = await runCli([...argv, "--principal-tag", "environment=production"], {
      cwd: dir,
    });
    expect(tagged.code).toBe(0);
    const json = JSON.parse(tagged.stdout);
    expect(json).toMatchObject({
      service: "s3",
      operation: "GetObject",
      accountId: "111122223333",
      allow: true,
      principal: {
        arn: "arn:aws:iam::111122223333:role/orders",
        tags: { environment: "production" },
      },
    });
    expect(json.requests[0]).toMatchObject({
      action: "s3:GetObject",
      resource: "arn:aws:s3:::orders-documents/a",
      allow: true,
      matched: [
        {
          document: "app.json",
          sid: "ProductionOnly",
          statementIndex: 0,
          file: "team/app.json",
          line: 4,
        },
      ],
    });
    const untagged = await runCli(argv, { cwd: dir });
    expect(untagged.code).toBe(1);
    expect(JSON.parse(untagged.stdout).allow).toBe(false);
  });

  it("rejects bad input JSON, missing flags and unknown operations with exit 2", async () => {
    const dir = tempDir();
    writeFiles(dir, { "team/app.json": ordersDocument });
    const badJson = await runCli(
      [
        "explain",
        "--policy",
        "team",
        "--service",
        "s3",
        "--operation",
        "GetObject",
        "--input",
        "{nope",
      ],
      { cwd: dir },
    );
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain("--input is not valid JSON");
    const missing = await runCli(["explain", "--policy", "team", "--service", "s3"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: --operation is required");
    const unknown = await runCli(
      ["explain", "--policy", "team", "--service", "s3", "--operation", "FlyToTheMoon"],
      { cwd: dir },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("cannot map s3 FlyToTheMoon");
    const badTag = await runCli(
      [...["explain", "--policy", "team"], ...putOrder, "--principal-tag", "novalue"],
      { cwd: dir },
    );
    expect(badTag.code).toBe(2);
    expect(badTag.stderr).toContain("--principal-tag must be key=value");
  });

  it("refuses an invalid policy set, naming file and statement", async () => {
    const dir = tempDir();
    writeFiles(dir, {
      "team/app.json": {
        Version: "2012-10-17",
        Statement: [{ Sid: "S", Effect: "Permit", Action: "s3:GetObject", Resource: "*" }],
      },
    });
    const result = await runCli(["explain", "--policy", join(dir, "team"), ...putOrder], {
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: team\/app\.json:\d+: statement 0 \(S\), Effect:/);
  });
});
