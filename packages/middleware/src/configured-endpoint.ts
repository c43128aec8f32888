import { ownMember } from "./object-prototype.js";
import type { ClientConfigLike } from "./sdk-call.js";

/**
 * `http://127.0.0.1:5000/` from the endpoint a client was configured with (its `endpoint`
 * option, which the SDK keeps as a provider of a URL string, a `URL` or an endpoint object), or
 * undefined when the client has none or it cannot be read. The endpoint object's members are
 * read as its own: it is an ordinary object.
 * @internal
 */
export async function configuredEndpointUrl(config: ClientConfigLike): Promise<string | undefined> {
  const endpoint = ownMember(config, "endpoint");
  const value = typeof endpoint === "function" ? await (endpoint as () => unknown)() : endpoint;
  if (typeof value === "string") return value;
  if (value instanceof URL) return value.href;
  if (typeof value !== "object" || value === null) return undefined;
  const hostname = ownMember(value, "hostname");
  const scheme = ownMember(value, "protocol");
  if (typeof hostname !== "string" || typeof scheme !== "string") return undefined;
  const protocol = scheme.endsWith(":") ? scheme : `${scheme}:`;
  const portValue = ownMember(value, "port");
  const port =
    portValue === undefined || portValue === null || portValue === ""
      ? ""
      : `:${String(portValue)}`;
  const pathValue = ownMember(value, "path");
  const path = typeof pathValue === "string" ? pathValue : "/";
  return `${protocol}//${hostname}${port}${path}`;
}

/** What is known of each client configuration's own endpoint, by configuration. */
const configured = new WeakMap<object, URL | Promise<URL | "unreadable">>();

/** How long a call waits for a client's configured endpoint before it is refused. */
const READ_TIMEOUT_MS = 5_000;

/**
 * The endpoint a client was configured with, as a URL; undefined for a client without one (the
 * SDK resolves AWS's endpoint); `"unreadable"` when it cannot be read; a promise of either the
 * first time it is asked for (the SDK keeps it behind an asynchronous provider). A URL read is
 * kept for the configuration's life; a failed or timed-out read is not, so the next call reads
 * it again. The request check compares the host and path the SDK resolved with it: the SDK
 * resolves endpoints through plain objects and keeps them per process, so the resolved endpoint
 * alone is no reference.
 * @internal
 */
export function configuredEndpoint(
  config: ClientConfigLike | undefined,
): URL | Promise<URL | "unreadable"> | undefined {
  if (config === undefined || ownMember(config, "isCustomEndpoint") !== true) return undefined;
  const known = configured.get(config);
  if (known !== undefined) return known;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, READ_TIMEOUT_MS, undefined);
    timer.unref?.();
  });
  const pending = Promise.race([configuredEndpointUrl(config), timeout]).then(
    (url): URL | "unreadable" => {
      clearTimeout(timer);
      if (url === undefined || !URL.canParse(url)) {
        configured.delete(config);
        return "unreadable";
      }
      const read = new URL(url);
      configured.set(config, read);
      return read;
    },
    (): "unreadable" => {
      clearTimeout(timer);
      configured.delete(config);
      return "unreadable";
    },
  );
  configured.set(config, pending);
  return pending;
}
