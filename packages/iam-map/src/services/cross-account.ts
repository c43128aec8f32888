import type { VariableValues } from "../general-rule.js";
import type { InputView } from "../input-view.js";
import type { ServiceRules } from "../service-rules.js";

/** An AWS account id as ARNs hold it. */
const ACCOUNT_ID = /^\d{12}$/;

/**
 * The account a call's resources belong to when a member names another registry or catalog
 * (ECR `registryId`, Glue `CatalogId`): that account when the member is an account id, unknown
 * when it is anything else (a federated catalog, a typo AWS resolves its own way), and the
 * caller's account (no override) only when the member is absent.
 * @internal
 */
export function accountFromMember(input: InputView, lowerName: string): VariableValues {
  const value = input.getAnyCase(lowerName);
  if (value === undefined || value === null) return {};
  const text = input.textOf(value, lowerName);
  return { Account: text !== undefined && ACCOUNT_ID.test(text) ? text : undefined };
}

/** Amazon ECR: `registryId` names the registry, that is the account, a call acts in. @internal */
export const ecrRules: ServiceRules = {
  variables: (call) => {
    const vars = accountFromMember(call.input, "registryid");
    return "Account" in vars ? vars : undefined;
  },
};
