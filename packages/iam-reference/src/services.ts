import { IamReferenceError } from "./errors.js";
import { hasService, serviceNames } from "./service-data.js";

/**
 * Keys of every service in the reference, sorted.
 * @example `await iamServiceKeys()` → `["a2c", "a4b", "access-analyzer", …]`
 * @public
 */
export async function iamServiceKeys(): Promise<string[]> {
  return Object.keys(serviceNames());
}

/**
 * Whether the reference holds a service.
 * @param serviceKey - service prefix, case-insensitive, for example `s3`
 * @public
 */
export async function iamServiceExists(serviceKey: string): Promise<boolean> {
  return hasService(serviceKey.toLowerCase());
}

/**
 * A service's name.
 * @param serviceKey - service prefix, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` when the reference does not hold the service
 * @example `await iamServiceName("s3")` → `"Amazon S3"`
 * @public
 */
export async function iamServiceName(serviceKey: string): Promise<string> {
  const key = serviceKey.toLowerCase();
  if (!hasService(key)) {
    throw new IamReferenceError("UNKNOWN_SERVICE", `Service ${serviceKey} does not exist`);
  }
  return serviceNames()[key]!;
}
