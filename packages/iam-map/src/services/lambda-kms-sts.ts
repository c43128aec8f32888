import type { Call } from "../call.js";
import type { VariableValues } from "../general-rule.js";
import { isPresent, isRecord, items, read, safeKeys } from "../input-view.js";
import type { OperationRule, ServiceRules } from "../service-rules.js";
import type { ContextValue } from "../types.js";
import { markedResource, unknownPart } from "../unknown-part.js";
import { kmsKeyArn } from "./kms-keys.js";

/** A function reference taken apart: absent parts are the call's own (region, account). */
interface FunctionRef {
  readonly partition?: string | undefined;
  readonly region?: string;
  readonly account?: string;
  readonly name: string;
  readonly qualifier?: string;
  /** The name followed a `function:` segment. */
  readonly keyword?: boolean;
}

const LAMBDA_NAME = /^[a-zA-Z0-9_-]+$/;
const LAMBDA_REGION = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;
const ACCOUNT_ID = /^\d{12}$/;
const PARTITION = /^(?:aws[a-zA-Z-]*)?$/;

/**
 * Every reading of a `FunctionName` the Lambda API admits (API reference, e.g. Invoke:
 * `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?`
 * `([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`), segment by segment. The grammar is
 * ambiguous (`123456789012:prod` is the function `prod` in that account, or the function
 * `123456789012` qualified `prod`), so all readings are collected.
 */
function functionReadings(parts: readonly string[]): FunctionRef[] {
  const out: FunctionRef[] = [];
  const tail = (i: number, ref: Omit<FunctionRef, "name" | "qualifier">) => {
    const name = parts[i];
    if (name === undefined || !LAMBDA_NAME.test(name)) return;
    if (i === parts.length - 1) out.push({ ...ref, name });
    else if (i === parts.length - 2 && /^(?:\$LATEST|[a-zA-Z0-9_-]+)$/.test(parts[i + 1]!))
      out.push({ ...ref, name, qualifier: parts[i + 1]! });
  };
  const afterAccount = (i: number, ref: Omit<FunctionRef, "name" | "qualifier">) => {
    tail(i, ref);
    if (parts[i] === "function") tail(i + 1, { ...ref, keyword: true });
  };
  const afterRegion = (i: number, ref: Omit<FunctionRef, "name" | "qualifier">) => {
    afterAccount(i, ref);
    if (parts[i] !== undefined && ACCOUNT_ID.test(parts[i]!))
      afterAccount(i + 1, { ...ref, account: parts[i]! });
  };
  const afterArn = (i: number, ref: Omit<FunctionRef, "name" | "qualifier">) => {
    afterRegion(i, ref);
    if (parts[i] !== undefined && LAMBDA_REGION.test(parts[i]!))
      afterRegion(i + 1, { ...ref, region: parts[i]! });
  };
  afterArn(0, {});
  if (parts[0] === "arn" && parts[2] === "lambda" && PARTITION.test(parts[1] ?? "-")) {
    // `arn::lambda:…` names no partition: which one AWS takes is not known.
    afterArn(3, { partition: parts[1] === "" ? undefined : parts[1]! });
  }
  return out;
}

/** Where a reference puts the function: the parts every reading must agree on. */
interface FunctionPlace {
  readonly vars: Record<string, string | undefined>;
  /** `name` or `name:qualifier`, one per reading. */
  readonly names: readonly FunctionRef[];
}

/**
 * The readings of a function reference, when they agree on partition, region and account; when
 * they still differ in name and qualifier, each is authorized, so each must be allowed. Undefined
 * when the reference is in no admitted form or the readings name different accounts or regions.
 */
function placeFunction(ref: string): FunctionPlace | undefined {
  // Longer than any reference the API takes: not read (and not split).
  if (ref.length > 256) return undefined;
  const all = functionReadings(ref.split(":"));
  // `function:` before the name is the documented partial and full ARN form (`…:function:prod`
  // is the function `prod`); a reading that takes that segment as the name is dropped for it.
  const keyword = all.filter((r) => r.keyword);
  // An ARN without `function:` (`arn:aws:lambda:…:layer:prod`) is a resource of another type to
  // anything but the pattern: which one AWS resolves is not known.
  const readings = keyword.length > 0 ? keyword : ref.startsWith("arn:") ? [] : all;
  const first = readings[0];
  if (first === undefined) return undefined;
  const where = (r: FunctionRef) =>
    `${"partition" in r}\u0000${r.partition}\u0000${r.region}\u0000${r.account}`;
  const place = where(first);
  for (const r of readings) if (where(r) !== place) return undefined;
  const vars: Record<string, string | undefined> = {};
  if ("partition" in first) vars["Partition"] = first.partition;
  if (first.region !== undefined) vars["Region"] = first.region;
  if (first.account !== undefined) vars["Account"] = first.account;
  return { vars, names: readings };
}

/**
 * A Lambda function reference in any form the API admits (`name`, `name:qualifier`,
 * `123456789012:function:name`, a full or partial ARN), with an optional `Qualifier` member. A
 * qualified call is authorized on the qualified ARN. A reference in no such form leaves the
 * function unknown.
 */
function functionVariables(ref: string | undefined, qualifier: string | undefined): VariableValues {
  if (ref === undefined) return {};
  const place = placeFunction(ref);
  if (place === undefined) return { FunctionName: undefined };
  const names = new Set<string>();
  for (const r of place.names) {
    // A qualifier in the name and a different `Qualifier` member: which one AWS takes is unknown.
    if (r.qualifier !== undefined && qualifier !== undefined && qualifier !== r.qualifier)
      return { ...place.vars, FunctionName: undefined };
    const q = r.qualifier ?? qualifier;
    names.add(q === undefined ? r.name : `${r.name}:${q}`);
  }
  const list = [...names];
  return { ...place.vars, FunctionName: list.length === 1 ? list[0]! : list };
}

/**
 * Provisioned concurrency is configured on an alias or version (Service Authorization Reference,
 * Lambda: `function alias` / `function version`, `function:${FunctionName}:${Alias}`), so the
 * qualifier fills the template's last variable rather than the function name.
 */
const onQualifier: OperationRule = (call) => {
  const ref = call.input.string("FunctionName");
  const member = call.input.string("Qualifier");
  const place = ref === undefined ? undefined : placeFunction(ref);
  // One reading only: two would pair each name with each qualifier.
  const only = place?.names.length === 1 ? place.names[0] : undefined;
  const qualifier = only?.qualifier ?? member;
  const known =
    ref === undefined ||
    (only !== undefined &&
      (only.qualifier === undefined || member === undefined || member === only.qualifier));
  call.require(call.operation, {
    variables: {
      ...place?.vars,
      FunctionName: known ? only?.name : undefined,
      Alias: known ? qualifier : undefined,
      Version: known ? qualifier : undefined,
    },
  });
};

/** The operations whose input says the function URL's auth type. */
const FUNCTION_URL_AUTH_TYPE = new Set([
  "AddPermission",
  "CreateFunctionUrlConfig",
  "UpdateFunctionUrlConfig",
]);

/** Keys a function's layers and VPC settings give. */
const FUNCTION_SETTINGS = [
  "lambda:Layer",
  "lambda:SubnetIds",
  "lambda:SecurityGroupIds",
  "lambda:VpcIds",
];

/**
 * `lambda:Layer` from `Layers` (layer version ARNs), and `lambda:SubnetIds` and
 * `lambda:SecurityGroupIds` from `VpcConfig`. The VPC is the subnets', which only AWS resolves.
 */
function functionSettings(call: Call): void {
  const layers = call.input.get("Layers");
  if (layers !== undefined && layers !== null) {
    const list = call.input.strings(layers, "Layers");
    // Every entry is in the key AWS evaluates: one that is not text leaves it unknown.
    if (list !== undefined && list.length === (layers as unknown[]).length)
      call.callContext["lambda:Layer"] = list;
    else call.unknownContext.push("lambda:Layer");
  }
  const vpc = call.input.get("VpcConfig");
  if (vpc === undefined || vpc === null) return;
  for (const [member, key] of [
    ["SubnetIds", "lambda:SubnetIds"],
    ["SecurityGroupIds", "lambda:SecurityGroupIds"],
  ] as const) {
    const value = read(vpc, member);
    const list =
      value === undefined || value === null
        ? undefined
        : call.input.strings(value, `VpcConfig.${member}`);
    if (list !== undefined && list.length === (value as unknown[]).length)
      call.callContext[key] = list;
    else call.unknownContext.push(key);
  }
  call.unknownContext.push("lambda:VpcIds");
}

/** AWS Lambda: function names, partial and full ARNs, and qualifiers. @internal */
export const lambdaRules: ServiceRules = {
  decidedKeys: (operation) => [
    // Other operations that list the key read it from the function's URL configuration.
    ...(FUNCTION_URL_AUTH_TYPE.has(operation) ? ["lambda:FunctionUrlAuthType"] : []),
    // A new function without layers or VPC settings has none of these keys (Lambda Developer
    // Guide, "Using IAM condition keys for VPC settings": a Null check on lambda:VpcIds finds
    // functions created outside a VPC). An update that leaves them out keeps the function's
    // own, which only AWS knows.
    ...(operation === "CreateFunction" ? FUNCTION_SETTINGS : []),
  ],
  operations: {
    GetProvisionedConcurrencyConfig: onQualifier,
    PutProvisionedConcurrencyConfig: onQualifier,
    DeleteProvisionedConcurrencyConfig: onQualifier,
  },
  variables: (call) => {
    // Lambda Developer Guide, "Control access to function URLs": lambda:FunctionUrlAuthType is
    // the `AuthType` of Create/UpdateFunctionUrlConfig and AddPermission's `FunctionUrlAuthType`.
    const auth = call.input.string("AuthType") ?? call.input.string("FunctionUrlAuthType");
    if (auth !== undefined) call.callContext["lambda:FunctionUrlAuthType"] = auth;
    if (call.operation === "CreateFunction" || call.operation === "UpdateFunctionConfiguration")
      functionSettings(call);
    return functionVariables(call.input.string("FunctionName"), call.input.string("Qualifier"));
  },
};

/** `kms:EncryptionContext:<key>` and `kms:EncryptionContextKeys` from the request's encryption context. */
function encryptionContext(call: Call, value: unknown, into: Record<string, ContextValue>) {
  if (!isRecord(value)) {
    if (isPresent(value)) call.input.unreadable("EncryptionContext");
    return;
  }
  const keys = safeKeys(value);
  if (keys.length === 0) return;
  // Every pair is in the context AWS evaluates: more than keycard reads is unknown, not cut.
  if (keys.length > MAX_CONTEXT_PAIRS) {
    call.input.unreadable(`EncryptionContext (more than ${MAX_CONTEXT_PAIRS} pairs)`);
    return;
  }
  for (const key of keys) {
    const v = call.input.textOf(read(value, key), "EncryptionContext");
    if (v !== undefined) into[`kms:EncryptionContext:${key}`] = v;
  }
  into["kms:EncryptionContextKeys"] = keys;
}

/**
 * The operations whose `EncryptionContext` member is the encryption context AWS evaluates.
 * ReEncrypt has a source and a destination context and CreateGrant grant constraints, which
 * are not read: their context keys stay unknown.
 */
const ENCRYPTION_CONTEXT = new Set([
  "Encrypt",
  "Decrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
]);

/** Most encryption context pairs read; KMS accepts up to 8 KB of them. */
const MAX_CONTEXT_PAIRS = 1000;

/** What an unnamed key of a ciphertext is, in `resourceParts`. */
const CIPHERTEXT_KEY = "KMS key recorded in the ciphertext";
const CIPHERTEXT_ACCOUNT = "account of the KMS key in the ciphertext";

/** AWS KMS: key ids, key ARNs, aliases (which resolve on the server) and re-encryption. @internal */
export const kmsRules: ServiceRules = {
  decidedKeys: (operation) => [
    ...(ENCRYPTION_CONTEXT.has(operation)
      ? ["kms:EncryptionContext:*", "kms:EncryptionContextKeys"]
      : []),
    // ReEncrypt names its keys as SourceKeyId and DestinationKeyId, which are not read here.
    ...(operation === "ReEncrypt" ? [] : ["kms:RequestAlias"]),
  ],
  variables: (call) => {
    // The caller's account (AWS KMS Developer Guide, "kms:CallerAccount"), when it is known.
    const account = call.globalContext["aws:PrincipalAccount"];
    if (typeof account === "string") call.callContext["kms:CallerAccount"] = account;
    encryptionContext(call, call.input.get("EncryptionContext"), call.callContext);
    const ref = call.input.string("KeyId") ?? call.input.string("TargetKeyId");
    const key = kmsKeyArn(call, ref);
    if (key.alias) call.callContext["kms:RequestAlias"] = key.alias;
    const aliasName = call.input.string("AliasName");
    const vars: Record<string, string | undefined> = {};
    if (aliasName !== undefined) vars["Alias"] = aliasName.replace(/^alias\//, "");
    if (ref !== undefined) {
      const m = /^arn:([^:]+):kms:([^:]*):([^:]*):key\/(.+)$/.exec(key.arn);
      vars["KeyId"] = m?.[4];
      if (m) Object.assign(vars, { Partition: m[1], Region: m[2], Account: m[3] });
    } else if (call.input.get("CiphertextBlob") !== undefined) {
      // KMS API reference, Decrypt: without `KeyId`, "AWS KMS can get the KMS key from metadata
      // that it adds to the symmetric ciphertext blob"; that metadata is not a documented format
      // (it holds a backing-key id, AWS KMS Cryptographic Details), so only AWS knows the key,
      // and the key may belong to another account.
      vars["KeyId"] = unknownPart(CIPHERTEXT_KEY);
      vars["Account"] = unknownPart(CIPHERTEXT_ACCOUNT);
    }
    return vars;
  },
  operations: {
    ReEncrypt: (call) => {
      const source = call.input.string("SourceKeyId");
      const from = source
        ? kmsKeyArn(call, source)
        : {
            arn: call.arn(
              "kms",
              `key/${unknownPart(CIPHERTEXT_KEY)}`,
              undefined,
              unknownPart(CIPHERTEXT_ACCOUNT),
            ),
          };
      const to = kmsKeyArn(call, call.input.string("DestinationKeyId"));
      call.require("ReEncryptFrom", { resource: from.arn });
      call.require("ReEncryptTo", { resource: to.arn });
    },
    // KMS API reference, ReplicateKey: "kms:ReplicateKey on the primary key … kms:CreateKey in an
    // IAM policy in the replica Region", and kms:TagResource there when the call carries tags.
    ReplicateKey: (call, general) => {
      general(call);
      const replica = call.input.string("ReplicaRegion");
      const context = replica ? { "aws:RequestedRegion": replica } : undefined;
      const resource = "*";
      call.require("CreateKey", context ? { resource, context } : { resource });
      if (items(call.input.get("Tags"), 1).length > 0) {
        const key = call.arn(
          "kms",
          `key/${unknownPart("replica key id (same as the primary)")}`,
          replica,
        );
        call.require("TagResource", context ? { resource: key, context } : { resource: key });
      }
    },
  },
};

/**
 * AWS STS: `GetCallerIdentity` needs no permission; `AssumeRole` is on the role ARN, and also
 * needs `sts:TagSession` on it when it passes session tags, `sts:SetSourceIdentity` when it
 * sets a source identity and `sts:SetContext` when it passes provided contexts (IAM User Guide,
 * "Passing session tags in AWS STS" and "Monitor and control actions taken with assumed roles";
 * Service Authorization Reference, AWS STS).
 * @internal
 */
export const stsRules: ServiceRules = {
  operations: {
    AssumeRole: (call, general) => {
      general(call);
      const roles = new Set(
        call.requests.filter((q) => q.action === "sts:AssumeRole").map((q) => markedResource(q)),
      );
      const tags = call.input.get("Tags");
      const transitive = call.input.get("TransitiveTagKeys");
      const sourceIdentity = call.input.get("SourceIdentity");
      const contexts = call.input.get("ProvidedContexts");
      for (const resource of roles) {
        if (items(tags, 1).length > 0 || items(transitive, 1).length > 0)
          call.require("TagSession", { resource });
        if (isPresent(sourceIdentity)) call.require("SetSourceIdentity", { resource });
        if (items(contexts, 1).length > 0) call.require("SetContext", { resource });
      }
    },
    GetCallerIdentity: (call) => {
      call.note = "GetCallerIdentity needs no permission: AWS always allows it";
    },
    // IAM User Guide, "Permissions for GetSessionToken": no permission is needed to get a session
    // token for one's own credentials.
    GetSessionToken: (call) => {
      call.note = "GetSessionToken needs no permission: AWS always allows it";
    },
  },
};
