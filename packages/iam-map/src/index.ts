export { authorizationFor, authorizationForSync, preloadServices } from "./authorization.js";
export { IamMapError, type IamMapErrorCode } from "./errors.js";
export {
  type GeneratePolicyOptions,
  generatePolicy,
  type PolicyDocument,
  type PolicyStatement,
} from "./generate-policy.js";
export {
  addedArrayPrototypeIndexes,
  addedObjectPrototypeMembers,
  addedProtocolHook,
  lockPrototypes,
  prototypePollution,
  RECORD_PROTOTYPE,
} from "./object-prototype.js";
export type {
  AuthorizationInput,
  AuthorizationRequest,
  AuthorizationResult,
  CallerPrincipal,
  ContextValue,
  RequestContext,
  UnknownResourcePart,
} from "./types.js";
