import type { Call, RequestOptions } from "../call.js";
import type { VariableValues } from "../general-rule.js";
import { type ActionInfo, keyList, keyListIncludes } from "../iam-catalog.js";
import { asString, isDate, isPresent, isRecord, read } from "../input-view.js";
import type { ReusableMembers } from "../mapping-reuse.js";
import { ownMember } from "../object-prototype.js";
import type { OperationRule, ServiceRules } from "../service-rules.js";
import type { AuthorizationRequest, ContextValue } from "../types.js";
import { unknownPart } from "../unknown-part.js";
import { kmsKeyArn } from "./kms-keys.js";

/** Request members S3 sends as headers, and the condition keys AWS derives from those headers. */
const HEADER_KEYS: ReadonlyArray<readonly [string, string]> = [
  ["ACL", "s3:x-amz-acl"],
  ["GrantRead", "s3:x-amz-grant-read"],
  ["GrantWrite", "s3:x-amz-grant-write"],
  ["GrantReadACP", "s3:x-amz-grant-read-acp"],
  ["GrantWriteACP", "s3:x-amz-grant-write-acp"],
  ["GrantFullControl", "s3:x-amz-grant-full-control"],
  ["ServerSideEncryption", "s3:x-amz-server-side-encryption"],
  ["SSEKMSKeyId", "s3:x-amz-server-side-encryption-aws-kms-key-id"],
  ["SSECustomerAlgorithm", "s3:x-amz-server-side-encryption-customer-algorithm"],
  ["StorageClass", "s3:x-amz-storage-class"],
  ["CopySource", "s3:x-amz-copy-source"],
  ["MetadataDirective", "s3:x-amz-metadata-directive"],
  ["WebsiteRedirectLocation", "s3:x-amz-website-redirect-location"],
  ["ObjectLockMode", "s3:object-lock-mode"],
  ["ObjectLockRetainUntilDate", "s3:object-lock-retain-until-date"],
  ["ObjectLockLegalHoldStatus", "s3:object-lock-legal-hold"],
  ["IfMatch", "s3:if-match"],
  ["IfNoneMatch", "s3:if-none-match"],
  ["ObjectOwnership", "s3:x-amz-object-ownership"],
];

/**
 * Members S3 sends as headers, lower-cased. HTTP drops the spaces and tabs around a header's
 * value (and `fetch` line breaks too), so S3 reads `public-read` where the input says
 * `public-read `: such text is not read as given (the call is refused rather than checked on a
 * value S3 never sees).
 */
const HEADER_MEMBERS: ReadonlySet<string> = new Set([
  ...HEADER_KEYS.map(([member]) => member.toLowerCase()),
  "tagging",
  "taggingdirective",
  "expectedbucketowner",
  "sessionmode",
  "objectlockeventhold",
  "objectlockeventholddurationdays",
]);
/**
 * A space, tab or line break: what HTTP and the fetch API drop around a header value, and the
 * signer strips.
 */
function isHeaderSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Whether text starts or ends with a space, tab or line break; two characters are read. */
function hasSurroundingSpace(text: string): boolean {
  return (
    text.length > 0 &&
    (isHeaderSpace(text.charCodeAt(0)) || isHeaderSpace(text.charCodeAt(text.length - 1)))
  );
}

/** Records header members whose text starts or ends with spaces, tabs or line breaks as unreadable. */
function checkHeaderSpaces(call: Call): void {
  const lowers = call.input.lowerKeys();
  const values = call.input.memberValues();
  for (let i = 0; i < lowers.length; i++) {
    const value = values[i];
    if (typeof value !== "string" || !HEADER_MEMBERS.has(lowers[i]!)) continue;
    if (hasSurroundingSpace(value))
      call.input.unreadable(`${lowers[i]} (spaces around a header value, which S3 drops)`);
  }
}

const GRANTS = [
  "ACL",
  "GrantRead",
  "GrantWrite",
  "GrantReadACP",
  "GrantWriteACP",
  "GrantFullControl",
];

/** Object actions that become their `…Version…` form when the request names a version. */
const VERSIONED: Readonly<Record<string, string>> = {
  GetObject: "GetObjectVersion",
  GetObjectAcl: "GetObjectVersionAcl",
  PutObjectAcl: "PutObjectVersionAcl",
  GetObjectTagging: "GetObjectVersionTagging",
  PutObjectTagging: "PutObjectVersionTagging",
  DeleteObjectTagging: "DeleteObjectVersionTagging",
  DeleteObject: "DeleteObjectVersion",
  GetObjectAttributes: "GetObjectVersionAttributes",
  GetObjectTorrent: "GetObjectVersionTorrent",
  GetObjectAnnotation: "GetObjectVersionAnnotation",
  PutObjectAnnotation: "PutObjectVersionAnnotation",
  DeleteObjectAnnotation: "DeleteObjectVersionAnnotation",
};

const keySets = new WeakMap<ActionInfo, ReadonlySet<string>>();

/** The action's condition keys, lower-cased, so header keys are only added where AWS sets them. */
function conditionKeySet(info: ActionInfo): ReadonlySet<string> {
  let set = keySets.get(info);
  if (!set) {
    set = new Set(info.conditionKeys.map((k) => k.toLowerCase()));
    keySets.set(info, set);
  }
  return set;
}

/** What one action reads from request headers, worked out once per action. */
interface HeaderPlan {
  /** Header members whose condition keys the action has, in {@link HEADER_KEYS} order. */
  readonly keys: ReadonlyArray<readonly [member: string, key: string]>;
  /** Their place in `keys`, by member name. */
  readonly byMember: ReadonlyMap<string, number>;
  /** The header members' names, in `keys` order. */
  readonly members: readonly string[];
  readonly tags: boolean;
  readonly authType: boolean;
  readonly signatureVersion: boolean;
}

const headerPlans = new WeakMap<ActionInfo, HeaderPlan>();

function headerPlan(info: ActionInfo): HeaderPlan {
  let plan = headerPlans.get(info);
  if (!plan) {
    const set = conditionKeySet(info);
    const keys = HEADER_KEYS.filter(([, key]) => set.has(key.toLowerCase()));
    plan = {
      keys,
      byMember: new Map(keys.map(([member], i) => [member, i])),
      members: keys.map(([member]) => member),
      tags: set.has("s3:requestobjecttagkeys"),
      authType: set.has("s3:authtype"),
      signatureVersion: set.has("s3:signatureversion"),
    };
    headerPlans.set(info, plan);
  }
  return plan;
}

/** Condition keys from request headers and tags for one S3 action. */
function headerContext(call: Call, action: string, extra?: Record<string, ContextValue>) {
  const info = call.action(action);
  const context: Record<string, ContextValue> = {};
  if (!info) return context;
  const plan = headerPlan(info);
  const input = call.input;
  if (plan.keys.length > 0) {
    if (input.mayInheritAny(plan.members)) {
      // Members may come from the prototype chain: each header member is read by name.
      for (let i = 0; i < plan.keys.length; i++)
        headerValue(call, plan.keys[i]!, input.get(plan.keys[i]![0]), context);
    } else {
      // Own members only: the input's few members are looked up, not the action's many headers.
      const names = input.memberNames();
      const values = input.memberValues();
      let hits: number[] | undefined;
      for (let m = 0; m < names.length; m++) {
        const at = plan.byMember.get(names[m]!);
        if (at === undefined) continue;
        hits ??= [];
        hits.push(at, m);
      }
      if (hits !== undefined) {
        // In HEADER_KEYS order, as the keys have always been added.
        if (hits.length > 2) {
          const pairs: Array<[number, number]> = [];
          for (let h = 0; h < hits.length; h += 2) pairs.push([hits[h]!, hits[h + 1]!]);
          pairs.sort((a, b) => a[0] - b[0]);
          hits = pairs.flat();
        }
        for (let h = 0; h < hits.length; h += 2) {
          headerValue(call, plan.keys[hits[h]!]!, values[hits[h + 1]!], context);
        }
      }
    }
  }
  if (plan.tags) {
    const tags = objectTags(call);
    if (tags.length > 0) {
      const given = new Map<string, string | undefined>();
      for (const [k, v] of tags) {
        // A key given twice with different values: which one S3 keeps is not keycard's to say.
        if (given.has(k) && given.get(k) !== v) given.set(k, undefined);
        else if (!given.has(k)) given.set(k, v);
      }
      for (const [k, v] of given) {
        if (v !== undefined) context[`s3:RequestObjectTag/${k}`] = v;
        else call.unknownContext.push(`s3:RequestObjectTag/${k}`);
      }
      context["s3:RequestObjectTagKeys"] = tags.map(([k]) => k);
    }
  }
  // The SDK always signs requests with SigV4 in the Authorization header.
  if (plan.authType) context["s3:authType"] = "REST-HEADER";
  if (plan.signatureVersion) context["s3:signatureversion"] = "AWS4-HMAC-SHA256";
  return extra ? Object.assign(context, extra) : context;
}

/** One header member's condition key. */
function headerValue(
  call: Call,
  [, key]: readonly [string, string],
  value: unknown,
  context: Record<string, ContextValue>,
): void {
  if (isDate(value) && !Number.isNaN(value.getTime())) context[key] = value.toISOString();
  else if (typeof value === "string" && value.length > 0) context[key] = value;
  // Present in another form (an array, a boxed string): the SDK still sends a header, whose
  // text keycard cannot be sure of, so the key is unknown rather than absent.
  else if (isPresent(value)) call.unknownContext.push(key);
}

/** Tags set by the request: the `Tagging` header (`k=v&k2=v2`) or a `Tagging.TagSet` body. */
function objectTags(call: Call): Array<[string, string]> {
  const tagging = call.input.get("Tagging");
  if (tagging === undefined || tagging === null) return [];
  const header = asString(tagging);
  if (header !== undefined) {
    const out: Array<[string, string]> = [];
    for (const [k, v] of new URLSearchParams(header)) out.push([k, v]);
    return out;
  }
  // Neither the header's text nor a TagSet body (PutObjectTagging): what is sent is not known.
  if (isPresent(tagging) && !isRecord(tagging)) call.input.unreadable("Tagging");
  const out: Array<[string, string]> = [];
  for (const tag of call.input.list(read(tagging, "TagSet"), "Tagging.TagSet", 50)) {
    const key = call.input.textOf(read(tag, "Key"), "Tagging.TagSet.Key");
    const value = read(tag, "Value");
    if (key !== undefined) out.push([key, call.input.textOf(value, "Tagging.TagSet.Value") ?? ""]);
  }
  return out;
}

function hasAny(call: Call, members: readonly string[]): boolean {
  for (let i = 0; i < members.length; i++) if (has(call, members[i]!)) return true;
  return false;
}

function has(call: Call, member: string): boolean {
  const v = call.input.get(member);
  return v !== undefined && v !== null && v !== "" && v !== false;
}

/**
 * Header keys are set from the header's member whenever the request sends the header: a call
 * that does not send it gives AWS no key. Object tags likewise, and the SDK always signs with
 * SigV4 in the header. Two operations send what a header key describes in their body, which
 * {@link s3Operations} reads only in part: those keys stay unknown there.
 */
function s3DecidedKeys(operation: string): readonly string[] {
  let keys = decidedByOperation.get(operation);
  if (keys === undefined) {
    keys = Object.freeze(decidedKeysFor(operation));
    // Bounded by the S3 operations that have a plan.
    if (decidedByOperation.size < 1000) decidedByOperation.set(operation, keys);
  }
  return keys;
}

const decidedByOperation = new Map<string, readonly string[]>();

function decidedKeysFor(operation: string): string[] {
  return [
    ...HEADER_KEYS.map(([, key]) => key),
    "s3:RequestObjectTag/*",
    "s3:RequestObjectTagKeys",
    "s3:authType",
    "s3:signatureversion",
  ].filter((key) => !(ownMember(BODY_KEYS, operation) ?? []).includes(key));
}

/** Keys an operation sends in its body rather than a header, and which are not all read. */
const BODY_KEYS: Readonly<Record<string, readonly string[]>> = {
  PutObjectRetention: ["s3:object-lock-retain-until-date"],
  UpdateObjectEncryption: [
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
  ],
};

/** Requires an S3 action with its header context (and variables, for another bucket or key). */
function s3(call: Call, action: string, options?: RequestOptions) {
  const context = headerContext(call, action, options?.context as Record<string, ContextValue>);
  call.require(
    action,
    options === undefined
      ? { context }
      : { resource: options.resource, variables: options.variables, context },
  );
}

/** The versioned form of an object action when the request names a version. */
function versioned(call: Call, action: string, versionId = call.input.string("VersionId")): string {
  const alt = ownMember(VERSIONED, action);
  return alt && versionId !== undefined && call.action(alt) ? alt : action;
}

/** Bucket and key variables for an S3 bucket reference: a name or an access point ARN. */
function bucketVariables(bucket: string | undefined): VariableValues {
  if (bucket === undefined) return {};
  if (!bucket.startsWith("arn:")) return { BucketName: bucket, AccessPointName: undefined };
  const ap = /^arn:([^:]+):s3(?:-object-lambda)?:([^:]*):([^:]*):accesspoint[/:](.+)$/.exec(bucket);
  if (ap) {
    return {
      Partition: ap[1],
      Region: ap[2],
      Account: ap[3],
      AccessPointName: ap[4],
      BucketName: undefined,
    };
  }
  return { BucketName: bucket, AccessPointName: undefined };
}

/** A KMS key only the server knows: any key id, in any account, of the call's region. */
function serverKey(call: Call, what: string): string {
  // The same text for every call of a region: made once, so its lookups hash it once.
  const cached = serverKeys.get(what);
  if (cached !== undefined && cached.partition === call.partition && cached.region === call.region)
    return cached.arn;
  const arn = call.arn(
    "kms",
    `key/${unknownPart(what)}`,
    call.region,
    unknownPart("key owner account"),
  );
  serverKeys.set(what, { partition: call.partition, region: call.region, arn });
  return arn;
}

/** The last server-side key ARN made for each description (two descriptions). */
const serverKeys = new Map<
  string,
  { readonly partition: string; readonly region: string | undefined; readonly arn: string }
>();

/** The server-side-encryption keys a write asks for: with a named KMS key, AWS checks it. */
function encryptionKey(call: Call) {
  const sse = call.input.string("ServerSideEncryption");
  const keyId = call.input.string("SSEKMSKeyId");
  if (sse?.startsWith("aws:kms") && keyId) {
    call.require("kms:GenerateDataKey", { resource: kmsKeyArn(call, keyId).arn });
  } else if (sse === undefined) {
    // The bucket's default encryption may be a customer managed KMS key.
    call.mayNeed("kms:GenerateDataKey", {
      resource: serverKey(call, "KMS key of the bucket's default encryption"),
    });
  }
}

/** Writes that may carry ACL, tagging, Object Lock and encryption headers. */
function objectWrite(call: Call) {
  s3(call, "PutObject");
  if (hasAny(call, GRANTS)) s3(call, "PutObjectAcl");
  if (has(call, "Tagging")) s3(call, "PutObjectTagging");
  if (has(call, "ObjectLockMode") || has(call, "ObjectLockRetainUntilDate"))
    s3(call, "PutObjectRetention");
  if (has(call, "ObjectLockLegalHoldStatus")) s3(call, "PutObjectLegalHold");
  encryptionKey(call);
}

/** Parses `CopySource`: `bucket/key?versionId=…`, URL-encoded, or an access point object ARN. */
function copySource(
  value: string | undefined,
): { vars: VariableValues; versionId?: string } | undefined {
  if (!value) return undefined;
  const [path = "", query = ""] = value.replace(/^\//, "").split("?", 2);
  const versionId = new URLSearchParams(query).get("versionId") ?? undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = path;
  }
  const ap = /^(arn:[^:]+:s3:[^:]*:[^:]*:accesspoint\/[^/]+)\/object\/(.+)$/.exec(decoded);
  if (ap)
    return {
      vars: { ...bucketVariables(ap[1]), ObjectName: ap[2] },
      ...(versionId ? { versionId } : {}),
    };
  const slash = decoded.indexOf("/");
  if (slash <= 0) return undefined;
  return {
    vars: { ...bucketVariables(decoded.slice(0, slash)), ObjectName: decoded.slice(slash + 1) },
    ...(versionId ? { versionId } : {}),
  };
}

/** Read on the copy source: `GetObject`, or `GetObjectVersion` when it names a version. */
function copyRead(call: Call) {
  const source = copySource(call.input.string("CopySource"));
  const vars = source?.vars ?? {
    BucketName: undefined,
    AccessPointName: undefined,
    ObjectName: undefined,
  };
  const sourceBucket = vars["BucketName"];
  const express = expressTarget(call, typeof sourceBucket === "string" ? sourceBucket : undefined);
  if (express !== undefined) {
    // A directory bucket source is read through an S3 Express session on it.
    call.require("s3express:CreateSession", {
      ...express,
      context: { "s3express:SessionMode": "ReadOnly" },
    });
    return vars;
  }
  const action = source?.versionId ? "GetObjectVersion" : "GetObject";
  call.require(action, { variables: vars, context: headerContext(call, action) });
  return vars;
}

/** Object operations on directory buckets authorize through an S3 Express session instead. */
const EXPRESS_READS = new Set([
  "HeadBucket",
  "GetObject",
  "HeadObject",
  "ListObjectsV2",
  "GetObjectAttributes",
  "ListParts",
  "ListMultipartUploads",
]);
const EXPRESS_WRITES = new Set([
  "PutObject",
  "CopyObject",
  "DeleteObject",
  "DeleteObjects",
  "CreateMultipartUpload",
  "UploadPart",
  "UploadPartCopy",
  "CompleteMultipartUpload",
  "AbortMultipartUpload",
  "RenameObject",
]);

/**
 * The S3 Express resource a name stands for: a directory bucket (`…--x-s3`) or an access point
 * for one (`…--xa-s3`, used where a bucket name goes; S3 User Guide, "Managing access to shared
 * datasets in directory buckets with access points"). Directory bucket names are unique in their
 * zone across accounts, so the name does not say whose it is: the account is unknown.
 */
function expressTarget(
  call: Call,
  name: string | undefined,
): { resource: string; resourceType: string } | undefined {
  // An ARN is never a name (the access point ARNs S3 Express takes are refused as buckets).
  if (name === undefined || name.includes(":") || name.includes("/")) return undefined;
  const accessPoint = name.endsWith("--xa-s3");
  if (!accessPoint && !name.endsWith("--x-s3")) return undefined;
  const type = accessPoint ? "accesspoint" : "bucket";
  return {
    resource: call.arn("s3express", `${type}/${name}`, undefined, EXPRESS_OWNER),
    resourceType: type,
  };
}

const EXPRESS_OWNER = unknownPart("account that owns the directory bucket");

/**
 * Object calls on a directory bucket or its access point are authorized as an S3 Express session
 * on it (and `CreateSession` itself, with the mode it asks for). Returns whether the call was.
 */
function directoryBucket(call: Call): boolean {
  const target = expressTarget(call, call.input.string("Bucket"));
  if (target === undefined) return false;
  const mode =
    call.operation === "CreateSession"
      ? call.input.string("SessionMode")
      : EXPRESS_READS.has(call.operation)
        ? "ReadOnly"
        : EXPRESS_WRITES.has(call.operation)
          ? "ReadWrite"
          : null;
  if (mode === null) return false;
  call.require("s3express:CreateSession", {
    ...target,
    ...(mode === undefined ? {} : { context: { "s3express:SessionMode": mode } }),
  });
  return true;
}

/**
 * `rule` for a general purpose bucket; for a directory bucket, the S3 Express session, and
 * `onDirectory` for what else the call needs there (a copy's read of its source).
 */
function withDirectoryBuckets(
  rule: OperationRule,
  onDirectory?: (call: Call) => unknown,
): OperationRule {
  return (call, general) => {
    if (!directoryBucket(call)) rule(call, general);
    else onDirectory?.(call);
  };
}

const objectRead = (action: string) =>
  withDirectoryBuckets((call) => {
    s3(call, versioned(call, action));
    if (action === "GetObject") {
      // An object encrypted with a customer managed KMS key also needs kms:Decrypt.
      call.mayNeed("kms:Decrypt", {
        resource: serverKey(call, "KMS key the object is encrypted with"),
      });
    }
  });

/** Object actions that are named after the operation but switch to the version form. */
const versionedOperations = Object.fromEntries(
  [
    "GetObjectAcl",
    "PutObjectAcl",
    "GetObjectTagging",
    "PutObjectTagging",
    "DeleteObjectTagging",
    "GetObjectAttributes",
    "GetObjectTorrent",
    "GetObjectAnnotation",
    "PutObjectAnnotation",
    "DeleteObjectAnnotation",
  ].map((op) => [op, objectRead(op)]),
);

/** An S3 Object Lambda access point ARN: `…:s3-object-lambda:region:account:accesspoint/name`. */
const OBJECT_LAMBDA = /^arn:([^:]+):s3-object-lambda:([^:]*):([^:]*):accesspoint[/:]([^/:]+)$/;

/** An S3 on Outposts access point ARN: `…:s3-outposts:…:outpost/id/accesspoint/name`. */
const OUTPOSTS =
  /^arn:([^:]+):s3-outposts:([^:]*):([^:]*):outpost[/:]([^/:]+)[/:]accesspoint[/:]([^/:]+)$/;

/**
 * Aliases that stand for an access point (`…-s3alias`), an Object Lambda access point
 * (`…--ol-s3`) or an S3 on Outposts access point (`…--op-s3`); S3 reserves these endings.
 */
function isAccessPointAlias(name: string): boolean {
  return name.endsWith("-s3alias") || name.endsWith("--ol-s3") || name.endsWith("--op-s3");
}

/** An access point ARN S3 itself authorizes (`bucketVariables`). */
const S3_ACCESS_POINT = /^arn:[^:]+:s3:[^:]*:[^:]*:accesspoint[/:]/;

/**
 * A request through an S3 Object Lambda or S3 on Outposts access point is authorized by that
 * service, under its own prefix (Service Authorization Reference: "Amazon S3 Object Lambda",
 * `s3-object-lambda:GetObject` on the Object Lambda access point; "Amazon S3 on Outposts",
 * `s3-outposts:GetObject` on the object). The rule's `s3:` requests are rewritten to that
 * service; an action it does not have makes the call unknown. Any other ARN is never a bucket.
 */
function throughAccessPoint(rule: OperationRule): OperationRule {
  return (call, general) => {
    const bucket = call.input.string("Bucket");
    const source = call.input.string("CopySource");
    if (source !== undefined && !copySourceReadable(source)) {
      call.input.unreadable(
        "CopySource (an ARN or access point alias S3 does not authorize as a bucket)",
      );
    }
    if (bucket !== undefined && isAccessPointAlias(bucket)) {
      call.input.unreadable(
        "Bucket (an access point alias, which does not say whose access point)",
      );
      return;
    }
    if (expressTarget(call, bucket) !== undefined) {
      // Object calls map to an S3 Express session (the rules see to it); bucket-level calls go
      // to S3 Express's control endpoint under its own actions, which keycard does not map.
      rule(call, general);
      const onBucket = (q: AuthorizationRequest) =>
        q.action.startsWith("s3:") && q.resource.split(":::", 2)[1]?.split("/", 1)[0] === bucket;
      if (call.requests.length === 0 || call.requests.some(onBucket))
        call.input.unreadable(
          "Bucket (a directory bucket, for an operation S3 Express authorizes)",
        );
      return;
    }
    if (!bucket?.startsWith("arn:") || S3_ACCESS_POINT.test(bucket)) {
      rule(call, general);
      return;
    }
    const olap = OBJECT_LAMBDA.exec(bucket);
    const outpost = olap ? null : OUTPOSTS.exec(bucket);
    if (!olap && !outpost) {
      call.input.unreadable("Bucket (an ARN that is not an S3 access point)");
      return;
    }
    rule(call, general);
    const key = call.input.string("Key");
    const rewrite = (list: AuthorizationRequest[], required: boolean) => {
      const original = list.splice(0, list.length);
      for (const request of original) {
        if (!request.action.startsWith("s3:")) {
          list.push(request);
          continue;
        }
        const name = request.action.slice(3);
        const prefix = olap ? "s3-object-lambda" : "s3-outposts";
        const info = call.action(`${prefix}:${name}`);
        if (!info) {
          if (required) call.addMissing(`${prefix}:${name}`);
          continue;
        }
        const objectLevel = call
          .action(request.action)
          ?.resourceTypes.some((t) => t.name.toLowerCase() === "object");
        const object = key ?? unknownPart("ObjectName");
        let resources: string[];
        if (olap) {
          const [, partition, region, account, name] = olap;
          resources = [
            `arn:${partition}:s3-object-lambda:${region}:${account}:accesspoint/${name}`,
          ];
        } else {
          const [, partition, region, account, outpostId, name] = outpost!;
          const base = `arn:${partition}:s3-outposts:${region}:${account}:outpost/${outpostId}`;
          // The access point's policy and the bucket behind it are both checked; the bucket's
          // name is known only to the server.
          const bucketArn = `${base}/bucket/${unknownPart("bucket behind the Outposts access point")}`;
          resources = objectLevel
            ? [`${base}/accesspoint/${name}/object/${object}`, `${bucketArn}/object/${object}`]
            : [`${base}/accesspoint/${name}`, bucketArn];
        }
        for (const built of call.build(info, { resource: resources })) {
          list.push(renamedContext(call, request, built, prefix, info.conditionKeys));
        }
      }
    };
    rewrite(call.requests, true);
    rewrite(call.alsoMayNeed, false);
  };
}

/**
 * Copies the rule's `s3:` keys onto the other service's request, where it lists them (a family
 * such as `RequestObjectTag/<key>` by its prefix). A renamed key the S3 rule decides and left
 * out is absent there too, as on S3; the other service's remaining keys stay unknown.
 */
function renamedContext(
  call: Call,
  from: AuthorizationRequest,
  to: AuthorizationRequest,
  prefix: string,
  keys: readonly string[],
): AuthorizationRequest {
  const listed = keyList(keys);
  const context: Record<string, ContextValue> = Object.assign({}, to.context);
  const unknown = new Set(to.unknownContext ?? []);
  for (const [key, value] of Object.entries(from.context ?? {})) {
    if (!key.startsWith("s3:")) continue;
    const renamed = `${prefix}:${key.slice(3)}`;
    if (keyListIncludes(listed, renamed)) context[renamed] = value;
  }
  const fromUnknown = new Set(from.unknownContext ?? []);
  for (const key of s3DecidedKeys(call.operation)) {
    if (fromUnknown.has(key)) continue;
    unknown.delete(`${prefix}:${key.slice(3)}`);
  }
  for (const key of fromUnknown) {
    const renamed = key.startsWith("s3:") ? `${prefix}:${key.slice(3)}` : key;
    if (keyListIncludes(listed, renamed)) unknown.add(renamed);
  }
  const out: AuthorizationRequest = Object.assign({}, to, { context });
  if (unknown.size > 0) out.unknownContext = [...unknown];
  else delete out.unknownContext;
  return out;
}

/** Whether a `CopySource` names a bucket or an S3 access point, not another service's ARN. */
function copySourceReadable(source: string): boolean {
  let decoded = source.replace(/^\//, "");
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    // Read as given, as copySource does.
  }
  // An access point alias does not say whose access point it is, as in `Bucket`.
  if (isAccessPointAlias(decoded.split("/", 1)[0]!)) return false;
  return !decoded.startsWith("arn:") || S3_ACCESS_POINT.test(decoded);
}

const s3Operations: Readonly<Record<string, OperationRule>> = {
  ...versionedOperations,
  GetObject: objectRead("GetObject"),
  HeadObject: objectRead("GetObject"),
  SelectObjectContent: objectRead("GetObject"),
  GetObjectAttributes: objectRead("GetObjectAttributes"),
  ListObjects: (call) => s3(call, "ListBucket"),
  ListObjectsV2: withDirectoryBuckets((call) => s3(call, "ListBucket")),
  PutObject: withDirectoryBuckets(objectWrite),
  CreateMultipartUpload: withDirectoryBuckets(objectWrite),
  UploadPart: withDirectoryBuckets((call) => s3(call, "PutObject")),
  CompleteMultipartUpload: withDirectoryBuckets((call) => s3(call, "PutObject")),
  AbortMultipartUpload: withDirectoryBuckets((call) => s3(call, "AbortMultipartUpload")),
  DeleteObject: withDirectoryBuckets((call) => {
    s3(call, versioned(call, "DeleteObject"));
    if (call.input.get("BypassGovernanceRetention") === true) s3(call, "BypassGovernanceRetention");
  }),
  PutObjectRetention: (call) => {
    const mode = call.input.textOf(read(call.input.get("Retention"), "Mode"), "Retention.Mode");
    s3(call, "PutObjectRetention", mode ? { context: { "s3:object-lock-mode": mode } } : undefined);
    if (call.input.get("BypassGovernanceRetention") === true) s3(call, "BypassGovernanceRetention");
  },
  PutObjectLegalHold: (call) => {
    const status = call.input.textOf(
      read(call.input.get("LegalHold"), "Status"),
      "LegalHold.Status",
    );
    s3(
      call,
      "PutObjectLegalHold",
      status ? { context: { "s3:object-lock-legal-hold": status } } : undefined,
    );
  },
  CopyObject: withDirectoryBuckets((call) => {
    copyRead(call);
    objectWrite(call);
    const directive = call.input.string("TaggingDirective") ?? "COPY";
    if (directive === "COPY") {
      // Tags are copied only if the source has any, which the client cannot see.
      const source = copySource(call.input.string("CopySource"));
      call.mayNeed(source?.versionId ? "GetObjectVersionTagging" : "GetObjectTagging", {
        variables: source?.vars ?? {},
      });
      call.mayNeed("PutObjectTagging");
    }
  }, copyRead),
  UploadPartCopy: withDirectoryBuckets((call) => {
    copyRead(call);
    s3(call, "PutObject");
  }, copyRead),
  DeleteObjects: withDirectoryBuckets((call) => {
    const objects = call.input.list(read(call.input.get("Delete"), "Objects"), "Delete.Objects");
    const bypass = call.input.get("BypassGovernanceRetention") === true;
    if (objects.length === 0) s3(call, "DeleteObject", { variables: { ObjectName: undefined } });
    for (const object of objects) {
      // A conditional delete names its ETag per object, where keycard does not read it as
      // `s3:if-match`: whether AWS does is not documented, so the key is unknown.
      const etag = read(object, "ETag");
      if (etag !== undefined && etag !== null) call.unknownContext.push("s3:if-match");
      const key = call.input.textOf(read(object, "Key"), "Delete.Objects.Key");
      const versionId = call.input.textOf(read(object, "VersionId"), "Delete.Objects.VersionId");
      const variables = { ObjectName: key };
      s3(call, versionId ? "DeleteObjectVersion" : "DeleteObject", { variables });
      if (bypass) s3(call, "BypassGovernanceRetention", { variables });
    }
  }),
  // Renaming exists only for directory buckets, whatever the bucket is called.
  RenameObject: (call) => {
    if (directoryBucket(call)) return;
    const bucket = call.input.string("Bucket");
    // A name that is neither (an ARN, say) is some resource whose type keycard cannot tell.
    const resource =
      bucket === undefined
        ? `bucket/${unknownPart("directory bucket name")}`
        : /^[a-z0-9.-]+$/.test(bucket)
          ? `bucket/${bucket}`
          : unknownPart("directory bucket or access point the call names");
    call.require("s3express:CreateSession", {
      resource: call.arn("s3express", resource, undefined, EXPRESS_OWNER),
      context: { "s3express:SessionMode": "ReadWrite" },
    });
  },
  CreateBucket: (call) => {
    const location = call.input.textOf(
      read(call.input.get("CreateBucketConfiguration"), "LocationConstraint"),
      "CreateBucketConfiguration.LocationConstraint",
    );
    s3(
      call,
      "CreateBucket",
      location ? { context: { "s3:LocationConstraint": location } } : undefined,
    );
    if (hasAny(call, GRANTS)) s3(call, "PutBucketAcl");
    if (call.input.get("ObjectLockEnabledForBucket") === true) {
      s3(call, "PutBucketObjectLockConfiguration");
      s3(call, "PutBucketVersioning");
    }
    if (has(call, "ObjectOwnership")) s3(call, "PutBucketOwnershipControls");
  },
};

/**
 * Object calls whose `Key` the rules use only as the object's name in resource ARNs, so that calls
 * with a new key reuse one mapping (checked whenever one is made: see `mapping-reuse.ts`).
 */
const REUSABLE: Readonly<Record<string, ReusableMembers>> = Object.freeze({
  GetObject: Object.freeze({ name: "Key" }),
  HeadObject: Object.freeze({ name: "Key" }),
  DeleteObject: Object.freeze({ name: "Key" }),
  PutObject: Object.freeze({ name: "Key", payload: "Body" }),
  UploadPart: Object.freeze({ name: "Key", payload: "Body" }),
});

/** Amazon S3: bucket and key ARNs, access points, header condition keys, versions, copies. @internal */
export const s3Rules: ServiceRules = {
  related: ["s3express", "s3-object-lambda", "s3-outposts", "kms"],
  decidedKeys: s3DecidedKeys,
  reusable: (operation) => ownMember(REUSABLE, operation),
  // The SDK always signs in the Authorization header with SigV4: every request that lists these
  // keys has them, including those a call only may need.
  variables: (call) => {
    checkHeaderSpaces(call);
    call.callContext["s3:authType"] = "REST-HEADER";
    call.callContext["s3:signatureversion"] = "AWS4-HMAC-SHA256";
    return bucketVariables(call.input.string("Bucket"));
  },
  // S3's keys are its request headers and parameters (Amazon S3 User Guide, "Condition key
  // examples"): a request without the parameter has no key. Not so for s3express, whose
  // SessionMode defaults to ReadWrite.
  omittedMembersAbsent: ["s3"],
  operations: Object.fromEntries(
    Object.entries(s3Operations).map(([name, rule]) => [name, throughAccessPoint(rule)]),
  ),
  // Remaining S3 operations are renamed or same-named; they still get header condition keys.
  operation: (_name, _sdkId, hasGeneral) => {
    if (!hasGeneral) return undefined;
    return throughAccessPoint((call, general) => {
      if (directoryBucket(call)) return;
      general(call);
      for (const request of call.requests) {
        const extra = headerContext(call, request.action);
        if (Object.keys(extra).length > 0)
          request.context = Object.assign({}, request.context, extra);
      }
    });
  },
};
