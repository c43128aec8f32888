import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, mkdir, open, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { asError, FleetError } from "./errors.js";

const FILE = "bundle.tar.gz";
// Not defined on Windows, where these attacks take other forms; 0 leaves the flag out.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * Keeps the last good bundle, exactly as downloaded (signature included), so it is verified
 * again when read back: the disk is not trusted more than the network. The write goes to a
 * new file with a random name renamed over the old one, so a crash never leaves half a bundle
 * and a link planted in the directory is never written through.
 * @internal
 */
export async function persistBundle(dir: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode applies only to a directory it creates, so an existing one is checked.
  await checkPersistDir(dir);
  const temporary = join(dir, `.${FILE}.${randomBytes(12).toString("hex")}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(
      temporary,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW,
      0o600,
    );
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    // rename replaces whatever the name held, a link included, and never follows it.
    await rename(temporary, join(dir, FILE));
  } catch (cause) {
    await handle?.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw cause;
  }
}

/**
 * The persisted bundle, or undefined when there is none. Throws {@link FleetError}
 * `PersistDirUnsafe` when the directory or the file cannot be trusted: a directory other
 * users can write or do not own, or a bundle that is a link, a FIFO, a device or too large.
 * The file is opened without following links and without blocking, checked, then read to
 * exactly its size, so nothing in the directory can make start-up hang or fill memory.
 * @internal
 */
export async function readPersistedBundle(
  dir: string,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  try {
    await checkPersistDir(dir);
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw thrown;
  }
  const path = join(dir, FILE);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new FleetError(
      "PersistDirUnsafe",
      code === "ELOOP"
        ? `${path} is a symbolic link; the persisted bundle must be a regular file`
        : `cannot open ${path}: ${asError(cause).message}`,
      { cause },
    );
  }
  try {
    const info = await handle.stat();
    if (!info.isFile())
      throw new FleetError(
        "PersistDirUnsafe",
        `${path} is not a regular file; the persisted bundle is refused`,
      );
    if (info.size > maxBytes)
      throw new FleetError(
        "PersistDirUnsafe",
        `${path} has ${info.size} bytes, more than the limit of ${maxBytes}`,
      );
    const bytes = Buffer.alloc(info.size);
    let read = 0;
    while (read < bytes.length) {
      const { bytesRead } = await handle.read(bytes, read, bytes.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return bytes.subarray(0, read);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Anyone who can write the directory can plant files in it or swap the bundle for an older
 * signed one, so it must belong to this process's user and be closed to everyone else.
 */
async function checkPersistDir(dir: string): Promise<void> {
  const info = await stat(dir);
  if (!info.isDirectory())
    throw new FleetError("PersistDirUnsafe", `persistDir ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid)
    throw new FleetError(
      "PersistDirUnsafe",
      `persistDir ${dir} belongs to user ${info.uid}, not to this process's user ${uid}`,
    );
  if (process.platform !== "win32" && (info.mode & 0o022) !== 0)
    throw new FleetError(
      "PersistDirUnsafe",
      `persistDir ${dir} is writable by other users (mode ${(info.mode & 0o777).toString(8)}); make it 0700`,
    );
}
