// Distribution ids made by the scheduling function (unit tests, no stack): RFC 9562 version 7 UUIDs whose
// first 48 bits are the time in milliseconds, so later ids sort after earlier ones (as PostgreSQL orders
// uuids: byte by byte, the order of their lower-case text).
import assert from "node:assert/strict";
import { uuidV7 } from "../../supabase/functions/_shared/uuid.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millis = (id: string) => parseInt(id.replaceAll("-", "").slice(0, 12), 16);

Deno.test("uuidV7: a version 7 UUID with the RFC variant, its first 48 bits the time in ms", () => {
  const before = Date.now();
  const id = uuidV7();
  const after = Date.now();
  assert.match(id, UUID);
  assert.ok(
    millis(id) >= before && millis(id) <= after,
    `${millis(id)} within [${before}, ${after}]`,
  );
  assert.equal(millis(uuidV7(Date.UTC(2026, 11, 6, 12))), Date.UTC(2026, 11, 6, 12));
});

Deno.test("uuidV7: ids of later milliseconds sort after earlier ones; ids of one millisecond are distinct", () => {
  const t = Date.UTC(2026, 11, 6);
  const ids = [t + 1, t, t + 256, t + 2 ** 40, t + 255].map((ms) => uuidV7(ms));
  assert.deepEqual([...ids].sort(), [ids[1], ids[0], ids[4], ids[2], ids[3]]);
  const same = new Set(Array.from({ length: 1000 }, () => uuidV7(t)));
  assert.equal(same.size, 1000);
});
