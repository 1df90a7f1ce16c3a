// The pure parts of replay protection: the Idempotency-Key rule and request hash, the webhook
// screen (window, unsafe text), the capped body reader, and the podcast feed's page links.
import assert from "node:assert/strict";
import { idempotencyKeyOf, requestHash } from "../../supabase/functions/_shared/idempotency.ts";
import { HttpError } from "../../supabase/functions/_shared/http-error.ts";
import { readCappedBody } from "../../supabase/functions/_shared/platform-webhooks/body.ts";
import {
  hasUnsafeText,
  type Parsed,
  screen,
} from "../../supabase/functions/_shared/platform-webhooks/events.ts";
import { pageLinks } from "../../supabase/functions/_shared/podcast/feed.ts";

const withKey = (key: string) =>
  new Request("http://127.0.0.1/x", { method: "POST", headers: { "idempotency-key": key } });

Deno.test("Idempotency-Key: 1-255 printable ASCII, else a 400 naming the header", () => {
  assert.equal(idempotencyKeyOf(new Request("http://127.0.0.1/x")), undefined);
  assert.equal(idempotencyKeyOf(withKey("order-42 retry #1")), "order-42 retry #1");
  assert.equal(idempotencyKeyOf(withKey("~".repeat(255))), "~".repeat(255));
  for (const bad of ["k".repeat(256), "a\tb", "caf\u00e9", "\x7f"]) {
    assert.throws(() => idempotencyKeyOf(withKey(bad)), (e: unknown) => {
      assert.ok(e instanceof HttpError);
      assert.equal(e.status, 400);
      assert.deepEqual((e.details as { field: string }[]).map((d) => d.field), ["Idempotency-Key"]);
      return true;
    }, JSON.stringify(bad));
  }
});

Deno.test("the request hash ignores key order and differs for another body", () => {
  const a = requestHash({ b: [1, { y: 2, x: 1 }], a: "t" });
  assert.equal(a, requestHash({ a: "t", b: [1, { x: 1, y: 2 }] }));
  assert.notEqual(a, requestHash({ a: "t", b: [{ x: 1, y: 2 }, 1] }));
  assert.notEqual(a, requestHash({ a: "u", b: [1, { x: 1, y: 2 }] }));
  assert.match(a, /^[0-9a-f]{64}$/);
});

function parsedAt(...times: (string | undefined)[]): Parsed {
  return {
    candidates: times.map((occurred_at, i) => ({
      field: `events[${i}]`,
      event: { event_id: `e${i}`, event_type: "t", external_id: "x", occurred_at },
    })),
    refused: [],
    skipped: [],
  };
}

Deno.test("the webhook screen refuses events outside the window, one by one", () => {
  const now = new Date("2026-12-06T12:00:00Z");
  const out = screen(
    parsedAt(
      "2026-12-06T11:56:00Z",
      "2026-12-06T11:54:59Z",
      "2026-12-06T12:05:01Z",
      undefined,
    ),
    now,
    300,
  );
  assert.deepEqual(out.candidates.map((c) => c.field), ["events[0]", "events[3]"]);
  assert.deepEqual(out.refused.map((r) => r.field), [
    "events[1].occurred_at",
    "events[2].occurred_at",
  ]);
});

Deno.test("unsafe text: NUL and unpaired surrogates anywhere, keys included; pairs are fine", () => {
  assert.equal(hasUnsafeText({ a: ["ok", "emoji \ud83d\ude00"] }), false);
  assert.equal(hasUnsafeText({ a: "nul\u0000" }), true);
  assert.equal(hasUnsafeText({ a: ["\ud800"] }), true);
  assert.equal(hasUnsafeText({ "\udc00": 1 }), true);
});

Deno.test("readCappedBody: up to the cap is read, past it a 413 (declared or streamed)", async () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request("http://127.0.0.1/x", { method: "POST", body, headers });
  assert.equal((await readCappedBody(post("x".repeat(10)), 10)).byteLength, 10);
  await assert.rejects(() => readCappedBody(post("x".repeat(11)), 10), (e: unknown) => {
    assert.ok(e instanceof HttpError);
    assert.equal(e.status, 413);
    return true;
  });
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(4));
      c.close();
    },
  });
  await assert.rejects(() => readCappedBody(post(stream), 10), /larger than 10 bytes/);
  await assert.rejects(
    () => readCappedBody(post("small", { "content-length": "999999" }), 10),
    /larger than 10 bytes/,
  );
});

Deno.test("page links: page 1 is the feed URL; next/previous/first/last only where they exist", () => {
  const f = "https://f.example/podcast-feed/p";
  assert.deepEqual(pageLinks(f, 1, 1), { self: f });
  assert.deepEqual(pageLinks(f, 1, 3), {
    self: f,
    first: f,
    last: `${f}?page=3`,
    next: `${f}?page=2`,
  });
  assert.deepEqual(pageLinks(f, 3, 3), {
    self: `${f}?page=3`,
    first: f,
    last: `${f}?page=3`,
    previous: `${f}?page=2`,
  });
});
