import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

const FILE = "bundle.tar.gz";

/**
 * Keeps the last good bundle, exactly as downloaded (signature included), so it is verified
 * again when read back: the disk is not trusted more than the network. The write goes to a
 * temporary file renamed over the old one, so a crash never leaves half a bundle.
 * @internal
 */
export async function persistBundle(dir: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `.${FILE}.${process.pid}.tmp`);
  await writeFile(temporary, bytes, { mode: 0o600 });
  await rename(temporary, join(dir, FILE));
}

/** The persisted bundle, or undefined when there is none. @internal */
export async function readPersistedBundle(
  dir: string,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  try {
    const bytes = await readFile(join(dir, FILE));
    return bytes.byteLength <= maxBytes ? bytes : undefined;
  } catch {
    return undefined;
  }
}
