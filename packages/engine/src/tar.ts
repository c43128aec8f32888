/**
 * Reads the regular files of a gzip-compressed tar archive (an OPA bundle) into memory.
 * Bundles are small and produced by `opa build`, so a buffered reader is enough. Asynchronous
 * only to import node:zlib when a bundle is read: importing it with the engine cost start-up
 * time in every process, most of which load no bundle.
 * @internal
 */
export async function readTarGz(archive: Uint8Array): Promise<Map<string, Uint8Array>> {
  const { gunzipSync } = await import("node:zlib");
  return readTar(gunzipSync(archive));
}

/**
 * Reads the regular files of an uncompressed tar archive, for a caller that has already
 * gunzipped a bundle with its own limits and should not pay for a second gunzip.
 * @internal
 */
export function readTar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const decoder = new TextDecoder();
  const field = (start: number, length: number) => {
    const raw = tar.subarray(start, start + length);
    const end = raw.indexOf(0);
    return decoder.decode(end < 0 ? raw : raw.subarray(0, end));
  };
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const name = field(offset, 100);
    if (name === "") break;
    const size = Number.parseInt(field(offset + 124, 12).trim() || "0", 8);
    const type = field(offset + 156, 1) || "0";
    const prefix = field(offset + 345, 155);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (type === "L") {
      longName = decoder.decode(body).replace(/\0+$/, "");
    } else if (type === "0" || type === "\0") {
      const path = longName ?? (prefix ? `${prefix}/${name}` : name);
      files.set(path.replace(/^\.?\/+/, ""), body);
      longName = undefined;
    } else {
      longName = undefined;
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
