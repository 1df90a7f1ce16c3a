// Native scheduling against the WordPress emulator: the post is handed over ahead of time (a `future`
// post), confirmed at its time, and withdrawn from the platform when the distribution is cancelled or moved.
import assert from "node:assert/strict";
import { connect, invokeService } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { contentFor } from "../../dev/demo-content.ts";
import { emulatorFor } from "../_support/emulators.ts";

type Sql = ReturnType<typeof connect>;
const WORDPRESS = PLATFORM_IDS.wordpress;

async function invokePublish() {
  const reply = await invokeService("publish", { budget_ms: 10_000, exit_when_idle: true });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body;
}

async function setUp(sql: Sql, minLeadSeconds: number) {
  await resetQueue(sql);
  await sql`update public.platforms set publish_config = publish_config ||
    ${
    sql.json({
      native_scheduling: true,
      native_lead_minutes: 60,
      native_min_lead_seconds: minLeadSeconds,
    })
  }
    where id = ${WORDPRESS}`;
  const wp = emulatorFor("wordpress");
  await wp.clearFaults();
  await wp.clearRequests();
  return wp;
}

async function tearDown(sql: Sql) {
  await sql`update public.platforms set publish_config = publish_config - 'native_scheduling'
    - 'native_lead_minutes' - 'native_min_lead_seconds' where id = ${WORDPRESS}`;
}

async function dueIn(sql: Sql, seconds: number, marker: string) {
  const content = contentFor("wordpress", marker, emulatorFor("wordpress").origin);
  const [id] = await insertDue(sql, [{ platform_id: WORDPRESS, ...content, dueIn: seconds }]);
  return id;
}

async function row(sql: Sql, id: string) {
  const [r] =
    await sql`select status, native_state, external_id, published_at, scheduled_for, error_message
    from public.distributions where id = ${id}`;
  return r;
}

Deno.test("a post due later is handed to WordPress ahead of time as a future post", async () => {
  const sql = connect();
  try {
    const wp = await setUp(sql, 120);
    const id = await dueIn(sql, 30 * 60, "handoff");
    await invokePublish();
    const r = await row(sql, id);
    assert.equal(r.status, "scheduled");
    assert.equal(r.native_state, "handed_off");
    assert.ok(r.external_id);
    const [create] = await wp.publishRequests();
    const body = create.body as { status: string; date_gmt: string };
    assert.equal(body.status, "future");
    assert.equal(
      Date.parse(`${body.date_gmt}Z`),
      r.scheduled_for.getTime() - (r.scheduled_for.getTime() % 1000),
    );
  } finally {
    await tearDown(sql);
    await sql.end();
  }
});

Deno.test("a handed-off post is confirmed at its time, not sent again", async () => {
  const sql = connect();
  try {
    const wp = await setUp(sql, 1);
    const id = await dueIn(sql, 3, "confirm");
    await invokePublish();
    const handed = await row(sql, id);
    assert.equal(handed.native_state, "handed_off", handed.error_message);
    await new Promise((r) => setTimeout(r, 3200));
    await invokePublish();
    const r = await row(sql, id);
    assert.equal(r.status, "published", r.error_message);
    assert.equal(r.external_id, handed.external_id);
    assert.equal((await wp.publishRequests()).length, 1);
  } finally {
    await tearDown(sql);
    await sql.end();
  }
});

Deno.test("cancelling a handed-off distribution deletes the post on the platform", async () => {
  const sql = connect();
  try {
    const wp = await setUp(sql, 120);
    const id = await dueIn(sql, 30 * 60, "cancel me");
    await invokePublish();
    const { external_id } = await row(sql, id);
    await sql`update public.distributions set status = 'cancelled' where id = ${id}`; // as in Studio
    const [pending] =
      await sql`select status, reason, external_id from public.platform_cancellations
      where distribution_id = ${id}`;
    assert.deepEqual({ ...pending }, { status: "pending", reason: "cancelled", external_id });
    await invokePublish();
    const deletes = (await wp.requests()).filter((r) => r.method === "DELETE");
    assert.deepEqual(deletes.map((r) => r.path), [`/wp-json/wp/v2/posts/${external_id}`]);
    const [done] =
      await sql`select status from public.platform_cancellations where distribution_id = ${id}`;
    assert.equal(done.status, "done");
  } finally {
    await tearDown(sql);
    await sql.end();
  }
});

Deno.test("moving a handed-off distribution withdraws the old post and hands over the new time", async () => {
  const sql = connect();
  try {
    const wp = await setUp(sql, 120);
    const id = await dueIn(sql, 30 * 60, "move me");
    await invokePublish();
    const before = await row(sql, id);
    await sql`update public.distributions set scheduled_for = scheduled_for + interval '10 minutes'
      where id = ${id}`;
    await invokePublish();
    const after = await row(sql, id);
    assert.equal(after.native_state, "handed_off");
    assert.notEqual(after.external_id, before.external_id);
    assert.equal((await wp.publishRequests()).length, 2);
    const deletes = (await wp.requests()).filter((r) => r.method === "DELETE");
    assert.deepEqual(deletes.map((r) => r.path), [`/wp-json/wp/v2/posts/${before.external_id}`]);
  } finally {
    await tearDown(sql);
    await sql.end();
  }
});
