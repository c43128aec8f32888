/**
 * @keycard/middleware: an AWS SDK for JavaScript v3 plugin that checks every call against
 * least-privilege IAM rules before it is signed, and refuses, reports or learns.
 * @packageDocumentation
 */

export { lockPrototypes } from "@keycard/iam-map";
export type {
  DecisionPrincipal,
  DecisionRequest,
  KeycardDecision,
  KeycardMode,
  PossibleRequest,
} from "./decision.js";
export { DECISION_PATH, type DecisionLogEntry } from "./decision-log.js";
export { KeycardConfigError, type KeycardConfigErrorCode, KeycardDeniedError } from "./errors.js";
export { keycardMiddlewareOptions, keycardSnapshotOptions } from "./keycard-middleware.js";
export {
  type KeycardClient,
  type KeycardPlugin,
  keycardPlugin,
  withKeycard,
} from "./keycard-plugin.js";
export { type LearnedRequest, LearnRecorder, type LearnRecorderOptions } from "./learn-recorder.js";
export type { KeycardLogger, KeycardOptions } from "./options.js";
export { DEFAULT_REDACTED_FIELDS } from "./redact.js";
