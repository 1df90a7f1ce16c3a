// API keys (legacy anon/service-role JWTs used as opaque keys, and the new sb_publishable_/sb_secret_
// keys) are compared in constant time: equal-length SHA-256 digests through timingSafeEqual, every key
// compared whatever the outcome, so the time taken says nothing about how much of a key matched.
import { createHash, timingSafeEqual } from "node:crypto";

function digest(value: string): Uint8Array {
  return createHash("sha256").update(value).digest();
}

export function matchesAnyKey(candidate: string, keys: readonly string[]): boolean {
  const wanted = digest(candidate);
  let found = false;
  for (const key of keys) {
    if (timingSafeEqual(wanted, digest(key))) found = true;
  }
  return found;
}
