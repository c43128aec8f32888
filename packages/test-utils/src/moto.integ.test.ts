import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MotoServer, startMoto } from "./moto.js";

describe("startMoto", () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(() => moto?.stop());

  it("serves AWS requests on loopback and counts them", async () => {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await moto.reset();
    const res = await fetch(`${moto.endpoint}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization:
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x",
      },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(res.status).toBe(200);
    expect(await moto.requestCount()).toBe(1);
  });

  it("counts requests that fail as well", async () => {
    await moto.reset();
    const res = await fetch(`${moto.endpoint}/no-such-bucket/key`, {
      headers: {
        authorization:
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x",
      },
    });
    expect(res.status).toBe(404);
    expect(await moto.requestCount()).toBe(1);
  });
});
