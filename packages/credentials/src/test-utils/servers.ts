import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";

/** A loopback HTTP server and the requests it received. */
export interface LoopbackServer {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage["headers"] }>;
  close(): Promise<void>;
}

/** Credentials a fake endpoint hands out; distinct values per server, so tests can tell them apart. */
export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

let counter = 0;

/** Fresh temporary-looking credentials that expire in an hour. */
export function fakeCredentials(prefix = "ASIA"): FakeCredentials {
  counter++;
  const id = `${Date.now()}${counter}`.padStart(16, "0").slice(-16);
  return {
    accessKeyId: `${prefix}${id}`,
    secretAccessKey: `fake-secret-${id}-${Math.random().toString(36).slice(2)}`,
    sessionToken: `fake-session-token-${id}-${Math.random().toString(36).slice(2)}`,
    expiration: new Date(Date.now() + 3600_000),
  };
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}` };
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/**
 * An IMDSv2 endpoint: `PUT /latest/api/token`, then the role name and its credentials, each
 * only with the token. With `role: undefined` it behaves like an instance without a profile.
 */
export async function startImds(options: {
  role?: string;
  credentials?: () => FakeCredentials;
}): Promise<LoopbackServer> {
  const token = `imds-token-${Math.random().toString(36).slice(2)}`;
  const requests: LoopbackServer["requests"] = [];
  const base = "/latest/meta-data/iam/security-credentials/";
  const { server, url } = await listen((req, res) => {
    const path = req.url ?? "/";
    requests.push({ method: req.method ?? "GET", path, headers: req.headers });
    if (path === "/latest/api/token" && req.method === "PUT") {
      if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"])
        return void res.writeHead(400).end();
      return void res.writeHead(200, { "content-type": "text/plain" }).end(token);
    }
    if (req.headers["x-aws-ec2-metadata-token"] !== token) return void res.writeHead(401).end();
    if (!options.role) return void res.writeHead(404).end();
    if (path === base) return void res.writeHead(200).end(options.role);
    if (path === `${base}${options.role}` && options.credentials) {
      const c = options.credentials();
      return void res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          Code: "Success",
          LastUpdated: new Date().toISOString(),
          Type: "AWS-HMAC",
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
          Token: c.sessionToken,
          Expiration: c.expiration.toISOString(),
        }),
      );
    }
    res.writeHead(404).end();
  });
  return { url, requests, close: closer(server) };
}

/** An ECS / EKS Pod Identity credentials endpoint that requires `Authorization: <token>`. */
export async function startContainerEndpoint(options: {
  authorization?: string;
  credentials: () => FakeCredentials;
}): Promise<LoopbackServer> {
  const requests: LoopbackServer["requests"] = [];
  const { server, url } = await listen((req, res) => {
    requests.push({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers });
    if (options.authorization && req.headers.authorization !== options.authorization) {
      return void res.writeHead(401).end();
    }
    const c = options.credentials();
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        AccessKeyId: c.accessKeyId,
        SecretAccessKey: c.secretAccessKey,
        Token: c.sessionToken,
        Expiration: c.expiration.toISOString(),
        AccountId: "123456789012",
      }),
    );
  });
  return { url, requests, close: closer(server) };
}

/**
 * The IAM Identity Center portal's `GetRoleCredentials` (`GET /federation/credentials`), for SSO
 * profiles; point the SDK at it with `AWS_ENDPOINT_URL_SSO`.
 */
export async function startSsoPortal(options: {
  accessToken: string;
  credentials: () => FakeCredentials;
}): Promise<LoopbackServer> {
  const requests: LoopbackServer["requests"] = [];
  const { server, url } = await listen((req, res) => {
    requests.push({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers });
    if (req.headers["x-amz-sso_bearer_token"] !== options.accessToken) {
      return void res.writeHead(401).end();
    }
    const c = options.credentials();
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        roleCredentials: {
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
          sessionToken: c.sessionToken,
          expiration: c.expiration.getTime(),
        },
      }),
    );
  });
  return { url, requests, close: closer(server) };
}

/**
 * A loopback port that accepts connections and never answers: what the metadata address looks
 * like from a machine that is not on EC2, without leaving the machine.
 */
export async function startBlackhole(): Promise<{
  url: string;
  connections(): number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
