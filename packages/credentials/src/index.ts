/**
 * A role-first AWS credential provider: roles over static keys, never root keys.
 * @packageDocumentation
 */
export { CREDENTIAL_SOURCES, credentialSourceOf } from "./credential-source.js";
export {
  CredentialsCheckFailedError,
  KeycardCredentialsError,
  type KeycardCredentialsErrorCode,
  NoCredentialsError,
  RoleSourceFailedError,
  RoleSourceIncompleteError,
  RootCredentialsRefusedError,
  StaticCredentialsRefusedError,
} from "./errors.js";
export { fromRoleFirstChain, type RoleFirstCredentialProvider } from "./role-first-chain.js";
export type {
  AssumeRoleOptions,
  ChainClientConfig,
  CredentialSource,
  MfaOptions,
  RoleFirstChainOptions,
  RoleFirstCredentials,
  StaticKeysPolicy,
} from "./types.js";
