import { gunzipSync, gzipSync } from "node:zlib";

const BLOCK = 512;

/** Reads an octal tar header field. */
function octal(header: Buffer, offset: number, length: number): number {
  const text = header
    .subarray(offset, offset + length)
    .toString("latin1")
    .replace(/\0.*$/, "");
  return Number.parseInt(text.trim() || "0", 8);
}

/**
 * The same bundle with nothing in it that depends on when or where it was built: every tar
 * entry's modification time, owner and group are zeroed (and their checksums recomputed), and
 * the gzip header carries no time or name. `opa build` stamps the build time into each entry,
 * so two builds of one set differed; after this they are byte for byte equal.
 * @public
 */
export function reproducibleBundle(bundle: Uint8Array): Uint8Array {
  const tar = Buffer.from(gunzipSync(bundle));
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const size = octal(header, 124, 12);
    header.fill(0x30, 108, 115).fill(0, 115, 116); // uid
    header.fill(0x30, 116, 123).fill(0, 123, 124); // gid
    header.fill(0x30, 136, 147).fill(0, 147, 148); // mtime
    header.fill(0, 265, 297); // uname, gname
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return gzipSync(tar, { level: 9 });
}
