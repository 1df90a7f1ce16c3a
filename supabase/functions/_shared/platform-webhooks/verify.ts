// Signature and token checks, constant-time.
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import { HttpError } from "../http-error.ts";

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function tokensEqual(given: string | null, expected: string): boolean {
  if (given === null) return false;
  return equalBytes(Buffer.from(given, "utf8"), Buffer.from(expected, "utf8"));
}

/**
 * Refuses a body whose `sha256=<hex>` signature is missing (401) or is not the HMAC-SHA256 of the raw
 * body under `secret` (403). A platform without a configured secret cannot be verified: 403.
 */
export function requireHmacSha256(
  header: string | null,
  rawBody: Uint8Array,
  secret: string | undefined,
): void {
  if (!header) throw new HttpError(401, "missing signature");
  if (!secret) throw new HttpError(403, "no webhook secret is configured for this platform");
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) throw new HttpError(403, "malformed signature");
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  if (!equalBytes(Buffer.from(match[1].toLowerCase(), "hex"), expected)) {
    throw new HttpError(403, "signature does not match");
  }
}
