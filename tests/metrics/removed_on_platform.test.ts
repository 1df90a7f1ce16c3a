// A post a person deleted on the platform itself, against the emulators (X, WordPress, LinkedIn,
// Mailchimp through their APIs; Instagram and TikTok in their apps; YouTube): the next metrics read finds it
// gone, the row is marked unpublish_state removed_on_platform with its webhook event (for endpoints listing
// it), the post is no longer synced, and the platform's own metrics error is left alone. A transient 503 is a
// failure as before, never taken as removed.
import assert from "node:assert/strict";
import { connect, eventually, invokeService, userJwt } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { DEMO_CLIENT, DEMO_OWNER, type Kind, PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { contentFor } from "../../dev/demo-content.ts";
import { VaultPlatformDirectory } from "../../supabase/functions/_shared/platforms/directory.ts";
import { insertPublished } from "./helpers.ts";
import { api } from "../scheduling/helpers.ts";

type Sql = ReturnType<typeof connect>;

const EARLIER_ERROR = "an earlier platform error";

async function setUp(sql: Sql, kind: Kind) {
  await resetQueue(sql);
  await sql`update public.platforms set metrics_paused_until = null, metrics_last_error = ${EARLIER_ERROR},
    metrics_last_error_at = null`;
  // One endpoint lists the event, one does not: only the first is told.
  await sql`insert into public.webhook_endpoints (client_id, url, events) values
    (${DEMO_CLIENT}, 'http://127.0.0.1:9/removed', array['distribution.removed_on_platform']),
    (${DEMO_CLIENT}, 'http://127.0.0.1:9/other', array['distribution.unpublished'])`;
  const emulator = emulatorFor(kind);
  await emulator.clearFaults();
  return emulator;
}

/** A post published on `kind`'s emulator through the publisher. */
async function published(sql: Sql, kind: Kind, marker: string) {
  const content = contentFor(kind, marker, emulatorFor(kind).origin);
  const [id] = await insertDue(sql, [{ platform_id: PLATFORM_IDS[kind], ...content }]);
  const reply = await invokeService("publish", { budget_ms: 10_000, exit_when_idle: true });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  const [row] = await sql`select status, external_id, error_message from public.distributions
    where id = ${id}`;
  assert.equal(row.status, "published", row.error_message);
  return { id, externalId: String(row.external_id) };
}

/**
 * What a person does on the platform: deletes the post there (through the platform's own API; in the
 * app for Instagram and TikTok, whose APIs cannot delete).
 */
async function deleteOnPlatform(sql: Sql, kind: Kind, externalId: string) {
  if (kind === "instagram" || kind === "tiktok") {
    await emulatorFor(kind).removePost(externalId);
    return;
  }
  const entry = await new VaultPlatformDirectory(sql).get(PLATFORM_IDS[kind]);
  assert.ok(!("error" in entry.adapter), "error" in entry.adapter ? entry.adapter.error : "");
  const deleted = await entry.adapter.delete(externalId);
  assert.ok(deleted.ok, JSON.stringify(deleted));
}

async function syncMetrics(sql: Sql, id: string) {
  await sql`update public.distributions set metrics_next_sync_at = now() - interval '1 second'
    where id = ${id}`;
  const { status, body } = await invokeService("metrics", { budget_ms: 10_000 });
  assert.equal(status, 200, JSON.stringify(body));
  return body as { claimed: number; recorded: number; failed: number; removed: number };
}

async function row(sql: Sql, id: string) {
  const [r] =
    await sql`select d.status, d.unpublish_state, d.unpublished_at, d.metrics_next_sync_at,
      d.metrics_last_error, d.metrics_sync_failures, p.metrics_last_error as platform_error
    from public.distributions d join public.platforms p on p.id = d.platform_id where d.id = ${id}`;
  return r;
}

/** Waits until `id`'s deliveries were attempted (the endpoints here refuse them), so the run the trigger
 * woke sends nothing into later tests. */
async function attempted(sql: Sql, id: string) {
  await eventually(
    async () => {
      const rows = await sql`select status, attempts from public.webhook_deliveries
        where distribution_id = ${id}`;
      return rows.every((r) => r.status !== "delivering" && r.attempts >= 1) ? rows : undefined;
    },
    20_000,
    `the webhook deliveries of ${id} to be attempted`,
  );
}

async function assertRemoved(sql: Sql, id: string, reply: { removed: number; failed: number }) {
  assert.equal(reply.removed, 1, JSON.stringify(reply));
  assert.equal(reply.failed, 0, JSON.stringify(reply));
  const r = await row(sql, id);
  assert.equal(r.status, "published");
  assert.equal(r.unpublish_state, "removed_on_platform");
  assert.ok(r.unpublished_at, "when it was found gone");
  assert.equal(r.metrics_next_sync_at, null, "no longer synced");
  assert.match(r.metrics_last_error, /^removed on the platform: /);
  assert.equal(r.metrics_sync_failures, 0, "not counted as a failed read");
  assert.equal(r.platform_error, EARLIER_ERROR, "the platform row's error is not set by it");
  const events = await sql`select w.event, e.url from public.webhook_deliveries w
    join public.webhook_endpoints e on e.id = w.endpoint_id where w.distribution_id = ${id}`;
  assert.deepEqual(events.map((e) => ({ ...e })), [
    { event: "distribution.removed_on_platform", url: "http://127.0.0.1:9/removed" },
  ]);
  await attempted(sql, id);
  // Made due again by hand: the claim skips it.
  const again = await syncMetrics(sql, id);
  assert.equal(again.claimed, 0, JSON.stringify(again));
}

for (const kind of ["x", "wordpress", "linkedin", "email", "instagram", "tiktok"] as const) {
  Deno.test(`a ${kind} post deleted on the platform is marked removed_on_platform by the metrics sync`, async () => {
    const sql = connect();
    try {
      await setUp(sql, kind);
      const { id, externalId } = await published(
        sql,
        kind,
        `removed ${kind} ${crypto.randomUUID()}`,
      );
      await deleteOnPlatform(sql, kind, externalId);
      await assertRemoved(sql, id, await syncMetrics(sql, id));
    } finally {
      await sql.end();
    }
  });
}

Deno.test("a post removed on the platform is not edited, and taking it down sends nothing", async () => {
  const sql = connect();
  try {
    const emulator = await setUp(sql, "wordpress");
    const { id, externalId } = await published(sql, "wordpress", `gone ${crypto.randomUUID()}`);
    await deleteOnPlatform(sql, "wordpress", externalId);
    await assertRemoved(sql, id, await syncMetrics(sql, id));
    await emulator.clearRequests();
    const token = await userJwt(DEMO_OWNER);
    const edit = await api(token, "PATCH", `/distributions/${id}`, {
      body: "The corrected text of the post. ".repeat(5),
    });
    assert.equal(edit.status, 409, JSON.stringify(edit.body));
    assert.match(JSON.stringify(edit.body), /not a live post/);
    const down = await api(token, "POST", `/distributions/${id}/unpublish`);
    assert.equal(down.status, 200, JSON.stringify(down.body));
    const body = down.body as { distribution: { unpublish_state: string } };
    assert.equal(body.distribution.unpublish_state, "removed_on_platform");
    await invokeService("publish", { budget_ms: 5_000, exit_when_idle: true });
    assert.deepEqual(await emulator.requests(), [], "nothing sent to the platform");
    assert.equal((await row(sql, id)).unpublish_state, "removed_on_platform");
  } finally {
    await sql.end();
  }
});

// A YouTube upload spends 1,600 of the emulator's 10,000 daily quota units, which the suite's publishes
// need: the row points at a video id the channel does not have (what a deleted video answers, 1 unit).
Deno.test("a youtube video gone from the channel is marked removed_on_platform", async () => {
  const sql = connect();
  try {
    await setUp(sql, "youtube");
    const id = await insertPublished(sql, {
      client_id: DEMO_CLIENT,
      platform_id: PLATFORM_IDS.youtube,
      external_id: `gone${crypto.randomUUID().slice(0, 7)}`,
    });
    await assertRemoved(sql, id, await syncMetrics(sql, id));
  } finally {
    await sql.end();
  }
});

// The reads that decide "not found" answered 503 (LinkedIn's socialActions and post, Instagram's
// insights, TikTok's video query, Mailchimp's report and campaign).
const EXTERNAL_IDS: Partial<Record<Kind, string>> = {
  youtube: `gone${crypto.randomUUID().slice(0, 7)}`,
  linkedin: "urn:li:share:999999999",
  email: "ffffffffff",
};
for (
  const [kind, path] of [
    ["x", "/2/tweets/"],
    ["youtube", "/youtube/v3/videos"],
    ["wordpress", "/wp-json/wp/v2/posts/"],
    ["linkedin", "/rest/"],
    ["instagram", "/v"],
    ["tiktok", "/v2/video/query/"],
    ["email", "/3.0/"],
  ] as const
) {
  Deno.test(`a ${kind} read answered 503 is a failure, not a removal`, async () => {
    const sql = connect();
    const emulator = await setUp(sql, kind);
    try {
      const id = await insertPublished(sql, {
        client_id: DEMO_CLIENT,
        platform_id: PLATFORM_IDS[kind],
        external_id: EXTERNAL_IDS[kind] ?? "999999999",
      });
      // TikTok's video query is a POST; the others' reads are GETs.
      const method = kind === "tiktok" ? "POST" : "GET";
      await emulator.addFault({ mode: "5xx", status: 503, method, path });
      const reply = await syncMetrics(sql, id);
      assert.equal(reply.removed, 0, JSON.stringify(reply));
      assert.equal(reply.failed, 1, JSON.stringify(reply));
      const r = await row(sql, id);
      assert.equal(r.unpublish_state, null);
      assert.equal(r.metrics_sync_failures, 1);
      assert.ok(r.metrics_next_sync_at > new Date(), "retried later");
      assert.notEqual(r.platform_error, EARLIER_ERROR, "a failure of the platform is on its row");
      const events =
        await sql`select 1 from public.webhook_deliveries where distribution_id = ${id}`;
      assert.equal(events.length, 0);
    } finally {
      await emulator.clearFaults();
      await sql.end();
    }
  });
}
