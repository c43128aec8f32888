import { describe, expect, it } from "vitest";
import { map, pairs, serviceContext } from "../test-utils/map.js";

describe("S3 curated rules", () => {
  it("ListObjectsV2 and ListObjects are s3:ListBucket on the bucket with prefix, delimiter and max-keys", async () => {
    for (const op of ["ListObjectsV2Command", "ListObjectsCommand"]) {
      const r = await map("S3Client", op, {
        Bucket: "reports",
        Prefix: "2024/",
        Delimiter: "/",
        MaxKeys: 100,
      });
      expect(pairs(r.requests)).toEqual([["s3:ListBucket", "arn:aws:s3:::reports"]]);
      expect(r.requests[0]?.context).toMatchObject({
        "s3:prefix": "2024/",
        "s3:delimiter": "/",
        "s3:max-keys": 100,
      });
    }
  });

  it("HeadObject is s3:GetObject; with VersionId the …Version action", async () => {
    const head = await map("S3Client", "HeadObjectCommand", { Bucket: "b", Key: "a/b.txt" });
    expect(pairs(head.requests)).toEqual([["s3:GetObject", "arn:aws:s3:::b/a/b.txt"]]);
    const version = await map("S3Client", "HeadObjectCommand", {
      Bucket: "b",
      Key: "k",
      VersionId: "v1",
    });
    expect(pairs(version.requests)).toEqual([["s3:GetObjectVersion", "arn:aws:s3:::b/k"]]);
    // The IAM reference spells this key in lower case; condition keys are case-insensitive.
    expect(version.requests[0]?.context?.["s3:versionid"]).toBe("v1");
  });

  it.each([
    ["GetObject", "s3:GetObjectVersion"],
    ["DeleteObject", "s3:DeleteObjectVersion"],
    ["GetObjectAcl", "s3:GetObjectVersionAcl"],
    ["PutObjectAcl", "s3:PutObjectVersionAcl"],
    ["GetObjectTagging", "s3:GetObjectVersionTagging"],
    ["PutObjectTagging", "s3:PutObjectVersionTagging"],
    ["DeleteObjectTagging", "s3:DeleteObjectVersionTagging"],
  ])("%s with VersionId is %s", async (operation, action) => {
    const r = await map("S3Client", operation, { Bucket: "b", Key: "k", VersionId: "v1" });
    expect(r.requests.map((q) => q.action)).toEqual([action]);
  });

  it("PutObject with ACL or tagging also needs PutObjectAcl / PutObjectTagging, with header keys", async () => {
    const plain = await map("S3Client", "PutObjectCommand", {
      Bucket: "b",
      Key: "k",
      Body: new Uint8Array(1),
    });
    expect(pairs(plain.requests)).toEqual([["s3:PutObject", "arn:aws:s3:::b/k"]]);
    const r = await map("S3Client", "PutObjectCommand", {
      Bucket: "b",
      Key: "k",
      ACL: "bucket-owner-full-control",
      Tagging: "team=data&tier=gold",
      ServerSideEncryption: "AES256",
      StorageClass: "STANDARD_IA",
    });
    expect(pairs(r.requests)).toEqual([
      ["s3:PutObject", "arn:aws:s3:::b/k"],
      ["s3:PutObjectAcl", "arn:aws:s3:::b/k"],
      ["s3:PutObjectTagging", "arn:aws:s3:::b/k"],
    ]);
    expect(serviceContext(r.requests[0])).toMatchObject({
      "s3:x-amz-acl": "bucket-owner-full-control",
      "s3:x-amz-server-side-encryption": "AES256",
      "s3:x-amz-storage-class": "STANDARD_IA",
      "s3:RequestObjectTag/team": "data",
      "s3:RequestObjectTagKeys": ["team", "tier"],
    });
  });

  it("PutObject with a tag key given twice: that key's value is unknown, never the last one", async () => {
    const r = await map("S3Client", "PutObjectCommand", {
      Bucket: "b",
      Key: "k",
      Tagging: "env=prod&env=dev&team=a",
    });
    const put = r.requests[0];
    expect(put?.context?.["s3:RequestObjectTag/env"]).toBeUndefined();
    expect(put?.unknownContext).toContain("s3:RequestObjectTag/env");
    expect(put?.context?.["s3:RequestObjectTag/team"]).toBe("a");
  });

  it("PutObject with a named KMS key needs kms:GenerateDataKey on it", async () => {
    const r = await map("S3Client", "PutObjectCommand", {
      Bucket: "b",
      Key: "k",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
    });
    expect(pairs(r.requests)).toContainEqual([
      "kms:GenerateDataKey",
      "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ]);
    expect(r.requests[0]?.context?.["s3:x-amz-server-side-encryption-aws-kms-key-id"]).toBe(
      "1234abcd-12ab-34cd-56ef-1234567890ab",
    );
  });

  it("CopyObject reads the source from CopySource and writes the destination; source tags are only maybe", async () => {
    const r = await map("S3Client", "CopyObjectCommand", {
      Bucket: "dest",
      Key: "out/x.csv",
      CopySource: "src-bucket/in/x%20y.csv",
      MetadataDirective: "REPLACE",
    });
    expect(pairs(r.requests)).toEqual([
      ["s3:GetObject", "arn:aws:s3:::src-bucket/in/x y.csv"],
      ["s3:PutObject", "arn:aws:s3:::dest/out/x.csv"],
    ]);
    expect(r.requests[1]?.context).toMatchObject({
      "s3:x-amz-copy-source": "src-bucket/in/x%20y.csv",
      "s3:x-amz-metadata-directive": "REPLACE",
    });
    expect(pairs(r.alsoMayNeed)).toEqual(
      expect.arrayContaining([
        ["s3:GetObjectTagging", "arn:aws:s3:::src-bucket/in/x y.csv"],
        ["s3:PutObjectTagging", "arn:aws:s3:::dest/out/x.csv"],
      ]),
    );
  });

  it("CopyObject of a source version reads it with GetObjectVersion; replaced tags are required", async () => {
    const r = await map("S3Client", "CopyObjectCommand", {
      Bucket: "dest",
      Key: "k",
      CopySource: "/src/k?versionId=abc",
      TaggingDirective: "REPLACE",
      Tagging: "a=1",
    });
    expect(pairs(r.requests)).toEqual([
      ["s3:GetObjectVersion", "arn:aws:s3:::src/k"],
      ["s3:PutObject", "arn:aws:s3:::dest/k"],
      ["s3:PutObjectTagging", "arn:aws:s3:::dest/k"],
    ]);
    expect(r.alsoMayNeed.map((q) => q.action)).not.toContain("s3:GetObjectVersionTagging");
  });

  it("DeleteObjects needs DeleteObject (or DeleteObjectVersion) on every key", async () => {
    const r = await map("S3Client", "DeleteObjectsCommand", {
      Bucket: "b",
      Delete: { Objects: [{ Key: "a" }, { Key: "b", VersionId: "v" }] },
    });
    expect(pairs(r.requests)).toEqual([
      ["s3:DeleteObject", "arn:aws:s3:::b/a"],
      ["s3:DeleteObjectVersion", "arn:aws:s3:::b/b"],
    ]);
  });

  it("uses access point ARNs given as Bucket", async () => {
    const ap = "arn:aws:s3:us-west-2:111122223333:accesspoint/reports";
    const get = await map("S3Client", "GetObjectCommand", { Bucket: ap, Key: "a.csv" });
    expect(pairs(get.requests)).toEqual([["s3:GetObject", `${ap}/object/a.csv`]]);
    const list = await map("S3Client", "ListObjectsV2Command", { Bucket: ap });
    expect(pairs(list.requests)).toEqual([["s3:ListBucket", ap]]);
  });

  it("renames bucket configuration calls (GetBucketEncryption → s3:GetEncryptionConfiguration)", async () => {
    const r = await map("S3Client", "GetBucketEncryptionCommand", { Bucket: "b" });
    expect(pairs(r.requests)).toEqual([["s3:GetEncryptionConfiguration", "arn:aws:s3:::b"]]);
    const d = await map("S3Client", "DeleteBucketCorsCommand", { Bucket: "b" });
    expect(pairs(d.requests)).toEqual([["s3:PutBucketCORS", "arn:aws:s3:::b"]]);
  });

  it("ListBuckets is s3:ListAllMyBuckets on *", async () => {
    const r = await map("S3Client", "ListBucketsCommand", {});
    expect(pairs(r.requests)).toEqual([["s3:ListAllMyBuckets", "*"]]);
  });

  it("CreateBucket with an ACL and Object Lock needs the matching configuration actions", async () => {
    const r = await map("S3Client", "CreateBucketCommand", {
      Bucket: "b",
      ACL: "private",
      ObjectLockEnabledForBucket: true,
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    });
    expect(r.requests.map((q) => q.action)).toEqual([
      "s3:CreateBucket",
      "s3:PutBucketAcl",
      "s3:PutBucketObjectLockConfiguration",
      "s3:PutBucketVersioning",
    ]);
    expect(r.requests[0]?.context?.["s3:LocationConstraint"]).toBe("eu-west-1");
  });

  it("directory buckets authorize object calls through an S3 Express session", async () => {
    const r = await map("S3Client", "GetObjectCommand", {
      Bucket: "logs--use1-az4--x-s3",
      Key: "k",
    });
    expect(pairs(r.requests)).toEqual([
      ["s3express:CreateSession", "arn:aws:s3express:us-east-1:*:bucket/logs--use1-az4--x-s3"],
    ]);
    expect(r.requests[0]?.context?.["s3express:SessionMode"]).toBe("ReadOnly");
  });

  it.each(["GetObject", "PutObject", "RenameObject"])(
    "%s through a directory bucket's access point (…--xa-s3) is a session on the access point",
    async (op) => {
      const r = await map("S3Client", `${op}Command`, {
        Bucket: "shared--use1-az4--xa-s3",
        Key: "k",
        RenameSource: "old",
      });
      expect(pairs(r.requests)).toEqual([
        [
          "s3express:CreateSession",
          "arn:aws:s3express:us-east-1:*:accesspoint/shared--use1-az4--xa-s3",
        ],
      ]);
      // The access point's tags, which only AWS knows.
      expect(r.requests[0]?.unknownContext).toContain("s3express:AccessPointTag/*");
    },
  );

  it("RenameObject on a bucket given as an ARN is not mapped (refused, never guessed)", async () => {
    const r = await map("S3Client", "RenameObjectCommand", {
      Bucket: "arn:aws:s3express:us-east-1:123456789012:accesspoint/ap--use1-az4--xa-s3",
      Key: "k",
      RenameSource: "old",
    });
    expect(r.known).toBe(false);
  });
});

describe("S3 Express One Zone: what a directory bucket name leaves open", () => {
  it("the account owning a directory bucket is unknown: names are unique per zone across accounts", async () => {
    const r = await map("S3Client", "PutObjectCommand", {
      Bucket: "exfil--use1-az4--x-s3",
      Key: "k",
    });
    expect(r.requests[0]?.resourceParts).toEqual([
      "arn:aws:s3express:us-east-1:",
      { unknown: "account that owns the directory bucket" },
      ":bucket/exfil--use1-az4--x-s3",
    ]);
  });

  it("CreateSession on an access point name is a session on the access point", async () => {
    const r = await map("S3Client", "CreateSessionCommand", {
      Bucket: "shared--use1-az4--xa-s3",
      SessionMode: "ReadOnly",
    });
    expect(pairs(r.requests)).toEqual([
      [
        "s3express:CreateSession",
        "arn:aws:s3express:us-east-1:*:accesspoint/shared--use1-az4--xa-s3",
      ],
    ]);
    expect(r.requests[0]?.context?.["s3express:SessionMode"]).toBe("ReadOnly");
  });

  it.each(["ListParts", "ListMultipartUploads", "HeadBucket"])(
    "%s on a directory bucket is a session on it, not an s3: action",
    async (op) => {
      const r = await map("S3Client", `${op}Command`, {
        Bucket: "logs--use1-az4--x-s3",
        Key: "k",
        UploadId: "u",
      });
      expect(r.known).toBe(true);
      expect(r.requests.map((q) => q.action)).toEqual(["s3express:CreateSession"]);
    },
  );

  it("a bucket-level call on a directory bucket, which S3 Express authorizes under its own actions, is not mapped", async () => {
    const r = await map("S3Client", "DeleteBucketCommand", { Bucket: "payroll--use1-az4--x-s3" });
    expect(r.known).toBe(false);
  });

  it("CopyObject into a directory bucket still reads its source", async () => {
    const r = await map("S3Client", "CopyObjectCommand", {
      Bucket: "cache--use1-az4--x-s3",
      Key: "k",
      CopySource: "payroll/2026/salaries.csv",
    });
    expect(pairs(r.requests)).toContainEqual([
      "s3:GetObject",
      "arn:aws:s3:::payroll/2026/salaries.csv",
    ]);
    expect(r.requests.map((q) => q.action)).toContain("s3express:CreateSession");
  });

  it("a copy from a directory bucket reads it through a session on it", async () => {
    const r = await map("S3Client", "CopyObjectCommand", {
      Bucket: "out",
      Key: "k",
      CopySource: "shared--use1-az4--xa-s3/salaries.csv",
    });
    const session = r.requests.find((q) => q.action === "s3express:CreateSession");
    expect(session?.resource).toBe(
      "arn:aws:s3express:us-east-1:*:accesspoint/shared--use1-az4--xa-s3",
    );
    expect(session?.context?.["s3express:SessionMode"]).toBe("ReadOnly");
    expect(r.requests.map((q) => q.action)).not.toContain("s3:GetObject");
  });

  it.each([
    "my-ap-o01ac5d28a6a232904e8xz5w8ijx1qzlbp3i3kuse10--op-s3",
    "my-ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias",
    "my-olap-abcdefghijklmnopqrstuvwxyz0123--ol-s3",
  ])(
    "an access point alias (%s) is not mapped as a bucket, nor as a copy source",
    async (Bucket) => {
      const r = await map("S3Client", "GetObjectCommand", { Bucket, Key: "k" });
      expect(r.known).toBe(false);
      const copy = await map("S3Client", "CopyObjectCommand", {
        Bucket: "out",
        Key: "k",
        CopySource: `${Bucket}/ledger.csv`,
      });
      expect(copy.known).toBe(false);
    },
  );

  it.each([
    ["ACL", "public-read "],
    ["ACL", "\tpublic-read"],
    ["ACL", "public-read\r\n"],
    ["ObjectLockEventHold", "ON "],
    ["Tagging", "classification=public "],
    ["ServerSideEncryption", " aws:kms"],
  ])(
    "a header member with spaces around its value (%s) is refused: S3 reads it trimmed",
    async (member, value) => {
      const r = await map("S3Client", "PutObjectCommand", {
        Bucket: "media",
        Key: "k",
        [member]: value,
      });
      expect(r.known).toBe(false);
    },
  );
});

describe("S3 Object Lambda and Outposts ARNs", () => {
  it("an Object Lambda access point is checked as s3-object-lambda, never as a bucket", async () => {
    const Bucket = "arn:aws:s3-object-lambda:us-east-1:123456789012:accesspoint/olap";
    const r = await map("S3Client", "GetObjectCommand", { Bucket, Key: "k" });
    expect(r.requests.some((q) => q.action.startsWith("s3:"))).toBe(false);
    expect(!r.known || r.requests.some((q) => q.action === "s3-object-lambda:GetObject")).toBe(
      true,
    );
    if (r.known) {
      // The reference's only resource type for it is the Object Lambda access point itself.
      expect(pairs(r.requests)).toContainEqual(["s3-object-lambda:GetObject", Bucket]);
    }
  });

  it("an Outposts access point is checked as s3-outposts, never as a bucket", async () => {
    const Bucket =
      "arn:aws:s3-outposts:us-east-1:123456789012:outpost/op-0123456789abcdef0/accesspoint/ap";
    const r = await map("S3Client", "GetObjectCommand", { Bucket, Key: "k" });
    expect(r.requests.some((q) => q.action.startsWith("s3:"))).toBe(false);
    if (r.known) {
      expect(pairs(r.requests)).toContainEqual(["s3-outposts:GetObject", `${Bucket}/object/k`]);
    }
  });

  it("any other ARN given as Bucket or CopySource is never used as a bucket name", async () => {
    const other = "arn:aws:sqs:us-east-1:123456789012:queue";
    const get = await map("S3Client", "GetObjectCommand", { Bucket: other, Key: "k" });
    expect(get.known).toBe(false);
    const copy = await map("S3Client", "CopyObjectCommand", {
      Bucket: "b",
      Key: "k",
      CopySource: "arn:aws:s3-outposts:us-east-1:123456789012:outpost/op-1/accesspoint/ap/object/k",
    });
    expect(copy.known).toBe(false);
  });
});
