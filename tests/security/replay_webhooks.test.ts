// Inbound platform webhooks under replay and abuse, black-box over HTTP: a replayed signed event is
// received once (also when replays race), stale signed timestamps are refused, oversized bodies are
// a 413 before any signature check, and one bad event in a batch is refused alone.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { connect, replyOf, stack } from "../_support/stack.ts";
import { DEMO_CLIENT } from "../_support/seed.ts";
import { insertPublished } from "../metrics/helpers.ts";

type Sql = ReturnType<typeof connect>;
const SECRET = "generic-webhook-secret-for-replay-tests";
const APP_SECRET = "meta-app-secret-for-replay-tests";
const MC_TOKEN = "mailchimp-url-token-for-replay-tests";

async function platformWithSecrets(sql: Sql, kind: string, secrets: Record<string, string>) {
  const tag = crypto.randomUUID().slice(0, 8);
  const [s] = await sql`select vault.create_secret(${JSON.stringify(secrets)},
                          ${`replay-test-${tag}`}, 'webhook replay test') as id`;
  const config = kind === "instagram"
    ? { ig_user_id: "1" }
    : kind === "email"
    ? { list_id: "l1" }
    : {};
  const [p] = await sql`
    insert into public.platforms (client_id, name, kind, timezone, publish_config, credentials_secret_id)
    values (${DEMO_CLIENT}, ${`${kind} replay ${tag}`}, ${kind}, 'America/New_York', ${
    sql.json(config)
  },
            ${s.id})
    returning id`;
  const platformId = String(p.id);
  const externalId = `post-${tag}`;
  const dist = await insertPublished(sql, {
    client_id: DEMO_CLIENT,
    platform_id: platformId,
    external_id: externalId,
  });
  return { platformId, externalId, dist };
}

const url = (platformId: string, rest = "") =>
  `${stack.functionUrl("platform-webhooks")}/${platformId}${rest}`;
const sign = (body: string, secret: string) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

interface Reply {
  status: number;
  // deno-lint-ignore no-explicit-any -- assertions read whatever the function answered
  body: any;
}

async function send(
  target: string,
  body: BodyInit,
  headers: Record<string, string>,
): Promise<Reply> {
  const res = await fetch(target, { method: "POST", headers, body });
  return await replyOf(res);
}

function postGeneric(platformId: string, events: unknown[]): Promise<Reply> {
  const body = JSON.stringify({ events });
  return send(url(platformId), body, {
    "content-type": "application/json",
    "x-signature-256": sign(body, SECRET),
  });
}

function like(externalId: string, extra: Record<string, unknown> = {}) {
  return {
    event_id: `evt-${crypto.randomUUID()}`,
    event_type: "x.like",
    external_id: externalId,
    occurred_at: new Date().toISOString(),
    increments: { likes: 1 },
    ...extra,
  };
}

async function eventRows(sql: Sql, platformId: string): Promise<number> {
  const [row] = await sql`select count(*)::int as n from public.platform_webhook_events
                          where platform_id = ${platformId}`;
  return row.n;
}

async function counts(sql: Sql, dist: string) {
  const [row] = await sql`select likes, comments, platform_metrics from public.distributions
                          where id = ${dist}`;
  return row;
}

Deno.test("a replayed signed event is received once: one row, applied once", async () => {
  const sql = connect();
  try {
    const p = await platformWithSecrets(sql, "x", { webhook_secret: SECRET });
    const event = like(p.externalId);
    const first = await postGeneric(p.platformId, [event]);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.applied, 1);
    const replay = await postGeneric(p.platformId, [event]);
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.applied, 0);
    assert.equal(replay.body.duplicate, 1);
    assert.equal(replay.body.events[0].event_id, event.event_id);
    assert.equal((await counts(sql, p.dist)).likes, 1);
    assert.equal(await eventRows(sql, p.platformId), 1);

    const { event_id: _id, ...anonymous } = like(p.externalId);
    await postGeneric(p.platformId, [anonymous]);
    const again = await postGeneric(p.platformId, [anonymous]);
    assert.equal(again.body.duplicate, 1, "an event without an id is known by its content");
    assert.equal((await counts(sql, p.dist)).likes, 2);
    assert.equal(await eventRows(sql, p.platformId), 2);
  } finally {
    await sql.end();
  }
});

Deno.test("replays racing each other apply the event once", async () => {
  const sql = connect();
  try {
    const p = await platformWithSecrets(sql, "x", { webhook_secret: SECRET });
    const event = like(p.externalId);
    const replies = await Promise.all(
      Array.from({ length: 4 }, () => postGeneric(p.platformId, [event])),
    );
    for (const r of replies) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(replies.reduce((n, r) => n + r.body.applied, 0), 1);
    assert.equal((await counts(sql, p.dist)).likes, 1);
    assert.equal(await eventRows(sql, p.platformId), 1);
  } finally {
    await sql.end();
  }
});

Deno.test("Meta and Mailchimp: the same delivery twice is counted once", async () => {
  const sql = connect();
  try {
    const ig = await platformWithSecrets(sql, "instagram", { app_secret: APP_SECRET });
    const meta = JSON.stringify({
      object: "instagram",
      entry: [{
        id: "1784",
        time: Math.floor(Date.now() / 1000),
        changes: [{
          field: "comments",
          value: { id: crypto.randomUUID(), media: { id: ig.externalId } },
        }],
      }],
    });
    for (let i = 0; i < 2; i++) {
      const r = await send(url(ig.platformId), meta, {
        "content-type": "application/json",
        "x-hub-signature-256": sign(meta, APP_SECRET),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    assert.equal((await counts(sql, ig.dist)).comments, 1);
    assert.equal(await eventRows(sql, ig.platformId), 1);

    const mc = await platformWithSecrets(sql, "email", { webhook_token: MC_TOKEN });
    const form = new URLSearchParams({
      type: "unsubscribe",
      fired_at: new Date().toISOString().slice(0, 19).replace("T", " "),
      "data[campaign_id]": mc.externalId,
      "data[email]": "reader@example.com",
    }).toString();
    for (let i = 0; i < 2; i++) {
      const r = await send(url(mc.platformId, `/${MC_TOKEN}`), form, {
        "content-type": "application/x-www-form-urlencoded",
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const other = form.replace("reader%40example.com", "someone%40example.com");
    await send(url(mc.platformId, `/${MC_TOKEN}`), other, {
      "content-type": "application/x-www-form-urlencoded",
    });
    assert.equal((await counts(sql, mc.dist)).platform_metrics.unsubscribes, 2);
    assert.equal(await eventRows(sql, mc.platformId), 2);
  } finally {
    await sql.end();
  }
});

Deno.test("a signed event older than the window is refused with a 4xx and changes nothing", async () => {
  const sql = connect();
  try {
    const p = await platformWithSecrets(sql, "x", { webhook_secret: SECRET });
    const hourAgo = new Date(Date.now() - 3600_000);
    const stale = await postGeneric(p.platformId, [
      like(p.externalId, { occurred_at: hourAgo.toISOString() }),
    ]);
    assert.equal(stale.status, 422, JSON.stringify(stale.body));
    assert.equal(stale.body.events[0].field, "events[0].occurred_at");
    assert.equal(stale.body.events[0].outcome, "refused");
    const future = await postGeneric(p.platformId, [
      like(p.externalId, { occurred_at: new Date(Date.now() + 3600_000).toISOString() }),
    ]);
    assert.equal(future.status, 422);
    assert.equal((await counts(sql, p.dist)).likes, null);
    assert.equal(await eventRows(sql, p.platformId), 0);

    const ig = await platformWithSecrets(sql, "instagram", { app_secret: APP_SECRET });
    const meta = JSON.stringify({
      object: "instagram",
      entry: [{
        time: Math.floor(hourAgo.getTime() / 1000),
        changes: [{ field: "comments", value: { id: "c1", media: { id: ig.externalId } } }],
      }],
    });
    const metaStale = await send(url(ig.platformId), meta, {
      "content-type": "application/json",
      "x-hub-signature-256": sign(meta, APP_SECRET),
    });
    assert.equal(metaStale.status, 422, JSON.stringify(metaStale.body));
    assert.equal(await eventRows(sql, ig.platformId), 0);

    const mc = await platformWithSecrets(sql, "email", { webhook_token: MC_TOKEN });
    const form = new URLSearchParams({
      type: "unsubscribe",
      fired_at: hourAgo.toISOString().slice(0, 19).replace("T", " "),
      "data[campaign_id]": mc.externalId,
    }).toString();
    const mcStale = await send(url(mc.platformId, `/${MC_TOKEN}`), form, {
      "content-type": "application/x-www-form-urlencoded",
    });
    assert.equal(mcStale.status, 422, JSON.stringify(mcStale.body));
    assert.equal(await eventRows(sql, mc.platformId), 0);
  } finally {
    await sql.end();
  }
});

Deno.test("a body over 256 KiB is a 413 before its signature is looked at", async () => {
  const sql = connect();
  try {
    const p = await platformWithSecrets(sql, "x", { webhook_secret: SECRET });
    const small = await send(url(p.platformId), JSON.stringify({ events: [] }), {
      "content-type": "application/json",
    });
    assert.equal(small.status, 401, "a small unsigned body reaches the signature check");

    const huge = JSON.stringify({
      events: [like(p.externalId, { payload: { pad: "x".repeat(300_000) } })],
    });
    const unsigned = await send(url(p.platformId), huge, { "content-type": "application/json" });
    assert.equal(unsigned.status, 413, JSON.stringify(unsigned.body).slice(0, 200));
    const signed = await send(url(p.platformId), huge, {
      "content-type": "application/json",
      "x-signature-256": sign(huge, SECRET),
    });
    assert.equal(signed.status, 413);

    const bytes = new TextEncoder().encode(huge);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 16_384) {
          controller.enqueue(bytes.slice(at, at + 16_384));
        }
        controller.close();
      },
    });
    const chunked = await send(url(p.platformId), stream, {
      "content-type": "application/json",
      "x-signature-256": sign(huge, SECRET),
    });
    assert.equal(chunked.status, 413, "a body without Content-Length is counted as it arrives");
    assert.equal(await eventRows(sql, p.platformId), 0);
  } finally {
    await sql.end();
  }
});

Deno.test("one bad event in a batch is refused alone: the good ones are recorded, the reply names the bad", async () => {
  const sql = connect();
  try {
    const p = await platformWithSecrets(sql, "x", { webhook_secret: SECRET });
    const good1 = like(p.externalId);
    const good2 = like(p.externalId);
    const reply = await postGeneric(p.platformId, [
      good1,
      { event_id: "no-external-id", event_type: "x.like", increments: { likes: 1 } },
      like(p.externalId, { event_id: "nul-in-text", payload: { note: "a\u0000b" } }),
      good2,
      like(p.externalId, { event_id: "bad-date", occurred_at: "yesterday" }),
      like(p.externalId, { event_id: "negative", increments: { likes: -5 } }),
    ]);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.applied, 2);
    assert.equal(reply.body.refused, 4);
    const refused = reply.body.events
      .filter((e: { outcome: string }) => e.outcome === "refused")
      .map((e: { field: string }) => e.field)
      .sort();
    assert.deepEqual(refused, [
      "events[1].external_id",
      "events[2]",
      "events[4].occurred_at",
      "events[5].increments.likes",
    ]);
    assert.equal((await counts(sql, p.dist)).likes, 2);
    const ids = await sql`select event_id from public.platform_webhook_events
                          where platform_id = ${p.platformId} order by event_id`;
    assert.deepEqual(ids.map((r) => r.event_id), [good1.event_id, good2.event_id].sort());

    const allBad = await postGeneric(p.platformId, [{ event_type: 1 }]);
    assert.equal(allBad.status, 422, "a batch of only bad events is a 4xx, never a 5xx");

    const ig = await platformWithSecrets(sql, "instagram", { app_secret: APP_SECRET });
    const meta = JSON.stringify({
      object: "instagram",
      entry: [{
        time: Math.floor(Date.now() / 1000),
        changes: [
          { field: "comments", value: { id: "no-media" } },
          { field: "comments", value: { id: crypto.randomUUID(), media: { id: ig.externalId } } },
          { field: "mentions", value: { media_id: "m" } },
        ],
      }],
    });
    const metaReply = await send(url(ig.platformId), meta, {
      "content-type": "application/json",
      "x-hub-signature-256": sign(meta, APP_SECRET),
    });
    assert.equal(metaReply.status, 200, JSON.stringify(metaReply.body));
    assert.equal(metaReply.body.applied, 1);
    assert.equal(metaReply.body.refused, 1);
    assert.equal(metaReply.body.skipped, 1);
    assert.equal(
      metaReply.body.events.find((e: { outcome: string }) => e.outcome === "refused").field,
      "entry[0].changes[0]",
    );
    assert.equal((await counts(sql, ig.dist)).comments, 1);
  } finally {
    await sql.end();
  }
});
