import { IamReferenceError } from "./errors.js";
import { serviceData } from "./service-data.js";
import type { ResourceType } from "./types.js";

/**
 * Keys of every resource type of a service, in IAM casing.
 * @param serviceKey - service prefix, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` when the reference does not hold the service
 * @public
 */
export async function iamResourceTypesForService(serviceKey: string): Promise<string[]> {
  return [...(await serviceData(serviceKey.toLowerCase())).resourceTypeKeys];
}

/**
 * Whether a service has a resource type.
 * @param serviceKey - service prefix, case-insensitive
 * @param resourceTypeKey - resource type key, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` when the reference does not hold the service
 * @public
 */
export async function iamResourceTypeExists(
  serviceKey: string,
  resourceTypeKey: string,
): Promise<boolean> {
  const data = await serviceData(serviceKey.toLowerCase());
  return data.resourceTypes.has(resourceTypeKey.toLowerCase());
}

/**
 * A resource type's ARN format and condition keys.
 * @param serviceKey - service prefix, case-insensitive
 * @param resourceTypeKey - resource type key, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` or `UNKNOWN_RESOURCE_TYPE`
 * @example `(await iamResourceTypeDetails("s3", "bucket")).arn` → `"arn:${Partition}:s3:::${BucketName}"`
 * @public
 */
export async function iamResourceTypeDetails(
  serviceKey: string,
  resourceTypeKey: string,
): Promise<ResourceType> {
  const data = await serviceData(serviceKey.toLowerCase());
  const resourceType = data.resourceTypes.get(resourceTypeKey.toLowerCase());
  if (!resourceType) {
    throw new IamReferenceError(
      "UNKNOWN_RESOURCE_TYPE",
      `Resource type ${resourceTypeKey} does not exist for service ${serviceKey}`,
    );
  }
  return resourceType;
}
