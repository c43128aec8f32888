import type { VariableValues } from "../general-rule.js";
import type { ServiceRules } from "../service-rules.js";
import { unknownPart } from "../unknown-part.js";

/**
 * A secret's ARN ends in `-` and six random characters that only the server knows, so for a secret
 * named without them the suffix is marked unknown (`name-*` in display form).
 */
function secretId(ref: string): { id: string; vars?: VariableValues } {
  const arn = /^arn:([^:]+):secretsmanager:([^:]*):([^:]*):secret:(.+)$/.exec(ref);
  if (arn) {
    const name = arn[4]!;
    const id = /-[A-Za-z0-9]{6}$/.test(name) ? name : `${name}-${SUFFIX}`;
    return { id, vars: { Partition: arn[1], Region: arn[2], Account: arn[3] } };
  }
  return { id: `${ref}-${SUFFIX}` };
}

/** The six random characters Secrets Manager appends to a secret's name in its ARN. */
const SUFFIX = unknownPart("secret ARN suffix (6 random characters)", 6);

/** AWS Secrets Manager: names become ARNs with the unknown six-character suffix. @internal */
export const secretsManagerRules: ServiceRules = {
  operations: {
    // Secrets Manager API reference, BatchGetSecretValue: "you must have
    // secretsmanager:BatchGetSecretValue and secretsmanager:GetSecretValue for each secret. If you
    // use filters, you must also have secretsmanager:ListSecrets."
    BatchGetSecretValue: (call) => {
      call.require("BatchGetSecretValue", { resource: "*" });
      const list = call.input.strings(call.input.get("SecretIdList"), "SecretIdList", 20) ?? [];
      for (const ref of list) {
        const { id, vars } = secretId(ref);
        call.require("GetSecretValue", { variables: { ...vars, SecretId: id } });
      }
      if (call.input.get("Filters") !== undefined || list.length === 0) {
        call.require("ListSecrets", { resource: "*" });
        call.require("GetSecretValue", {
          variables: { SecretId: unknownPart("secrets the filters select") },
        });
      }
    },
  },
  variables: (call) => {
    const list = call.input.strings(call.input.get("SecretIdList"), "SecretIdList", 20);
    if (list && list.length > 0) {
      const ids = list.map((ref) => secretId(ref).id);
      return { SecretId: ids };
    }
    const ref =
      call.input.string("SecretId") ??
      (call.operation === "CreateSecret" ? call.input.string("Name") : undefined);
    if (ref === undefined) return { SecretId: undefined };
    const { id, vars } = secretId(ref);
    return { ...vars, SecretId: id };
  },
};

/** A parameter's ARN path: no leading slash, and no `:version` or `:label` selector. */
function parameterPath(name: string): string {
  return name.replace(/^\//, "").replace(/:[^/:]+$/, "");
}

/**
 * A `Names` entry: a name becomes its path; an ARN (a parameter shared from another account, or
 * named by ARN) keeps its own partition, region and account, without a selector.
 */
function parameterEntry(name: string): string {
  if (!name.startsWith("arn:")) return parameterPath(name);
  const at = name.indexOf(":parameter/");
  if (at < 0) return name;
  return name.slice(0, at + 11) + parameterPath(name.slice(at + 11));
}

/** AWS Systems Manager: parameter names with or without a leading slash, names given as ARNs. @internal */
export const ssmRules: ServiceRules = {
  variables: (call) => {
    const names = call.input.strings(call.input.get("Names"), "Names", 50);
    if (names && names.length > 0) {
      // Systems Manager API reference, GetParameters: each entry of `Names` is authorized; one
      // given as an ARN is that parameter, in its own account and region.
      return { ParameterNameWithoutLeadingSlash: names.map(parameterEntry) };
    }
    const path = call.input.string("Path");
    if (path !== undefined && call.operation === "GetParametersByPath") {
      return { ParameterNameWithoutLeadingSlash: path.replace(/^\/+|\/+$/g, "") };
    }
    // Systems Manager API reference, UpdateManagedInstanceRole: `IamRole` is the role's name; its
    // path, which the role's ARN holds, is unknown.
    const iamRole = call.input.string("IamRole");
    if (iamRole !== undefined && call.operation === "UpdateManagedInstanceRole") {
      return {
        RoleName: unknownPart("IAM role path") + iamRole.slice(iamRole.lastIndexOf("/") + 1),
      };
    }
    // Systems Manager API reference, GetServiceSetting: `SettingId` is `/ssm/…` or the setting's
    // ARN, `arn:…:servicesetting/ssm/…`; the ARN holds the id without its leading slash.
    const setting = call.input.string("SettingId");
    if (setting !== undefined && !setting.startsWith("arn:")) {
      return { ResourceId: setting.replace(/^\/+/, "") };
    }
    const name = call.input.string("Name");
    if (name === undefined) return undefined;
    if (name.startsWith("arn:")) {
      const at = name.indexOf(":parameter/");
      if (at < 0) return undefined;
      const [, partition, , region, account] = name.split(":");
      return {
        Partition: partition,
        Region: region,
        Account: account,
        ParameterNameWithoutLeadingSlash: parameterPath(name.slice(at + 11)),
      };
    }
    return { ParameterNameWithoutLeadingSlash: parameterPath(name) };
  },
};
