import { promisify } from "node:util";
import { gunzip, gunzipSync, gzipSync } from "node:zlib";
import { readTar } from "@keycard/engine";
import { asError, FleetError } from "./errors.js";

/**
 * Default limits on a bundle: what is downloaded and what it may expand to. The unpacked
 * limit is what a download may cost in memory before its signature can be checked, so it is
 * kept a few times above the largest bundles keycard builds rather than at the download limit.
 * @public
 */
export const DEFAULT_LIMITS = { maxBytes: 32 * 1024 * 1024, maxUnpackedBytes: 64 * 1024 * 1024 };

/** Size limits for reading a bundle. @public */
export interface BundleLimits {
  /** Largest compressed bundle accepted, in bytes. Defaults to 32 MiB. */
  maxBytes?: number;
  /** Largest uncompressed tar accepted, in bytes (a gzip bomb stops here). Defaults to 64 MiB. */
  maxUnpackedBytes?: number;
}

const gunzipAsync = promisify(gunzip);

/**
 * Reads a bundle's files with every size bounded and every path checked. The bundle is
 * gunzipped once, bounded, and the engine's reader parses that tar, so what is verified is
 * exactly what `loadPolicy` later loads.
 * @internal
 */
export function readBundleFiles(
  bundle: Uint8Array,
  limits: BundleLimits = {},
): Map<string, Uint8Array> {
  const maxUnpacked = checkSize(bundle, limits);
  let tar: Buffer;
  try {
    tar = gunzipSync(bundle, { maxOutputLength: maxUnpacked });
  } catch (cause) {
    throw gunzipError(cause, maxUnpacked);
  }
  return filesOf(tar);
}

/**
 * {@link readBundleFiles} with the gunzip on libuv's thread pool, so a large or hostile
 * download does not stall the application's calls while it expands.
 * @internal
 */
export async function readBundleFilesAsync(
  bundle: Uint8Array,
  limits: BundleLimits = {},
): Promise<Map<string, Uint8Array>> {
  const maxUnpacked = checkSize(bundle, limits);
  let tar: Buffer;
  try {
    tar = await gunzipAsync(bundle, { maxOutputLength: maxUnpacked });
  } catch (cause) {
    throw gunzipError(cause, maxUnpacked);
  }
  return filesOf(tar);
}

/** Refuses an oversized download; returns the unpacked limit. */
function checkSize(bundle: Uint8Array, limits: BundleLimits): number {
  const maxBytes = limits.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  if (bundle.byteLength > maxBytes) {
    throw new FleetError(
      "InvalidBundle",
      `the bundle has ${bundle.byteLength} bytes, more than the limit of ${maxBytes}`,
    );
  }
  return limits.maxUnpackedBytes ?? DEFAULT_LIMITS.maxUnpackedBytes;
}

function gunzipError(cause: unknown, maxUnpacked: number): FleetError {
  const error = asError(cause);
  const tooBig =
    (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError;
  return new FleetError(
    "InvalidBundle",
    tooBig
      ? `the bundle expands to more than ${maxUnpacked} bytes`
      : `the bundle is not valid gzip (${error.message})`,
    { cause },
  );
}

function filesOf(tar: Buffer): Map<string, Uint8Array> {
  checkTarEntries(tar);
  const files = readTar(tar);
  for (const path of files.keys()) checkPath(path);
  return files;
}

/** Entry names must be plain relative paths; a name is never trusted to stay inside a folder. */
function checkPath(path: string): void {
  if (
    path === "" ||
    path.includes("\\") ||
    path.includes("\0") ||
    path.split("/").some((part) => part === ".." || part === ".")
  ) {
    throw new FleetError(
      "InvalidBundle",
      `the bundle has an entry with an unsafe path: ${JSON.stringify(path)}`,
    );
  }
}

/**
 * Walks the tar headers before the engine's reader does: a truncated archive, an entry whose
 * size runs past the end, or the same path twice (the second could hide behind the first)
 * is refused.
 */
function checkTarEntries(tar: Buffer): void {
  const seen = new Set<string>();
  let offset = 0;
  let ended = false;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) {
      ended = true;
      break;
    }
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
    const stored = Number.parseInt(field(header, 148, 8).trim() || "NaN", 8);
    if (stored !== sum)
      throw new FleetError(
        "InvalidBundle",
        "the bundle is not a valid tar archive (bad header checksum)",
      );
    const size = Number.parseInt(field(header, 124, 12).trim() || "0", 8);
    if (!Number.isFinite(size) || size < 0 || offset + 512 + size > tar.length) {
      throw new FleetError(
        "InvalidBundle",
        "the bundle is truncated: an entry runs past the end of the archive",
      );
    }
    const type = field(header, 156, 1) || "0";
    const name = field(header, 0, 100);
    const prefix = field(header, 345, 155);
    if (type === "L")
      longName = tar
        .subarray(offset + 512, offset + 512 + size)
        .toString("utf8")
        .replace(/\0+$/, "");
    else {
      if (type === "0") {
        const path = (longName ?? (prefix ? `${prefix}/${name}` : name)).replace(/^\.?\/+/, "");
        if (seen.has(path))
          throw new FleetError("InvalidBundle", `the bundle holds ${JSON.stringify(path)} twice`);
        seen.add(path);
      }
      longName = undefined;
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  if (!ended)
    throw new FleetError(
      "InvalidBundle",
      "the bundle is truncated: the tar archive has no end marker",
    );
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString("utf8");
}

/**
 * Writes files as a gzip-compressed ustar archive the way `opa build` names them (a leading
 * `/`), with zero times and owners so the same files always give the same bytes.
 * @internal
 */
export function writeBundleFiles(files: ReadonlyArray<readonly [string, Uint8Array]>): Uint8Array {
  const blocks: Buffer[] = [];
  for (const [path, body] of files) {
    const name = `/${path}`;
    const nameBytes = Buffer.from(name, "utf8");
    if (nameBytes.length > 100) {
      blocks.push(header("././@LongLink", nameBytes.length + 1, "L"));
      blocks.push(pad(Buffer.concat([nameBytes, Buffer.alloc(1)])));
    }
    blocks.push(
      header(
        nameBytes.length > 100 ? nameBytes.subarray(0, 100).toString("latin1") : name,
        body.byteLength,
        "0",
      ),
    );
    blocks.push(pad(Buffer.from(body)));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}

function pad(body: Buffer): Buffer {
  const rest = body.length % 512;
  return rest === 0 ? body : Buffer.concat([body, Buffer.alloc(512 - rest)]);
}

function header(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  h.write("0000600\0", 100, "latin1");
  h.write("0000000\0", 108, "latin1");
  h.write("0000000\0", 116, "latin1");
  h.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "latin1");
  h.write("00000000000\0", 136, "latin1");
  h.fill(0x20, 148, 156);
  h.write(type, 156, "latin1");
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return h;
}
