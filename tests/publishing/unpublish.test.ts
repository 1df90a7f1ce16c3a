// Taking a published post down (POST /schedule/distributions/:id/unpublish) against the emulators: the
// delete goes through the publisher's claimed, recorded path once, the outcome lands on the row with its
// webhook event, platforms whose API cannot delete answer 409 naming why, and a delete whose answer is
// lost (or refused with a 503) is settled by the next run without taking the post down twice.
import assert from "node:assert/strict";
import { connect, eventually, stack, userJwt } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { DEMO_CLIENT, DEMO_OWNER, type Kind, PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { api } from "../scheduling/helpers.ts";
import { attempted, invokePublish, published, setUpLivePosts } from "../_support/live-posts.ts";

type Sql = ReturnType<typeof connect>;

/** The events the endpoint of these tests lists. */
const EVENTS = ["distribution.unpublished", "distribution.unpublish_failed"];

async function unpublishState(sql: Sql, id: string) {
  const [row] = await sql`select unpublish_state, unpublished_at, status, metrics_next_sync_at
    from public.distributions where id = ${id}`;
  return row;
}

/** Waits until the take-down settles (the publisher woken by the request may be the one that sends it). */
async function settled(sql: Sql, id: string) {
  return await eventually(
    async () => {
      const row = await unpublishState(sql, id);
      return row.unpublish_state === "requested" ? undefined : row;
    },
    20_000,
    `distribution ${id} to leave unpublish_state requested`,
  );
}

async function deletes(kind: Kind) {
  return (await emulatorFor(kind).requests()).filter((r) => r.method === "DELETE");
}

// YouTube's take-down is the same path; its upload would spend 1,600 of the emulator's 10,000 daily
// quota units, which the suite's other YouTube publishes need.
for (const kind of ["wordpress", "x", "linkedin"] as const) {
  Deno.test(`unpublish takes a ${kind} post down once and says so`, async () => {
    const sql = connect();
    try {
      await setUpLivePosts(sql, kind, EVENTS);
      const { id } = await published(sql, kind, `take down ${kind}`);
      const token = await userJwt(DEMO_OWNER);
      const first = await api(token, "POST", `/distributions/${id}/unpublish`);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const body = first.body as { distribution: { unpublish_state: string; status: string } };
      assert.equal(body.distribution.status, "published");
      assert.ok(["requested", "unpublished"].includes(body.distribution.unpublish_state));
      // Asked twice: one take-down.
      const again = await api(token, "POST", `/distributions/${id}/unpublish`);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      await invokePublish();
      const row = await settled(sql, id);
      assert.equal(row.unpublish_state, "unpublished");
      assert.ok(row.unpublished_at);
      assert.equal(row.metrics_next_sync_at, null);
      assert.equal((await deletes(kind)).length, 1);
      const queued = await sql`select status, reason from public.platform_cancellations
        where distribution_id = ${id}`;
      assert.deepEqual(queued.map((r) => ({ ...r })), [{ status: "done", reason: "unpublished" }]);
      const events = await sql`select event from public.webhook_deliveries
        where distribution_id = ${id}`;
      assert.deepEqual(events.map((r) => r.event), ["distribution.unpublished"]);
      await attempted(sql, id);
      await attempted(sql, id);
      const read = await api(token, "GET", `/distributions/${id}`);
      assert.equal((read.body as { unpublish_state: string }).unpublish_state, "unpublished");
    } finally {
      await sql.end();
    }
  });
}

Deno.test("an unpublished podcast episode leaves the feed", async () => {
  const sql = connect();
  try {
    await setUpLivePosts(sql, "podcast", EVENTS);
    const { id } = await published(sql, "podcast", "episode to withdraw");
    const feed = async () =>
      await (await fetch(stack.functionUrl(`podcast-feed/${PLATFORM_IDS.podcast}`))).text();
    assert.match(await feed(), /episode to withdraw/);
    const reply = await api(await userJwt(DEMO_OWNER), "POST", `/distributions/${id}/unpublish`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    await invokePublish();
    assert.equal((await settled(sql, id)).unpublish_state, "unpublished");
    assert.doesNotMatch(await feed(), /episode to withdraw/);
    await attempted(sql, id);
  } finally {
    await sql.end();
  }
});

for (
  const [kind, reason] of [
    ["instagram", "Instagram Graph API cannot delete"],
    ["tiktok", "TikTok Content Posting API cannot delete"],
    ["email", "sent email campaign cannot be recalled"],
  ] as const
) {
  Deno.test(`unpublish on ${kind} is a 409 naming why`, async () => {
    const sql = connect();
    try {
      await resetQueue(sql);
      const [row] =
        await sql`insert into public.distributions (client_id, platform_id, content_type,
          body, status, scheduled_for, published_at, external_id)
        values (${DEMO_CLIENT}, ${PLATFORM_IDS[kind]}, 'manual', 'live', 'published', now(), now(),
          'ext-1')
        returning id`;
      const reply = await api(
        await userJwt(DEMO_OWNER),
        "POST",
        `/distributions/${row.id}/unpublish`,
      );
      assert.equal(reply.status, 409, JSON.stringify(reply.body));
      assert.match(JSON.stringify(reply.body), new RegExp(reason));
      const queued = await sql`select 1 from public.platform_cancellations
        where distribution_id = ${row.id}`;
      assert.equal(queued.length, 0);
      assert.equal((await unpublishState(sql, row.id)).unpublish_state, null);
    } finally {
      await sql.end();
    }
  });
}

Deno.test("a scheduled distribution cannot be unpublished: nothing is live", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    const [id] = await insertDue(sql, [{ platform_id: PLATFORM_IDS.wordpress, body: "later" }]);
    await sql`update public.distributions set scheduled_for = now() + interval '1 day'
      where id = ${id}`;
    const reply = await api(await userJwt(DEMO_OWNER), "POST", `/distributions/${id}/unpublish`);
    assert.equal(reply.status, 409, JSON.stringify(reply.body));
    assert.match(JSON.stringify(reply.body), /only a published post can be taken down/);
  } finally {
    await sql.end();
  }
});

Deno.test("a delete whose answer is lost is settled by the next run, not done twice", async () => {
  const sql = connect();
  try {
    const wp = await setUpLivePosts(sql, "wordpress", EVENTS);
    const { id, externalId } = await published(sql, "wordpress", "lost delete");
    // WordPress trashes the post, then the connection is answered 504 instead of its reply.
    await wp.addFault({
      mode: "timeout",
      afterProcessing: true,
      holdMs: 50,
      count: 1,
      method: "DELETE",
      path: "/wp-json/wp/v2/posts",
    });
    const reply = await api(await userJwt(DEMO_OWNER), "POST", `/distributions/${id}/unpublish`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    await invokePublish();
    const pending = await eventually(
      async () => {
        const [c] = await sql`select status, attempts, last_error from public.platform_cancellations
        where distribution_id = ${id}`;
        return c.status === "pending" && c.attempts === 1 ? c : undefined;
      },
      20_000,
      "the first delete to be recorded as failed",
    );
    assert.ok(pending.last_error);
    assert.equal((await unpublishState(sql, id)).unpublish_state, "requested");
    await sql`update public.platform_cancellations set next_attempt_at = now()
      where distribution_id = ${id}`;
    await invokePublish();
    const row = await settled(sql, id);
    assert.equal(row.unpublish_state, "unpublished");
    // The second delete met "already trashed": the post was taken down once, and stays in the trash.
    const sent = await deletes("wordpress");
    assert.equal(sent.length, 2);
    const [c] = await sql`select status, attempts from public.platform_cancellations
      where distribution_id = ${id}`;
    assert.deepEqual({ ...c }, { status: "done", attempts: 2 });
    const events =
      await sql`select event from public.webhook_deliveries where distribution_id = ${id}`;
    assert.deepEqual(events.map((r) => r.event), ["distribution.unpublished"]);
    await attempted(sql, id);
    assert.deepEqual(sent.map((r) => r.path), [
      `/wp-json/wp/v2/posts/${externalId}`,
      `/wp-json/wp/v2/posts/${externalId}`,
    ]);
  } finally {
    await sql.end();
  }
});

Deno.test("a delete refused with a 503 is retried and lands once", async () => {
  const sql = connect();
  try {
    const x = await setUpLivePosts(sql, "x", EVENTS);
    const { id } = await published(sql, "x", "busy delete");
    await x.addFault({ mode: "5xx", status: 503, count: 1, method: "DELETE", path: "/2/tweets" });
    const reply = await api(await userJwt(DEMO_OWNER), "POST", `/distributions/${id}/unpublish`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    await invokePublish();
    await eventually(
      async () => {
        const [c] = await sql`select status, attempts from public.platform_cancellations
        where distribution_id = ${id}`;
        return c.status === "pending" && c.attempts === 1 ? c : undefined;
      },
      20_000,
      "the refused delete to be recorded",
    );
    await sql`update public.platform_cancellations set next_attempt_at = now()
      where distribution_id = ${id}`;
    await invokePublish();
    assert.equal((await settled(sql, id)).unpublish_state, "unpublished");
    assert.equal((await deletes("x")).length, 2);
  } finally {
    await sql.end();
  }
});

Deno.test("a published row's content cannot be edited out of step with the live post", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    const [row] = await sql`insert into public.distributions (client_id, platform_id, content_type,
        body, status, scheduled_for, published_at, external_id)
      values (${DEMO_CLIENT}, ${PLATFORM_IDS.x}, 'manual', 'live', 'published', now(), now(), '1')
      returning id`;
    // As in Studio's table editor.
    await assert.rejects(
      sql`update public.distributions set body = 'changed' where id = ${row.id}`,
      /is published: its title, body, media and link are what the platform shows/,
    );
    const reply = await api(await userJwt(DEMO_OWNER), "PATCH", `/distributions/${row.id}`, {
      body: "changed",
    });
    assert.equal(reply.status, 409, JSON.stringify(reply.body));
    assert.match(JSON.stringify(reply.body), /X does not let most API tiers edit a post/);
    const [after] = await sql`select body from public.distributions where id = ${row.id}`;
    assert.equal(after.body, "live");
  } finally {
    await sql.end();
  }
});
