/**
 * @keycard/engine: least-privilege rules, compiled to WebAssembly and evaluated in-process.
 * @packageDocumentation
 */

export { type CompiledPolicyData, compilePolicyData } from "./compile.js";
export {
  PolicyLoadError,
  type PolicyLoadErrorCode,
  type PolicyLocation,
  type PolicyWarning,
} from "./errors.js";
export {
  type DecisionReuse,
  type LoadPolicyOptions,
  loadPolicy,
  type Policy,
  type PolicyStats,
  type ResourceEvaluator,
} from "./load-policy.js";
/**
 * @internal Shared with `@keycard/access-diff`, which matches policy patterns against requests
 * the way the engine does, in time that grows at most with the product of the two lengths.
 */
export { type CompiledGlob, compileGlob, GLOB_ANY, GLOB_ONE, globMatches } from "./patterns.js";
export type {
  ConditionBlock,
  NamedPolicyDocument,
  PolicyDocument,
  PolicyDocumentInput,
  PolicyStatement,
} from "./policy-document.js";
/** @internal Shared with `@keycard/fleet`, which verifies a bundle's files before loading it. */
export { readTar, readTarGz } from "./tar.js";
export type {
  AuthorizationRequest,
  ConditionFailure,
  ContextValue,
  Decision,
  EvaluationInput,
  MatchedStatement,
  PrincipalInfo,
  RequestContext,
  RequestDecision,
  UnknownResourcePart,
} from "./types.js";
export { ENTRYPOINT } from "./wasm-runtime.js";
