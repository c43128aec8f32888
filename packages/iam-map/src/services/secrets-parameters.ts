import type { VariableValues } from "../general-rule.js";
import { asString, asStrings } from "../input-view.js";
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
const SUFFIX = unknownPart("secret ARN suffix (6 random characters)");

/** AWS Secrets Manager: names become ARNs with the unknown six-character suffix. @internal */
export const secretsManagerRules: ServiceRules = {
  variables: (call) => {
    const list = asStrings(call.input.get("SecretIdList"), 20);
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

/** AWS Systems Manager: parameter names with or without a leading slash, names given as ARNs. @internal */
export const ssmRules: ServiceRules = {
  variables: (call) => {
    const names = asStrings(call.input.get("Names"), 50);
    if (names && names.length > 0) {
      return {
        ParameterNameWithoutLeadingSlash: names
          .filter((n) => !n.startsWith("arn:"))
          .map(parameterPath),
      };
    }
    const path = call.input.string("Path");
    if (path !== undefined && call.operation === "GetParametersByPath") {
      return { ParameterNameWithoutLeadingSlash: path.replace(/^\/+|\/+$/g, "") };
    }
    const name = asString(call.input.get("Name"));
    if (name === undefined || name.startsWith("arn:")) return undefined;
    return { ParameterNameWithoutLeadingSlash: parameterPath(name) };
  },
};
