import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { loadPolicy } from "@keycard/engine";
import { type MotoServer, startMoto } from "@keycard/test-utils";
import type { HttpRequest, HttpResponse } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { KeycardDecision } from "./decision.js";
import { KeycardDeniedError } from "./errors.js";
import { keycardPlugin } from "./keycard-plugin.js";
import { ACCOUNT, isGetCallerIdentity, memoryLogger } from "./test-utils/fixtures.js";
import { appClients, motoCredentials, seedApp } from "./test-utils/moto-app.js";

let moto: MotoServer;

beforeAll(async () => {
  moto = await startMoto();
  await seedApp(moto);
});

afterAll(async () => {
  await moto?.stop();
});

/**
 * moto's own HTTP handler, except that `sts:GetCallerIdentity` fails while `stsDown` is set:
 * a flaky STS in front of working services. keycard's lookup borrows the client's handler.
 */
function flakyStsHandler() {
  // The SDK's default Node handler, taken from a client that is never used.
  const real = new S3Client({ region: "us-east-1" }).config.requestHandler as unknown as {
    metadata?: unknown;
    updateHttpClientConfig(key: never, value: never): void;
    httpHandlerConfigs(): object;
    destroy?(): void;
    handle(request: HttpRequest, options?: object): Promise<{ response: HttpResponse }>;
  };
  const state = { stsDown: true, stsCalls: 0 };
  const handler = {
    metadata: real.metadata,
    updateHttpClientConfig: real.updateHttpClientConfig.bind(real),
    httpHandlerConfigs: real.httpHandlerConfigs.bind(real),
    destroy: () => real.destroy?.(),
    handle(request: HttpRequest, options?: { abortSignal?: AbortSignal }) {
      if (isGetCallerIdentity(request)) {
        state.stsCalls++;
        if (state.stsDown) return Promise.reject(new Error("connect ECONNREFUSED sts"));
      }
      return real.handle(request, options);
    },
  };
  return { handler, state };
}

describe("caller resolution against moto", () => {
  test("a failing STS: rules on the caller refuse with a clear reason, the failure is retried and logged once", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          name: "caller.json",
          document: {
            Version: "2012-10-17",
            Statement: [
              // Any bucket object, but only for callers of this account, checked by ARN.
              {
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject"],
                Resource: "arn:aws:s3:::orders/*",
                Condition: { ArnLike: { "aws:PrincipalArn": `arn:aws:*::${ACCOUNT}:*` } },
              },
            ],
          },
        },
      ],
    });
    const { handler, state } = flakyStsHandler();
    const logger = memoryLogger();
    const decisions: KeycardDecision[] = [];
    const s3 = new S3Client({
      region: "us-east-1",
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: motoCredentials,
      maxAttempts: 1,
      requestHandler: handler,
    });
    s3.middlewareStack.use(
      keycardPlugin({
        policy,
        accountId: ACCOUNT,
        logger,
        onDecision: (d) => void decisions.push(d),
      }),
    );
    const put = () =>
      s3.send(new PutObjectCommand({ Bucket: "orders", Key: "who.json", Body: "{}" }));

    const refused = await put().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(KeycardDeniedError);
    expect((refused as KeycardDeniedError).decision.reason).toMatch(
      /^the caller could not be resolved: sts:GetCallerIdentity failed \(.*ECONNREFUSED/,
    );
    expect((refused as KeycardDeniedError).decision.principal).toEqual({ accountId: ACCOUNT });
    // Within the backoff, STS is not asked again and nothing new is logged.
    const calls = state.stsCalls;
    await put().catch(() => undefined);
    expect(state.stsCalls).toBe(calls);
    expect(logger.warnings.filter((w) => w.includes("could not be resolved"))).toHaveLength(1);

    // STS recovers; after the backoff the caller is resolved and the call is sent.
    state.stsDown = false;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await put();
    expect(state.stsCalls).toBe(calls + 1);
    expect(decisions.at(-1)!.allow).toBe(true);
    expect(decisions.at(-1)!.principal.arn).toMatch(new RegExp(`^arn:aws:[a-z]+::${ACCOUNT}:`));
    const read = await appClients(moto).s3.send(
      new GetObjectCommand({ Bucket: "orders", Key: "who.json" }),
    );
    expect(await read.Body!.transformToString()).toBe("{}");
    expect(logger.errors).toEqual([]);
  });
});
