import { createServer, request } from "node:http";

/** One AWS API call seen by the proxy. */
export interface RecordedCall {
  action: string;
  /** The caller's access key ID, from the SigV4 `Authorization` header. */
  accessKeyId: string | undefined;
  params: Record<string, string>;
}

/** A recording proxy in front of moto; see {@link startStsProxy}. */
export interface StsProxy {
  url: string;
  calls: RecordedCall[];
  /** Calls of one action, e.g. `"AssumeRoleWithWebIdentity"`. */
  count(action: string): number;
  close(): Promise<void>;
}

function parseBody(body: string, contentType: string | undefined, target: string | undefined) {
  if (contentType?.includes("json")) {
    const params = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    const flat = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
    return { action: target?.split(".").pop() ?? "", params: flat, json: true };
  }
  const params = Object.fromEntries(new URLSearchParams(body));
  return { action: params["Action"] ?? "", params, json: false };
}

/**
 * A loopback proxy in front of moto that records every call (so tests can see which web-identity
 * token or MFA code was sent, and count refreshes), and answers `GetCallerIdentity` with a root ARN
 * for the access keys in `rootAccessKeys`: moto itself never reports a root identity.
 */
export async function startStsProxy(
  upstream: string,
  options: { rootAccessKeys?: Set<string> } = {},
): Promise<StsProxy> {
  const calls: RecordedCall[] = [];
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const auth = req.headers.authorization ?? "";
      const accessKeyId = /Credential=([^/]+)\//.exec(auth)?.[1];
      const amzTarget = req.headers["x-amz-target"];
      const { action, params, json } = parseBody(
        body.toString(),
        req.headers["content-type"],
        Array.isArray(amzTarget) ? amzTarget[0] : amzTarget,
      );
      calls.push({ action, accessKeyId, params });
      if (
        action === "GetCallerIdentity" &&
        accessKeyId &&
        options.rootAccessKeys?.has(accessKeyId)
      ) {
        const arn = "arn:aws:iam::123456789012:root";
        if (json) {
          res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
          return void res.end(
            JSON.stringify({ Arn: arn, Account: "123456789012", UserId: "123456789012" }),
          );
        }
        res.writeHead(200, { "content-type": "text/xml" });
        return void res.end(
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
            `<GetCallerIdentityResult><Arn>${arn}</Arn><UserId>123456789012</UserId>` +
            `<Account>123456789012</Account></GetCallerIdentityResult>` +
            `<ResponseMetadata><RequestId>root-stub</RequestId></ResponseMetadata>` +
            `</GetCallerIdentityResponse>`,
        );
      }
      const forward = request(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      forward.on("error", () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    count: (action) => calls.filter((call) => call.action === action).length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
