// Editing a published post (PATCH /schedule/distributions/:id) against the emulators: the new content is
// queued, sent through the publisher's claimed, recorded path, and becomes the row's content (with its
// webhook event) once the platform has it; platforms whose API cannot edit a post answer 409 naming why;
// an edit whose answer is lost is sent again with the same content and lands once on the row.
import assert from "node:assert/strict";
import { connect, eventually, userJwt } from "../_support/stack.ts";
import { resetQueue } from "../_support/queue.ts";
import { DEMO_CLIENT, DEMO_OWNER, PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { api } from "../scheduling/helpers.ts";
import { attempted, invokePublish, published, setUpLivePosts } from "../_support/live-posts.ts";

type Sql = ReturnType<typeof connect>;

/** The events the endpoint of these tests lists. */
const EVENTS = ["distribution.edited", "distribution.edit_failed"];

async function settled(sql: Sql, id: string) {
  return await eventually(
    async () => {
      const [row] = await sql`select edit_state, title, body, error_message
      from public.distributions where id = ${id}`;
      return row.edit_state === "requested" ? undefined : row;
    },
    20_000,
    `distribution ${id} to leave edit_state requested`,
  );
}

/** The WordPress requests that updated post `externalId`. */
async function updatesOf(externalId: string) {
  return (await emulatorFor("wordpress").requests()).filter((r) =>
    r.method === "POST" && r.path === `/wp-json/wp/v2/posts/${externalId}`
  );
}

async function events(sql: Sql, id: string) {
  const rows = await sql`select event from public.webhook_deliveries where distribution_id = ${id}`;
  return rows.map((r) => r.event);
}

Deno.test("a published WordPress post is edited on the site, then on the row", async () => {
  const sql = connect();
  try {
    await setUpLivePosts(sql, "wordpress", EVENTS);
    const { id, externalId } = await published(sql, "wordpress", "edit me");
    const reply = await api(await userJwt(DEMO_OWNER), "PATCH", `/distributions/${id}`, {
      title: "Habits, corrected",
      body: "The corrected text of the post. ".repeat(5),
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const accepted = reply.body as { distribution: { edit_state: string; title: string } };
    assert.equal(accepted.distribution.edit_state, "requested");
    assert.notEqual(accepted.distribution.title, "Habits, corrected"); // not until WordPress has it
    await invokePublish();
    const row = await settled(sql, id);
    assert.equal(row.edit_state, "edited", row.error_message);
    assert.equal(row.title, "Habits, corrected");
    assert.match(row.body, /The corrected text of the post\./);
    const updates = await updatesOf(externalId);
    assert.equal(updates.length, 1);
    assert.equal((updates[0].body as { title: string }).title, "Habits, corrected");
    assert.deepEqual(await events(sql, id), ["distribution.edited"]);
    await attempted(sql, id);
  } finally {
    await sql.end();
  }
});

Deno.test("a published LinkedIn post's commentary is edited", async () => {
  const sql = connect();
  try {
    const li = await setUpLivePosts(sql, "linkedin", EVENTS);
    const { id } = await published(sql, "linkedin", "edit commentary");
    const reply = await api(await userJwt(DEMO_OWNER), "PATCH", `/distributions/${id}`, {
      body: "The corrected commentary.",
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    await invokePublish();
    const row = await settled(sql, id);
    assert.equal(row.edit_state, "edited", row.error_message);
    assert.match(row.body, /The corrected commentary\./);
    const updates = (await li.requests()).filter((r) =>
      r.headers["x-restli-method"] === "PARTIAL_UPDATE"
    );
    assert.equal(updates.length, 1);
  } finally {
    await sql.end();
  }
});

for (
  const [kind, reason] of [
    ["x", "X does not let most API tiers edit a post"],
    ["instagram", "Instagram Graph API cannot edit"],
    ["tiktok", "TikTok Content Posting API cannot edit"],
    ["email", "sent email campaign cannot be changed"],
  ] as const
) {
  Deno.test(`editing a published ${kind} post is a 409 naming why`, async () => {
    const sql = connect();
    try {
      await resetQueue(sql);
      const [row] =
        await sql`insert into public.distributions (client_id, platform_id, content_type,
          body, status, scheduled_for, published_at, external_id)
        values (${DEMO_CLIENT}, ${PLATFORM_IDS[kind]}, 'manual', 'live', 'published', now(), now(),
          'ext-1')
        returning id`;
      const reply = await api(await userJwt(DEMO_OWNER), "PATCH", `/distributions/${row.id}`, {
        body: "changed",
      });
      assert.equal(reply.status, 409, JSON.stringify(reply.body));
      assert.match(JSON.stringify(reply.body), new RegExp(reason));
      const queued = await sql`select 1 from public.platform_cancellations
        where distribution_id = ${row.id}`;
      assert.equal(queued.length, 0);
    } finally {
      await sql.end();
    }
  });
}

Deno.test("a live post's media and link are not changed in place: 409", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    const [row] = await sql`insert into public.distributions (client_id, platform_id, content_type,
        body, status, scheduled_for, published_at, external_id)
      values (${DEMO_CLIENT}, ${PLATFORM_IDS.wordpress}, 'manual', 'live', 'published', now(), now(),
        '1')
      returning id`;
    const reply = await api(await userJwt(DEMO_OWNER), "PATCH", `/distributions/${row.id}`, {
      link_url: "https://example.com/other",
    });
    assert.equal(reply.status, 409, JSON.stringify(reply.body));
    assert.match(JSON.stringify(reply.body), /media and link cannot be changed/);
  } finally {
    await sql.end();
  }
});

Deno.test("an edit whose answer is lost is sent again with the same content and lands once", async () => {
  const sql = connect();
  try {
    const wp = await setUpLivePosts(sql, "wordpress", EVENTS);
    const { id, externalId } = await published(sql, "wordpress", "lost edit");
    // WordPress saves the edit, then the connection is answered 504 instead of its reply.
    await wp.addFault({
      mode: "timeout",
      afterProcessing: true,
      holdMs: 50,
      count: 1,
      method: "POST",
      path: `/wp-json/wp/v2/posts/${externalId}`,
    });
    const reply = await api(await userJwt(DEMO_OWNER), "PATCH", `/distributions/${id}`, {
      title: "Habits, once",
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    await invokePublish();
    await eventually(
      async () => {
        const [c] = await sql`select status, attempts from public.platform_cancellations
        where distribution_id = ${id} and reason = 'edited'`;
        return c.status === "pending" && c.attempts === 1 ? c : undefined;
      },
      20_000,
      "the first edit to be recorded as unanswered",
    );
    const [waiting] =
      await sql`select edit_state, title from public.distributions where id = ${id}`;
    assert.deepEqual({ ...waiting }, { edit_state: "requested", title: "Habits lost edit" });
    await sql`update public.platform_cancellations set next_attempt_at = now()
      where distribution_id = ${id}`;
    await invokePublish();
    const row = await settled(sql, id);
    assert.equal(row.edit_state, "edited", row.error_message);
    assert.equal(row.title, "Habits, once");
    const updates = await updatesOf(externalId);
    assert.equal(updates.length, 2);
    assert.deepEqual(updates[0].body, updates[1].body);
    assert.deepEqual(await events(sql, id), ["distribution.edited"]);
    await attempted(sql, id);
  } finally {
    await sql.end();
  }
});
