/**
 * @keycard/fleet: signed keycard policy bundles delivered over OPA's bundle protocol and
 * hot-swapped in-process, and decision logs shipped over OPA's decision-log protocol.
 * @packageDocumentation
 */

export { type BundleLimits, DEFAULT_LIMITS } from "./archive.js";
export {
  type DecisionLogStats,
  type OpaDecisionLog,
  type OpaDecisionLogOptions,
  opaDecisionLog,
} from "./decision-log.js";
export { FleetError, type FleetErrorCode } from "./errors.js";
export type { KeyInput, SigningAlgorithm } from "./jws.js";
export type { BundleManifest } from "./manifest.js";
export { type SignBundleOptions, signBundle } from "./sign.js";
export type { S3ClientLike } from "./sources.js";
export {
  type VerificationOptions,
  type VerifiedBundle,
  type VerifyBundleOptions,
  verifyBundle,
} from "./verify.js";
export {
  type LivePolicy,
  type PolicyUpdate,
  type WatchPolicyOptions,
  type WatchStatus,
  watchPolicy,
} from "./watch.js";
