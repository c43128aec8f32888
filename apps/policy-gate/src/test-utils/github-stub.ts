import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A comment as the stand-in stores it. @internal */
export interface StubComment {
  id: number;
  body: string;
  html_url: string;
  /** Who wrote it; comments the stand-in creates are written by {@link GitHubStub.login}. */
  user?: { login: string };
}

/** A request the stand-in received. @internal */
export interface StubRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

/** The GitHub REST stand-in: issue comments and labels of pull requests, on loopback. @internal */
export interface GitHubStub {
  url: string;
  comments: Map<number, StubComment[]>;
  labels: Map<number, string[]>;
  requests: StubRequest[];
  /** Answer writes with 403, as GitHub does for a read-only token. */
  readOnly: boolean;
  /** The token's login. `GET /user` answers 403 when unset, as for the workflow's token. */
  userLogin: string | undefined;
  /** Answer every comment edit with 500. */
  failEdits: boolean;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Starts the stand-in on 127.0.0.1 with a free port. @internal */
export async function startGitHubStub(): Promise<GitHubStub> {
  let nextId = 1000;
  const stub: Omit<GitHubStub, "url" | "close"> = {
    comments: new Map(),
    labels: new Map(),
    requests: [],
    readOnly: false,
    userLogin: undefined,
    failEdits: false,
  };
  const author = () => stub.userLogin ?? "github-actions[bot]";
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const method = req.method ?? "GET";
      stub.requests.push({ method, path: url.pathname, authorization: req.headers.authorization });
      const list = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname);
      const one = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname);
      const labels = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/labels$/.exec(url.pathname);
      if (method !== "GET" && stub.readOnly) {
        return send(res, 403, { message: "Resource not accessible by integration" });
      }
      if (url.pathname === "/user" && method === "GET") {
        return stub.userLogin
          ? send(res, 200, { login: stub.userLogin })
          : send(res, 403, { message: "Resource not accessible by integration" });
      }
      if (list && method === "GET") return send(res, 200, stub.comments.get(Number(list[1])) ?? []);
      if (list && method === "POST") {
        const issue = Number(list[1]);
        const body = await readBody(req);
        const id = nextId++;
        const comment = {
          id,
          body: String(body.body),
          html_url: `http://127.0.0.1/pull/${issue}#issuecomment-${id}`,
          user: { login: author() },
        };
        stub.comments.set(issue, [...(stub.comments.get(issue) ?? []), comment]);
        return send(res, 201, comment);
      }
      if (one && method === "PATCH") {
        const id = Number(one[1]);
        const body = await readBody(req);
        for (const comments of stub.comments.values()) {
          const comment = comments.find((c) => c.id === id);
          if (comment) {
            if (stub.failEdits) return send(res, 500, { message: "Server Error" });
            // GitHub lets a token edit only its own comments.
            if (comment.user?.login !== author())
              return send(res, 403, { message: "Resource not accessible by integration" });
            comment.body = String(body.body);
            return send(res, 200, comment);
          }
        }
        return send(res, 404, { message: "Not Found" });
      }
      if (labels && method === "GET") {
        return send(
          res,
          200,
          (stub.labels.get(Number(labels[1])) ?? []).map((name, i) => ({ id: i + 1, name })),
        );
      }
      send(res, 404, { message: "Not Found" });
    })().catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(stub, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  });
}
