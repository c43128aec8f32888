import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { readTarGz } from "./tar.js";
import { makeTempDir } from "./test-utils/opa.js";

const temp = makeTempDir("keycard-tar-");
afterAll(temp.cleanup);

const text = (bytes: Uint8Array | undefined) =>
  bytes ? new TextDecoder().decode(bytes) : undefined;

describe("readTarGz", () => {
  it("reads regular files, nested and with long names, as tar writes them", async () => {
    const root = join(temp.dir, "content");
    const long = `${"d".repeat(120)}/${"f".repeat(120)}.json`;
    mkdirSync(join(root, "nested"), { recursive: true });
    mkdirSync(join(root, "d".repeat(120)), { recursive: true });
    writeFileSync(join(root, "data.json"), '{"a":1}');
    writeFileSync(join(root, "nested", "policy.wasm"), new Uint8Array(1500).fill(7));
    writeFileSync(join(root, long), "long");
    const archive = join(temp.dir, "bundle.tar.gz");
    execFileSync("tar", [
      "--format=gnu",
      "-czf",
      archive,
      "-C",
      root,
      "./data.json",
      "nested",
      long,
    ]);
    const files = await readTarGz(readFileSync(archive));
    expect(text(files.get("data.json"))).toBe('{"a":1}');
    expect(new Uint8Array(files.get("nested/policy.wasm") ?? [])).toEqual(
      new Uint8Array(1500).fill(7),
    );
    expect(text(files.get(long))).toBe("long");
    expect([...files.keys()].some((name) => name.endsWith("/"))).toBe(false);
  });

  it("reads ustar archives with a name prefix", async () => {
    const root = join(temp.dir, "ustar");
    const dir = `${"p".repeat(90)}/${"q".repeat(60)}`;
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, "file.txt"), "prefixed");
    const archive = join(temp.dir, "ustar.tar.gz");
    execFileSync("tar", ["--format=ustar", "-czf", archive, "-C", root, `${dir}/file.txt`]);
    expect(text((await readTarGz(readFileSync(archive))).get(`${dir}/file.txt`))).toBe("prefixed");
  });

  it("returns nothing for gzip data without tar headers and throws for non-gzip data", async () => {
    expect((await readTarGz(gzipSync(new Uint8Array(0)))).size).toBe(0);
    await expect(readTarGz(new TextEncoder().encode("plain"))).rejects.toThrow();
  });
});
