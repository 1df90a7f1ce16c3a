// Byte chunks read one by one (a request body, an answer's chunks, a decoded stream) joined into one
// array.

/** `parts` in order, in one array of `total` bytes (their summed length unless given). */
export function concatBytes(
  parts: readonly Uint8Array[],
  total = parts.reduce((n, part) => n + part.byteLength, 0),
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
