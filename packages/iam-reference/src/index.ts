export {
  iamActionDetails,
  iamActionDetailsSync,
  iamActionExists,
  iamActionExistsSync,
  iamActionsForService,
  iamActionsForServiceSync,
} from "./actions.js";
export { IamReferenceError, type IamReferenceErrorCode } from "./errors.js";
export {
  addedArrayPrototypeIndexes,
  addedObjectPrototypeMembers,
  addedProtocolHook,
  isAddedObjectPrototypeMember,
  lockPrototypes,
  prototypePollution,
} from "./prototype-pollution.js";
export {
  iamResourceTypeDetails,
  iamResourceTypeDetailsSync,
  iamResourceTypeExists,
  iamResourceTypeExistsSync,
  iamResourceTypesForService,
  iamResourceTypesForServiceSync,
} from "./resource-types.js";
export {
  iamServiceExists,
  iamServiceExistsSync,
  iamServiceKeys,
  iamServiceKeysSync,
  iamServiceName,
  iamServiceNameSync,
} from "./services.js";
export type { Action, ActionResourceType, ResourceType } from "./types.js";
export { iamDataUpdatedAt, iamDataVersion } from "./version.js";
