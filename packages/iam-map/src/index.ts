export { authorizationFor, authorizationForSync, preloadServices } from "./authorization.js";
export { IamMapError, type IamMapErrorCode } from "./errors.js";
export type {
  AuthorizationInput,
  AuthorizationRequest,
  AuthorizationResult,
  CallerPrincipal,
  ContextValue,
  RequestContext,
} from "./types.js";
