// A callback's raw body, read with a byte counter so an oversized one is refused (413) before
// anything else looks at it: before its signature is checked, before it is parsed.
import { HttpError } from "../http-error.ts";

/** The largest callback body accepted, in bytes (256 KiB). */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

function tooLarge(max: number): HttpError {
  return new HttpError(413, `The request body is larger than ${max} bytes`, [
    { field: "(body)", message: `at most ${max} bytes` },
  ]);
}

/** The body's bytes; 413 when Content-Length says more than `max` or the stream passes `max`. */
export async function readCappedBody(
  req: Request,
  max = MAX_WEBHOOK_BODY_BYTES,
): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > max) {
    await req.body?.cancel();
    throw tooLarge(max);
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
