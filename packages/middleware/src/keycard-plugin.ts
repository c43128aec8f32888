import type { GeneratePolicyOptions, PolicyDocument } from "@keycard/iam-map";
import type { MiddlewareStack, Pluggable } from "@smithy/types";
import { checkedCalls, MAX_PLUGINS_PER_CLIENT } from "./checked-calls.js";
import type { KeycardMode } from "./decision.js";
import { KeycardConfigError } from "./errors.js";
import { KeycardGuard } from "./guard.js";
import {
  foreignChecks,
  keycardGateMiddleware,
  keycardGateOptions,
  keycardMiddleware,
  keycardMiddlewareOptions,
  keycardNames,
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

/** Adds one plugin's middleware to a stack, with a client's configuration when known. */
type Install = (stack: MiddlewareStack<object, object>, config?: ClientConfigLike) => void;

/** How each plugin installs itself, for {@link withKeycard} to reuse with a client's configuration. */
const installs = new WeakMap<object, Install>();

/**
 * Refuses, before anything is added, a stack where this plugin could not work beside the keycard
 * plugins already on it: every call would otherwise be refused as unchecked.
 */
function assertRoomFor(stack: MiddlewareStack<object, object>): void {
  // Every SDK stack lists its entries; a stand-in without `identify` has none to clash with.
  if (typeof stack.identify !== "function") return;
  const checks = stack
    .identify()
    .map((entry) => entry.split(" - ")[0] ?? "")
    .filter((name) => name.startsWith(`${keycardMiddlewareOptions.name}-`));
  const foreign = foreignChecks(checks);
  if (foreign.length > 0) {
    throw new KeycardConfigError(
      "IncompatiblePlugins",
      `this client already carries a keycard check (${foreign[0]}) from another copy of ` +
        "@keycard/middleware; plugins from two copies cannot recognise each other's checks, so " +
        "every call would be refused: install one copy of the package (npm dedupe) for every " +
        "plugin on a client",
    );
  }
  if (checks.length >= MAX_PLUGINS_PER_CLIENT) {
    throw new KeycardConfigError(
      "IncompatiblePlugins",
      `this client already carries ${checks.length} keycard plugins, the most one client may ` +
        "carry; load their rules into fewer policies",
    );
  }
}

/**
 * Adds the input copy, the check and the gate under this plugin's own names, once per stack.
 * The check marks the calls it passes on; the gate, just before the request handler, refuses any
 * call it did not mark.
 */
function installer(guard: KeycardGuard): Install {
  const names = keycardNames();
  const stacks = new WeakSet<object>();
  return (stack, config) => {
    if (stacks.has(stack)) return;
    assertRoomFor(stack);
    const checked = checkedCalls();
    stack.add(keycardSnapshotMiddleware(guard, config), {
      ...keycardSnapshotOptions,
      name: names.snapshot,
    });
    stack.addRelativeTo(keycardMiddleware(guard, config, checked), {
      ...keycardMiddlewareOptions,
      name: names.check,
    });
    stack.add(keycardGateMiddleware(guard, checked, config), {
      ...keycardGateOptions,
      name: names.gate,
    });
    stacks.add(stack);
  };
}

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
  const install = installer(guard);
  const plugin: KeycardPlugin = {
    mode: guard.mode,
    recorder: guard.recorder,
    applyToStack(stack) {
      install(stack as unknown as MiddlewareStack<object, object>);
    },
    learned: () => guard.recorder.records(),
    learnedPolicy: (policyOptions) => guard.recorder.policy(policyOptions),
    close: () => guard.close(),
  };
  installs.set(plugin, install);
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
  const existing = installs.get(optionsOrPlugin);
  const install = existing ?? installs.get(keycardPlugin(optionsOrPlugin as KeycardOptions))!;
  install(
    client.middlewareStack as unknown as MiddlewareStack<object, object>,
    client.config as ClientConfigLike | undefined,
  );
  // A client with `cacheMiddleware: true` keeps the handlers it resolved before keycard was
  // added, and would go on sending those commands unchecked; dropped, they are resolved anew.
  const cached = client as { handlers?: unknown };
  if (cached.handlers !== undefined) cached.handlers = undefined;
  return client;
}
