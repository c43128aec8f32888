import type { HandlerExecutionContext, SMITHY_CONTEXT_KEY } from "@smithy/types";

/**
 * Where the SDK keeps the selected auth scheme in the middleware context. Spelled out, and
 * checked against `@smithy/types` at compile time, so nothing is loaded from that types-only
 * package at run time.
 * @internal
 */
export const SMITHY_CONTEXT: typeof SMITHY_CONTEXT_KEY = "__smithy_context";

/**
 * The parts of a client's resolved configuration keycard reads, duck-typed so every generated
 * client fits: the region, a custom endpoint and the request handler, reused for the one
 * `sts:GetCallerIdentity` call per credential set.
 * @internal
 */
export interface ClientConfigLike {
  region?: unknown;
  endpoint?: unknown;
  isCustomEndpoint?: unknown;
  requestHandler?: unknown;
}

/** What keycard needs to know about one SDK call, read from the middleware context. @internal */
export interface SdkCall {
  /** `S3Client`, or the SDK service id when the context has no client name. */
  client: string;
  /** `PutObject` (the command name without `Command`). */
  operation: string;
  /** The region AWS authorizes the call in: the signing region, else the client's region. */
  region: string | undefined;
  /** The identity the call will be signed with (credentials for SigV4 clients). */
  identity: Readonly<Record<string, unknown>> | undefined;
  /** False when the endpoint is plain HTTP (`aws:SecureTransport`). */
  secureTransport: boolean;
  config: ClientConfigLike | undefined;
  /** The member names the operation's input defines, from the SDK's operation schema. */
  inputMembers?: readonly string[];
}

function asString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The client configuration the call runs with: the one its signing properties carry (AWS
 * clients), else `fallback`.
 * @internal
 */
export function clientConfigOf(
  context: HandlerExecutionContext,
  fallback?: ClientConfigLike,
): ClientConfigLike | undefined {
  const smithy = asRecord(context[SMITHY_CONTEXT]);
  const scheme = asRecord(smithy?.["selectedHttpAuthScheme"]);
  const signing = asRecord(asRecord(scheme?.["httpAuthOption"])?.["signingProperties"]);
  return (asRecord(signing?.["config"]) as ClientConfigLike | undefined) ?? fallback;
}

/**
 * Reads the call from the context the SDK has filled by the finalizeRequest step: client and
 * command names, the selected auth scheme (its identity and signing properties, which for AWS
 * clients also hold the client configuration) and the resolved endpoint.
 * @internal
 */
export function readSdkCall(
  context: HandlerExecutionContext,
  fallback?: ClientConfigLike,
): SdkCall {
  const smithy = asRecord(context[SMITHY_CONTEXT]);
  const scheme = asRecord(smithy?.["selectedHttpAuthScheme"]);
  const signing = asRecord(asRecord(scheme?.["httpAuthOption"])?.["signingProperties"]);
  const config = (asRecord(signing?.["config"]) as ClientConfigLike | undefined) ?? fallback;
  const commandName = asString(context.commandName) ?? asString(smithy?.["operation"]) ?? "";
  const region =
    asString(context["signing_region"]) ??
    asString(signing?.["signing_region"]) ??
    asString(signing?.["signingRegion"]) ??
    asString(signing?.["region"]);
  const url = asRecord(context.endpointV2)?.["url"] as { protocol?: unknown } | undefined;
  return {
    client: asString(context.clientName) ?? asString(smithy?.["service"]) ?? "",
    operation:
      commandName.endsWith("Command") && commandName.length > 7
        ? commandName.slice(0, -7)
        : commandName,
    region,
    identity: asRecord(scheme?.["identity"]),
    secureTransport: url?.protocol !== "http:",
    config,
  };
}

/** The client's configured region, when the call itself did not say. @internal */
export async function configuredRegion(
  config: ClientConfigLike | undefined,
): Promise<string | undefined> {
  const region = config?.region;
  if (typeof region === "string") return asString(region);
  if (typeof region === "function") return asString(await (region as () => unknown)());
  return undefined;
}
