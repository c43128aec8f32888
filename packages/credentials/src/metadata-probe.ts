import { request } from "node:http";

/**
 * Endpoints that answered a probe with a token. A metadata service that exists does not go away
 * while a process runs, so a positive answer is kept; nothing else is, so that one refused,
 * throttled or lost probe never decides for the rest of the process.
 */
const present = new Set<string>();

/** The settings that choose the instance metadata endpoint, as the SDK reads them. */
export interface MetadataEndpointSettings {
  env: NodeJS.ProcessEnv;
  /** The active profile of the shared config file, if any. */
  profile: Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * The instance metadata endpoint the SDK would use: `AWS_EC2_METADATA_SERVICE_ENDPOINT`, the
 * profile's `ec2_metadata_service_endpoint`, then the IPv4 or IPv6 address chosen by the
 * endpoint mode.
 * @internal
 */
export function metadataEndpoint({ env, profile }: MetadataEndpointSettings): string {
  const explicit =
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? profile?.["ec2_metadata_service_endpoint"];
  if (explicit) return explicit.replace(/\/+$/, "");
  const mode =
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"] ??
    profile?.["ec2_metadata_service_endpoint_mode"];
  return mode?.toLowerCase() === "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254";
}

/**
 * Whether `AWS_EC2_METADATA_DISABLED` turns instance metadata off (any value but `false`, as in
 * the SDK).
 * @internal
 */
export function metadataDisabled(env: NodeJS.ProcessEnv): boolean {
  const value = env["AWS_EC2_METADATA_DISABLED"];
  return value !== undefined && value !== "" && value.toLowerCase() !== "false";
}

/**
 * Asks the endpoint for an IMDSv2 session token and reports whether a metadata service is there.
 * Off EC2 the metadata address usually drops packets, and the SDK's own provider waits a second
 * per attempt (twice, with its IMDSv1 fallback) before giving up; this probe lets the chain decide
 * in a fraction of that. The credentials themselves are still fetched by the SDK's
 * `fromInstanceMetadata`.
 *
 * The service counts as present when it answers with a token, and when it answers 429 or 5xx (it
 * is there but throttled or struggling). It counts as absent when nothing accepts the connection
 * within `timeoutMs`, when the connection is refused, on any other answer, and when an accepted
 * connection brings no answer within `answerTimeoutMs`: a slow service that answers within that
 * time is present. Only presence is remembered; after any other answer the next chain probes again.
 * @internal
 */
export function probeMetadataEndpoint(
  endpoint: string,
  timeoutMs: number,
  answerTimeoutMs = 1000,
): Promise<boolean> {
  if (present.has(endpoint)) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    let settled = false;
    let connected = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (reachable: boolean, remember = false) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      req.destroy();
      if (remember) present.add(endpoint);
      resolve(reachable);
    };
    const req = request(`${endpoint}/latest/api/token`, {
      method: "PUT",
      // The shortest lifetime IMDS accepts: the token is thrown away.
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "1" },
      agent: false,
    });
    // Nothing accepted the connection in time: the address drops packets, no service is there.
    timers.push(setTimeout(() => connected || finish(false), timeoutMs));
    timers.push(setTimeout(() => finish(false), Math.max(timeoutMs, answerTimeoutMs)));
    req.on("socket", (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once("connect", () => (connected = true));
    });
    req.on("response", (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status === 200) finish(true, true);
      else finish(status === 429 || status >= 500);
    });
    req.on("error", () => finish(false));
    req.end();
  });
}

/**
 * Forgets the remembered probe answers, for tests that start a new metadata server.
 * @internal
 */
export function forgetMetadataProbes(): void {
  present.clear();
}
