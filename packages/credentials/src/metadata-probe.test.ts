import { createServer } from "node:http";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import {
  forgetMetadataProbes,
  metadataDisabled,
  metadataEndpoint,
  probeMetadataEndpoint,
} from "./metadata-probe.js";
import { startBlackhole, startImds } from "./test-utils/servers.js";

afterEach(() => forgetMetadataProbes());

/** A loopback server answering every request with the status `status()` returns. */
async function statusServer(status: () => number, delayMs = 0) {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    setTimeout(() => res.writeHead(status()).end(status() === 200 ? "token" : ""), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, requests: () => requests };
}

describe("metadataEndpoint", () => {
  it("follows the SDK's settings", () => {
    expect(metadataEndpoint({ env: {}, profile: undefined })).toBe("http://169.254.169.254");
    expect(
      metadataEndpoint({
        env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:1/" },
        profile: undefined,
      }),
    ).toBe("http://127.0.0.1:1");
    expect(
      metadataEndpoint({
        env: {},
        profile: { ec2_metadata_service_endpoint: "http://127.0.0.1:2" },
      }),
    ).toBe("http://127.0.0.1:2");
    expect(
      metadataEndpoint({
        env: { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "IPv6" },
        profile: undefined,
      }),
    ).toBe("http://[fd00:ec2::254]");
    expect(
      metadataEndpoint({ env: {}, profile: { ec2_metadata_service_endpoint_mode: "ipv6" } }),
    ).toBe("http://[fd00:ec2::254]");
  });
});

describe("metadataDisabled", () => {
  it.each([
    [undefined, false],
    ["", false],
    ["false", false],
    ["FALSE", false],
    ["true", true],
    ["1", true],
  ])("AWS_EC2_METADATA_DISABLED=%s → %s", (value, disabled) => {
    expect(metadataDisabled(value === undefined ? {} : { AWS_EC2_METADATA_DISABLED: value })).toBe(
      disabled,
    );
  });
});

describe("probeMetadataEndpoint", () => {
  it("finds an IMDSv2 endpoint", async () => {
    const imds = await startImds({});
    onTestFinished(() => imds.close());
    expect(await probeMetadataEndpoint(imds.url, 1000)).toBe(true);
    expect(imds.requests[0]).toMatchObject({ method: "PUT", path: "/latest/api/token" });
  });

  it("gives up on a silent endpoint, and asks again next time", async () => {
    const blackhole = await startBlackhole();
    onTestFinished(() => blackhole.close());
    const started = performance.now();
    expect(await probeMetadataEndpoint(blackhole.url, 100, 300)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await probeMetadataEndpoint(blackhole.url, 100, 300)).toBe(false);
    expect(blackhole.connections()).toBe(2);
  });

  it("counts a service that answers after the connection timeout but in time as present", async () => {
    const server = await statusServer(() => 200, 250);
    expect(await probeMetadataEndpoint(server.url, 100, 1000)).toBe(true);
  });

  it.each([429, 500, 503])(
    "counts a %i answer as present: the service is there, struggling",
    async (status) => {
      const server = await statusServer(() => status);
      expect(await probeMetadataEndpoint(server.url, 1000)).toBe(true);
    },
  );

  it("does not remember an absent answer: the next probe asks again", async () => {
    let status = 404;
    const server = await statusServer(() => status);
    expect(await probeMetadataEndpoint(server.url, 1000)).toBe(false);
    status = 200;
    expect(await probeMetadataEndpoint(server.url, 1000)).toBe(true);
    expect(server.requests()).toBe(2);
  });

  it("does not remember a throttled answer, and remembers a token", async () => {
    let status = 429;
    const server = await statusServer(() => status);
    expect(await probeMetadataEndpoint(server.url, 1000)).toBe(true);
    status = 200;
    expect(await probeMetadataEndpoint(server.url, 1000)).toBe(true);
    expect(await probeMetadataEndpoint(server.url, 1000)).toBe(true);
    expect(server.requests()).toBe(2);
  });

  it("treats a refused connection or a refusal to issue tokens as no IMDSv2", async () => {
    expect(await probeMetadataEndpoint("http://127.0.0.1:9", 1000)).toBe(false);
    const server = createServer((_req, res) => res.writeHead(403).end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    expect(await probeMetadataEndpoint(`http://127.0.0.1:${port}`, 1000)).toBe(false);
  });
});
