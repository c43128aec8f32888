import type { GeneratePolicyOptions, PolicyDocument } from "@keycard/iam-map";
import type { MiddlewareStack, Pluggable } from "@smithy/types";
import type { KeycardMode } from "./decision.js";
import { KeycardGuard } from "./guard.js";
import {
  keycardMiddleware,
  keycardMiddlewareOptions,
  keycardSnapshotMiddleware,
  keycardSnapshotOptions,
} from "./keycard-middleware.js";
import type { LearnedRequest, LearnRecorder } from "./learn-recorder.js";
import type { KeycardOptions } from "./options.js";
import type { ClientConfigLike } from "./sdk-call.js";

/**
 * What {@link keycardPlugin} returns: an SDK plugin for `client.middlewareStack.use()`, and the
 * handles of its state. One plugin can be used on several clients; they share its decision log
 * and learn recorder.
 * @public
 */
export interface KeycardPlugin extends Pluggable<object, object> {
  /** Adds keycard's middleware to a client's (or a command's) middleware stack. */
  applyToStack<Input extends object, Output extends object>(
    stack: MiddlewareStack<Input, Output>,
  ): void;
  readonly mode: KeycardMode;
  /** Learn mode: the distinct IAM requests the calls needed so far. */
  learned(): LearnedRequest[];
  /** Learn mode: the least-privilege policy for everything learned so far. */
  learnedPolicy(options?: GeneratePolicyOptions): Promise<PolicyDocument>;
  /** The recorder learn mode writes to. */
  readonly recorder: LearnRecorder;
  /** Flushes and closes the decision log file, if the plugin opened one. */
  close(): Promise<void>;
}

/** Guards behind plugins, for {@link withKeycard} to reuse with a client's configuration. */
const guards = new WeakMap<object, KeycardGuard>();

/**
 * Creates keycard's SDK plugin: every call of a client it is applied to is mapped to the IAM
 * requests AWS would authorize and evaluated against `options.policy` after the identity and
 * endpoint are resolved and before the request is signed. Throws {@link KeycardConfigError}
 * for unusable options.
 * @example
 * ```ts
 * const policy = await loadPolicy({ iam: [appPolicy] });
 * const s3 = new S3Client({ region: "us-east-1" });
 * s3.middlewareStack.use(keycardPlugin({ policy, mode: "enforce" }));
 * ```
 * @public
 */
export function keycardPlugin(options: KeycardOptions): KeycardPlugin {
  const guard = new KeycardGuard(options);
  const plugin: KeycardPlugin = {
    mode: guard.mode,
    recorder: guard.recorder,
    applyToStack(stack) {
      stack.add(keycardSnapshotMiddleware(), keycardSnapshotOptions);
      stack.addRelativeTo(keycardMiddleware(guard), keycardMiddlewareOptions);
    },
    learned: () => guard.recorder.records(),
    learnedPolicy: (policyOptions) => guard.recorder.policy(policyOptions),
    close: () => guard.close(),
  };
  guards.set(plugin, guard);
  return plugin;
}

/** An SDK v3 client: its middleware stack and resolved configuration. @public */
export interface KeycardClient {
  readonly middlewareStack: { addRelativeTo(middleware: never, options: never): void };
  readonly config?: object;
}

/**
 * Applies keycard to a client and returns the same client. Given options, it creates a plugin;
 * given a plugin, it reuses it (and its log and recorder). Knowing the client, keycard also has
 * its configuration for the `sts:GetCallerIdentity` lookup when the call itself does not carry it.
 * @example
 * ```ts
 * const s3 = withKeycard(new S3Client({ region: "us-east-1" }), { policy });
 * ```
 * @public
 */
export function withKeycard<Client extends KeycardClient>(
  client: Client,
  optionsOrPlugin: KeycardOptions | KeycardPlugin,
): Client {
  const existing = guards.get(optionsOrPlugin);
  const guard = existing ?? guards.get(keycardPlugin(optionsOrPlugin as KeycardOptions))!;
  const stack = client.middlewareStack as unknown as MiddlewareStack<object, object>;
  stack.add(keycardSnapshotMiddleware(), keycardSnapshotOptions);
  stack.addRelativeTo(
    keycardMiddleware(guard, client.config as ClientConfigLike | undefined),
    keycardMiddlewareOptions,
  );
  return client;
}
