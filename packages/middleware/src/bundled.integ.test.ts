import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CreateBucketCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { type MotoServer, makeTempDir, repoRoot, startMoto } from "@keycard/test-utils";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT, credentials } from "./test-utils/fixtures.js";

/**
 * A small service as an application would write it: S3 through keycard, one call its policy
 * allows and one it does not. It prints what happened to each as one JSON line.
 */
const APP = `
import { DeleteBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { loadPolicy } from "@keycard/engine";
import { KeycardDeniedError, keycardPlugin } from "@keycard/middleware";

const policy = await loadPolicy({
  iam: [{
    name: "service.json",
    document: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::orders/*" }],
    },
  }],
});
const s3 = new S3Client({
  region: "us-east-1",
  endpoint: process.env.MOTO_ENDPOINT,
  forcePathStyle: true,
  credentials: JSON.parse(process.env.SERVICE_CREDENTIALS),
});
s3.middlewareStack.use(
  keycardPlugin({ policy, principalArn: "arn:aws:iam::${ACCOUNT}:role/service" }),
);
const outcome = async (command) => {
  try {
    await s3.send(command);
    return "sent";
  } catch (error) {
    return error instanceof KeycardDeniedError ? "refused" : String(error);
  }
};
console.log(JSON.stringify({
  allowed: await outcome(new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: "{}" })),
  denied: await outcome(new DeleteBucketCommand({ Bucket: "orders" })),
}));
`;

/** The banner esbuild's ESM output needs for the CommonJS parts of the SDK. */
const BANNER = "import{createRequire}from'module';const require=createRequire(import.meta.url);";

let moto: MotoServer;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  moto = await startMoto();
  const admin = new S3Client({
    region: "us-east-1",
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials,
  });
  await admin.send(new CreateBucketCommand({ Bucket: "orders" }));
  admin.destroy();
});

afterAll(async () => {
  for (const cleanup of cleanups) cleanup();
  await moto?.stop();
});

/** Whether `dir` or any folder above it holds a `node_modules`. */
function nodeModulesAbove(dir: string): boolean {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, "node_modules"))) return true;
    if (dirname(at) === at) return false;
  }
}

describe("an application bundled with esbuild", () => {
  test("runs with no node_modules beside it: an allowed call is sent, a denied one refused", async () => {
    // Built as an application's project would be: app.mjs with its dependencies installed, and
    // esbuild's plain command line. keycard's packages are taken from their sources, as every
    // test here resolves them, so the bundle never holds a stale build; a published package's
    // dist is the same modules compiled.
    const project = makeTempDir("keycard-bundle-");
    cleanups.push(project.cleanup);
    writeFileSync(join(project.dir, "app.mjs"), APP);
    symlinkSync(join(repoRoot, "node_modules"), join(project.dir, "node_modules"), "dir");
    execFileSync(
      join(repoRoot, "node_modules", ".bin", "esbuild"),
      [
        "app.mjs",
        "--bundle",
        "--platform=node",
        "--format=esm",
        "--outdir=out",
        `--banner:js=${BANNER}`,
        "--conditions=@keycard/source",
        "--log-level=error",
      ],
      { cwd: project.dir, stdio: "pipe" },
    );

    // Shipped on its own, as to Lambda: only what esbuild wrote.
    const shipped = makeTempDir("keycard-bundled-");
    cleanups.push(shipped.cleanup);
    cpSync(join(project.dir, "out"), shipped.dir, { recursive: true });
    expect(readdirSync(shipped.dir)).toContain("app.js");
    expect(nodeModulesAbove(shipped.dir)).toBe(false);

    const before = await moto.requestCount();
    const output = execFileSync(process.execPath, ["app.js"], {
      cwd: shipped.dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env["PATH"] ?? "",
        MOTO_ENDPOINT: moto.endpoint,
        SERVICE_CREDENTIALS: JSON.stringify(credentials),
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    expect(JSON.parse(output.trim().split("\n").pop()!)).toEqual({
      allowed: "sent",
      denied: "refused",
    });
    // Only the allowed call reached the emulator, and the bucket is still there.
    expect((await moto.requestCount()) - before).toBe(1);
    const admin = new S3Client({
      region: "us-east-1",
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials,
    });
    await expect(admin.send(new HeadBucketCommand({ Bucket: "orders" }))).resolves.toBeDefined();
    admin.destroy();
  });
});
