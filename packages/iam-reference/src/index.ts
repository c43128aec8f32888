export { iamActionDetails, iamActionExists, iamActionsForService } from "./actions.js";
export { IamReferenceError, type IamReferenceErrorCode } from "./errors.js";
export {
  iamResourceTypeDetails,
  iamResourceTypeExists,
  iamResourceTypesForService,
} from "./resource-types.js";
export { iamServiceExists, iamServiceKeys, iamServiceName } from "./services.js";
export type { Action, ActionResourceType, ResourceType } from "./types.js";
export { iamDataUpdatedAt, iamDataVersion } from "./version.js";
