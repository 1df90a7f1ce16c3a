/**
 * A time-ordered UUID (RFC 9562 version 7), as `private.uuid_v7()` makes in the database: the first 48 bits
 * are the Unix time in milliseconds, the other 74 random. Distribution ids made one after another sort
 * together, so a new row's entries in the indexes led by its id (and its attempts' distribution_id) land on
 * recently written leaf pages instead of a random page of an index that grows with the history.
 */
export function uuidV7(now: number = Date.now()): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let t = Math.floor(now);
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70; // version 7
  b[8] = (b[8] & 0x3f) | 0x80; // variant 10
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
