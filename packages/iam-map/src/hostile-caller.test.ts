// Code elsewhere in the process calls iam-map itself, with inputs and prototype changes of its
// own, to change how iam-map maps the application's later calls. Each later call, made with plain
// data and clean prototypes, must map as it does in a module instance that never saw such code.
import { afterEach, describe, expect, it, vi } from "vitest";

type Mod = typeof import("./index.js");

async function freshModule(): Promise<Mod> {
  vi.resetModules();
  return (await import("./index.js")) as Mod;
}

const NOW = new Date(Date.UTC(2026, 5, 1, 12, 0, 0));
const APP_ARN = "arn:aws:sts::111122223333:assumed-role/app/i-0abc";

/** An input record as the middleware hands it over: frozen-prototype record, plain data. */
function record(mod: Mod, members: Record<string, unknown>): object {
  const r = Object.create(mod.RECORD_PROTOTYPE) as Record<string, unknown>;
  for (const [k, v] of Object.entries(members)) r[k] = v;
  return r;
}

/** The innocent call, as the middleware makes it. */
function innocentArgs(mod: Mod, principal: object) {
  return {
    now: NOW,
    service: "S3Client",
    operation: "DeleteObjectCommand",
    input: record(mod, { Bucket: "secret", Key: "payroll.csv" }),
    principal,
    secureTransport: true,
    region: "us-east-1",
    accountId: "111122223333",
  };
}

/** String.prototype[Symbol.split] hook that splits normally but lets `tamper` change the result. */
function splitHook(tamper: (sep: string, text: string, parts: string[]) => string[]) {
  return function (this: unknown, text: string, limit?: number): string[] {
    const sep = String(this);
    const parts: string[] = [];
    let at = 0;
    const add = (p: string) =>
      Reflect.defineProperty(parts, parts.length, {
        value: p,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    if (sep === "") {
      for (const ch of text) add(ch);
    } else {
      for (;;) {
        const i = text.indexOf(sep, at);
        if (i < 0) break;
        add(text.slice(at, i));
        at = i + sep.length;
      }
      add(text.slice(at));
    }
    const out = tamper(sep, text, parts);
    return limit === undefined ? out : out.slice(0, limit);
  };
}

afterEach(() => {
  delete (String.prototype as unknown as Record<symbol, unknown>)[Symbol.split];
});

describe("the global context kept for the second", () => {
  it("is built from the principal as read for the fields it is kept under, once", async () => {
    const fresh = await freshModule();
    await fresh.preloadServices(["S3Client"]);
    const appPrincipal = Object.freeze({
      arn: APP_ARN,
      accountId: "111122223333",
      type: "AssumedRole",
      credentialSource: "static",
    });
    const expected = fresh.authorizationForSync(innocentArgs(fresh, appPrincipal));

    const mod = await freshModule();
    await mod.preloadServices(["S3Client"]);
    // Its own call, with a principal whose getter answers one way and then another.
    let reads = 0;
    const evil = {
      arn: "arn:aws:sts::111122223333:assumed-role/admin/x",
      accountId: "111122223333",
      type: "AssumedRole",
      credentialSource: "instance-metadata",
      mfa: true,
      tags: { team: "admins" },
    };
    mod.authorizationForSync({
      now: NOW,
      service: "S3Client",
      operation: "GetObjectCommand",
      input: { Bucket: "x", Key: "y" },
      region: "us-east-1",
      secureTransport: true,
      get principal() {
        reads++;
        return reads === 1 ? appPrincipal : evil;
      },
    } as never);
    expect(prototypeClean(mod)).toBe(true);

    const got = mod.authorizationForSync(innocentArgs(mod, appPrincipal));
    expect(expected.requests[0]!.context!["aws:PrincipalArn"]).toBe(APP_ARN);
    expect(expected.requests[0]!.context!["keycard:CredentialSource"]).toBe("static");
    expect(got.requests).toEqual(expected.requests);
  });
});

function prototypeClean(mod: Mod): boolean {
  return mod.prototypePollution() === undefined;
}

describe("caches filled while a Symbol.split method is added to String.prototype", () => {
  it("keep no account read from a principal ARN by it", async () => {
    const principal = Object.freeze({ arn: APP_ARN, credentialSource: "instance-metadata" });
    const fresh = await freshModule();
    await fresh.preloadServices(["S3Client"]);
    const expected = fresh.authorizationForSync(innocentArgs(fresh, principal));

    const mod = await freshModule();
    await mod.preloadServices(["S3Client"]);
    // The application's ARN is already known: 1,000 other callers push it out.
    mod.authorizationForSync(innocentArgs(mod, principal));
    for (let i = 0; i < 1000; i++)
      mod.authorizationForSync({
        service: "S3Client",
        operation: "GetObjectCommand",
        input: { Bucket: "x", Key: "y" },
        principal: { arn: `arn:aws:iam::000000000000:user/u${i}` },
      });
    (String.prototype as unknown as Record<symbol, unknown>)[Symbol.split] = splitHook(
      (sep, text, parts) => {
        if (sep === ":" && text === APP_ARN) parts[4] = "999999999999";
        return parts;
      },
    );
    // Another second, so that the global context itself is made afresh later.
    mod.authorizationForSync({
      now: new Date(NOW.getTime() - 5000),
      service: "S3Client",
      operation: "GetObjectCommand",
      input: { Bucket: "x", Key: "y" },
      region: "us-east-1",
      principal: { arn: APP_ARN },
    });
    delete (String.prototype as unknown as Record<symbol, unknown>)[Symbol.split];
    expect(prototypeClean(mod)).toBe(true);

    const got = mod.authorizationForSync(innocentArgs(mod, principal));
    expect(expected.requests[0]!.context!["aws:PrincipalAccount"]).toBe("111122223333");
    expect(got.requests[0]!.context!["aws:PrincipalAccount"]).toBe("111122223333");
  });

  it("keep no finished resource split by it: an unknown IAM path stays of any length", async () => {
    const args = (mod: Mod) => ({
      now: NOW,
      service: "IAMClient",
      operation: "DeleteUserCommand",
      input: record(mod, { UserName: "admin" }),
      region: "us-east-1",
      accountId: "111122223333",
      principal: Object.freeze({ arn: APP_ARN, accountId: "111122223333" }),
    });
    const fresh = await freshModule();
    await fresh.preloadServices(["IAMClient"]);
    const expected = fresh.authorizationForSync(args(fresh));

    const mod = await freshModule();
    await mod.preloadServices(["IAMClient"]);
    // Already kept from an earlier call: 1,000 other users push it out.
    expect(mod.authorizationForSync(args(mod)).requests[0]!.resourceParts).toEqual(
      expected.requests[0]!.resourceParts,
    );
    for (let i = 0; i < 1000; i++)
      mod.authorizationForSync({
        service: "IAMClient",
        operation: "GetUserCommand",
        input: { UserName: `u${i}` },
        region: "us-east-1",
        accountId: "111122223333",
      });
    (String.prototype as unknown as Record<symbol, unknown>)[Symbol.split] = splitHook(
      (sep, _text, parts) => (sep === "\uE002" && parts.length === 1 ? [parts[0]!, "1"] : parts),
    );
    mod.authorizationForSync({
      service: "IAMClient",
      operation: "GetUserCommand",
      input: { UserName: "admin" },
      region: "us-east-1",
      accountId: "111122223333",
    });
    delete (String.prototype as unknown as Record<symbol, unknown>)[Symbol.split];
    expect(prototypeClean(mod)).toBe(true);

    const got = mod.authorizationForSync(args(mod));
    expect(expected.requests[0]!.resourceParts).toEqual([
      "arn:aws:iam::111122223333:user/",
      { unknown: "IAM user path" },
      "admin",
    ]);
    expect(got.requests[0]!.resourceParts).toEqual(expected.requests[0]!.resourceParts);
  });
});

describe("a call whose input throws what cannot be read as text", () => {
  it("is not mapped, and neither mapping function throws or rejects", async () => {
    const mod = await freshModule();
    await mod.preloadServices(["S3Client"]);
    const bomb = {
      toString() {
        throw new Error("boom");
      },
    };
    const throwing = () =>
      ({
        service: "S3Client",
        get operation(): string {
          throw bomb;
        },
      }) as never;
    expect(mod.authorizationForSync(throwing())).toMatchObject({
      known: false,
      reason: "mapping failed: a value that is not an error",
    });
    await expect(mod.authorizationFor(throwing())).resolves.toMatchObject({ known: false });
  });
});
