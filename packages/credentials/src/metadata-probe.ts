import { request } from "node:http";

/**
 * Answers of earlier probes, by endpoint. The metadata service does not come and go while a
 * process runs, so one answer per process is enough; it also keeps every later chain fast.
 */
const probes = new Map<string, Promise<boolean>>();

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
 * Asks the endpoint for an IMDSv2 session token and reports whether it got one within
 * `timeoutMs`. Off EC2 the metadata address usually drops packets, and the SDK's own provider
 * waits a second per attempt (twice, with its IMDSv1 fallback) before giving up; this probe lets
 * the chain decide in a fraction of that. The credentials themselves are still fetched by the
 * SDK's `fromInstanceMetadata`.
 * @internal
 */
export function probeMetadataEndpoint(endpoint: string, timeoutMs: number): Promise<boolean> {
  const known = probes.get(endpoint);
  if (known) return known;
  const answer = new Promise<boolean>((resolve) => {
    let settled = false;
    const finish = (reachable: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(reachable);
    };
    const req = request(`${endpoint}/latest/api/token`, {
      method: "PUT",
      // The shortest lifetime IMDS accepts: the token is thrown away.
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "1" },
      agent: false,
    });
    const timer = setTimeout(() => finish(false), timeoutMs);
    req.on("response", (res) => {
      res.resume();
      finish(res.statusCode === 200);
    });
    req.on("error", () => finish(false));
    req.end();
  });
  probes.set(endpoint, answer);
  return answer;
}

/**
 * Forgets the remembered probe answers, for tests that start a new metadata server.
 * @internal
 */
export function forgetMetadataProbes(): void {
  probes.clear();
}
