/**
 * True for request bodies that are streams (Node readables, web streams, Blobs): they cannot
 * be read without consuming them, so keycard never serialises them.
 * @internal
 */
export function isStreamLike(value: object): boolean {
  const v = value as {
    pipe?: unknown;
    getReader?: unknown;
    stream?: unknown;
    arrayBuffer?: unknown;
  };
  return (
    typeof v.pipe === "function" ||
    typeof v.getReader === "function" ||
    (typeof v.stream === "function" && typeof v.arrayBuffer === "function")
  );
}
