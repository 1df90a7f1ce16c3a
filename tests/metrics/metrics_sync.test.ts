// The metrics function against the test stack and the emulators: real posts, real adapters.
import assert from "node:assert/strict";
import { connect, stack } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { DEMO_CLIENT } from "../_support/seed.ts";
import { insertPublished, invokeService, setEmulatorClock } from "./helpers.ts";

async function publishOneX(sql: ReturnType<typeof connect>): Promise<string> {
  const x = emulatorFor("x");
  await x.clearFaults();
  const [id] = await insertDue(sql, [{
    platform_id: PLATFORM_IDS.x,
    body: `Ten minutes a week is enough for a budget. metrics-${crypto.randomUUID().slice(0, 8)}`,
  }]);
  await invokeService("publish", { budget_ms: 10_000, exit_when_idle: true });
  const [row] = await sql`select status from public.distributions where id = ${id}`;
  assert.equal(row.status, "published");
  return id;
}

Deno.test("a published X post gets a snapshot: given metrics set, missing ones NULL (not 0)", async () => {
  const sql = connect();
  const x = emulatorFor("x");
  try {
    await resetQueue(sql);
    const id = await publishOneX(sql);
    await setEmulatorClock(x.origin, 6 * 3600); // the post is 6 hours old on the platform
    await sql`update public.distributions set metrics_next_sync_at = now() - interval '1 second'
              where id = ${id}`;
    const { status, body } = await invokeService("metrics", { budget_ms: 10_000 });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.recorded, 1, JSON.stringify(body));
    const [snap] =
      await sql`select * from public.distribution_metrics where distribution_id = ${id}`;
    assert.ok(snap, "a snapshot was written");
    assert.ok(snap.impressions > 0, `impressions ${snap.impressions}`);
    assert.ok(snap.likes !== null);
    assert.equal(snap.reach, null, "X gives no reach: NULL, not 0");
    assert.equal(snap.video_views, null);
    assert.equal(snap.followers_gained, null);
    const [d] = await sql`select impressions, reach, engagement_rate, metrics_synced_at,
                            metrics_next_sync_at from public.distributions where id = ${id}`;
    assert.equal(d.impressions, snap.impressions);
    assert.equal(d.reach, null);
    assert.ok(d.engagement_rate !== null);
    assert.ok(d.metrics_next_sync_at > new Date(), "next sync scheduled ahead");
  } finally {
    await setEmulatorClock(x.origin);
    await sql.end();
  }
});

Deno.test("a failed read is recorded as a failure, never as zeros; nothing due -> idle run", async () => {
  const sql = connect();
  const x = emulatorFor("x");
  try {
    await resetQueue(sql);
    // The platform answers 503 (a post it has never seen would be marked removed_on_platform instead).
    await x.addFault({ mode: "5xx", status: 503, method: "GET", path: "/2/tweets/" });
    const id = await insertPublished(sql, {
      client_id: DEMO_CLIENT,
      platform_id: PLATFORM_IDS.x,
      external_id: "999999999999",
    });
    await sql`update public.distributions set metrics_next_sync_at = now() - interval '1 second'
              where id = ${id}`;
    const { body } = await invokeService("metrics", { budget_ms: 10_000 });
    assert.equal(body.failed, 1, JSON.stringify(body));
    assert.equal(body.recorded, 0);
    const snaps =
      await sql`select 1 from public.distribution_metrics where distribution_id = ${id}`;
    assert.equal(snaps.length, 0, "no snapshot for a failed read");
    const [d] = await sql`select impressions, metrics_sync_failures, metrics_last_error
                          from public.distributions where id = ${id}`;
    assert.equal(d.impressions, null);
    assert.equal(d.metrics_sync_failures, 1);
    assert.ok(d.metrics_last_error);
    const idle = await invokeService("metrics", { budget_ms: 5_000 });
    assert.equal(idle.body.claimed, 0);
  } finally {
    await x.clearFaults();
    await sql.end();
  }
});

Deno.test("the metrics function refuses anything but the service role", async () => {
  const res = await fetch(stack.functionUrl("metrics"), {
    method: "POST",
    headers: { authorization: `Bearer ${stack.anonKey}`, "content-type": "application/json" },
    body: "{}",
  });
  await res.body?.cancel();
  assert.equal(res.status, 403);
});
