import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";

/** Temporary role credentials, as an ECS or EKS Pod Identity agent hands them out. */
export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  accountId: string;
}

/**
 * A container-credentials endpoint on 127.0.0.1, the way ECS task roles and EKS Pod Identity
 * serve a workload its role: the SDK calls it with an authorization token and gets temporary
 * credentials back.
 */
export async function startContainerCredentialsEndpoint(
  credentials: () => Promise<RoleCredentials>,
): Promise<{ uri: string; token: string; requests: () => number; close: () => Promise<void> }> {
  const token = randomBytes(16).toString("hex");
  let served = 0;
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== token) {
      res.writeHead(401).end();
      return;
    }
    credentials().then(
      (c) => {
        served += 1;
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            AccessKeyId: c.accessKeyId,
            SecretAccessKey: c.secretAccessKey,
            Token: c.sessionToken,
            Expiration: c.expiration.toISOString(),
            AccountId: c.accountId,
          }),
        );
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    uri: `http://127.0.0.1:${port}/v1/credentials`,
    token,
    requests: () => served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
