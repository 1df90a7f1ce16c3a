// A callback's raw body, read with a byte counter so an oversized one is refused (413) before
// anything else looks at it: before its signature is checked, before it is parsed; and, for the
// kinds that post JSON, that body parsed.
import { readBody } from "../endpoint.ts";
import { HttpError } from "../http-error.ts";

/** The largest callback body accepted, in bytes (256 KiB). */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/** The body's bytes; 413 when Content-Length says more than `max` or the stream passes `max`. */
export function readCappedBody(req: Request, max = MAX_WEBHOOK_BODY_BYTES): Promise<Uint8Array> {
  return readBody(req, max);
}

/** The signed body as JSON (checked after its signature); 400 when it is not JSON. */
export function parseJsonBody(raw: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
  } catch {
    throw new HttpError(400, "body is not JSON", [{ field: "(body)", message: "not valid JSON" }]);
  }
}
