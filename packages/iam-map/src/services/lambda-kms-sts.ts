import type { Call } from "../call.js";
import type { VariableValues } from "../general-rule.js";
import { isPresent, isRecord, items, read, safeKeys } from "../input-view.js";
import type { OperationRule, ServiceRules } from "../service-rules.js";
import type { ContextValue } from "../types.js";
import { unknownPart } from "../unknown-part.js";
import { kmsKeyArn } from "./kms-keys.js";

/**
 * A Lambda function reference: `name`, `name:qualifier`, `123456789012:function:name` or a full
 * ARN, with an optional `Qualifier` member. A qualified call is authorized on the qualified ARN.
 */
function functionVariables(ref: string | undefined, qualifier: string | undefined): VariableValues {
  if (ref === undefined) return {};
  let name = ref;
  const vars: Record<string, string> = {};
  const arn = /^arn:([^:]+):lambda:([^:]*):([^:]*):function:(.+)$/.exec(ref);
  const partial = /^(\d{12}):function:(.+)$/.exec(ref);
  if (arn) {
    Object.assign(vars, { Partition: arn[1], Region: arn[2], Account: arn[3] });
    name = arn[4]!;
  } else if (partial) {
    vars["Account"] = partial[1]!;
    name = partial[2]!;
  }
  if (qualifier !== undefined && !name.includes(":")) name = `${name}:${qualifier}`;
  vars["FunctionName"] = name;
  return vars;
}

/**
 * Provisioned concurrency is configured on an alias or version (Service Authorization Reference,
 * Lambda: `function alias` / `function version`, `function:${FunctionName}:${Alias}`), so the
 * qualifier fills the template's last variable rather than the function name.
 */
const onQualifier: OperationRule = (call) => {
  const vars = functionVariables(call.input.string("FunctionName"), undefined);
  const name = vars["FunctionName"];
  const colon = typeof name === "string" ? name.indexOf(":") : -1;
  const qualifier = colon >= 0 ? (name as string).slice(colon + 1) : call.input.string("Qualifier");
  call.require(call.operation, {
    variables: {
      ...vars,
      FunctionName: colon >= 0 ? (name as string).slice(0, colon) : name,
      Alias: qualifier,
      Version: qualifier,
    },
  });
};

/** AWS Lambda: function names, partial and full ARNs, and qualifiers. @internal */
export const lambdaRules: ServiceRules = {
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

/** Most encryption context pairs read; KMS accepts up to 8 KB of them. */
const MAX_CONTEXT_PAIRS = 1000;

/** What an unnamed key of a ciphertext is, in `resourceParts`. */
const CIPHERTEXT_KEY = "KMS key recorded in the ciphertext";
const CIPHERTEXT_ACCOUNT = "account of the KMS key in the ciphertext";

/** AWS KMS: key ids, key ARNs, aliases (which resolve on the server) and re-encryption. @internal */
export const kmsRules: ServiceRules = {
  variables: (call) => {
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

/** AWS STS: `GetCallerIdentity` needs no permission; `AssumeRole` is on the role ARN. @internal */
export const stsRules: ServiceRules = {
  operations: {
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
