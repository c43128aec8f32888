import { execFileSync } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { persistBundle, readPersistedBundle } from "./persist.js";
import { tempDir } from "./test-utils/fixtures.js";

const bundle = new Uint8Array([0x1f, 0x8b, 1, 2, 3]);

/** A persist directory as `watchPolicy` makes it: owned by this user, mode 0700. */
function persistDir(): string {
  const dir = join(tempDir(), "persist");
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

describe.skipIf(process.platform === "win32")("the persisted bundle", () => {
  it("is written and read back", async () => {
    const dir = persistDir();
    await persistBundle(dir, bundle);
    expect(await readPersistedBundle(dir, 1024)).toEqual(Buffer.from(bundle));
    expect(readdirSync(dir)).toEqual(["bundle.tar.gz"]);
    expect(lstatSync(join(dir, "bundle.tar.gz")).mode & 0o777).toBe(0o600);
  });

  it("is undefined when nothing was persisted", async () => {
    expect(await readPersistedBundle(persistDir(), 1024)).toBeUndefined();
  });

  it("refuses a FIFO instead of waiting for a writer forever", async () => {
    const dir = persistDir();
    execFileSync("mkfifo", [join(dir, "bundle.tar.gz")]);
    await expect(readPersistedBundle(dir, 1024)).rejects.toMatchObject({
      name: "FleetError",
      code: "PersistDirUnsafe",
      message: expect.stringMatching(/not a regular file/),
    });
  });

  it("refuses a symbolic link, such as one to /dev/zero, without reading it", async () => {
    const dir = persistDir();
    symlinkSync("/dev/zero", join(dir, "bundle.tar.gz"));
    await expect(readPersistedBundle(dir, 1024)).rejects.toMatchObject({
      code: "PersistDirUnsafe",
    });
  });

  it("refuses a file larger than the limit without reading it", async () => {
    const dir = persistDir();
    writeFileSync(join(dir, "bundle.tar.gz"), new Uint8Array(2048));
    await expect(readPersistedBundle(dir, 1024)).rejects.toMatchObject({
      code: "PersistDirUnsafe",
      message: expect.stringMatching(/2048 bytes/),
    });
  });

  it("never writes through a link planted at a temporary name", async () => {
    const dir = persistDir();
    const victim = join(tempDir(), "victim.json");
    writeFileSync(victim, "{}");
    // The name older releases used, and a sweep of nearby process ids.
    for (let pid = process.pid - 50; pid <= process.pid + 50; pid++)
      symlinkSync(victim, join(dir, `.bundle.tar.gz.${pid}.tmp`));
    symlinkSync(victim, join(dir, "bundle.tar.gz"));
    await persistBundle(dir, bundle);
    expect(readFileSync(victim, "utf8")).toBe("{}");
    expect(lstatSync(join(dir, "bundle.tar.gz")).isFile()).toBe(true);
    expect(await readPersistedBundle(dir, 1024)).toEqual(Buffer.from(bundle));
  });

  it("refuses a directory that others can write, before reading or writing", async () => {
    const dir = persistDir();
    await persistBundle(dir, bundle);
    chmodSync(dir, 0o770);
    await expect(readPersistedBundle(dir, 1024)).rejects.toMatchObject({
      code: "PersistDirUnsafe",
      message: expect.stringMatching(/writable by other users/),
    });
    await expect(persistBundle(dir, bundle)).rejects.toMatchObject({ code: "PersistDirUnsafe" });
    chmodSync(dir, 0o702);
    await expect(readPersistedBundle(dir, 1024)).rejects.toMatchObject({
      code: "PersistDirUnsafe",
    });
  });

  it("creates a missing directory with mode 0700", async () => {
    const dir = join(tempDir(), "a", "b");
    await persistBundle(dir, bundle);
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
  });
});
