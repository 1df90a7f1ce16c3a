// A batch of publish outcomes whose posts fail takes the calendar rollup's bucket locks of those posts'
// platforms before it changes any row: two batches failing posts on the same buckets in opposite orders
// would otherwise each hold one bucket and wait for the other's (a deadlock the burst hit).
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { createTenant } from "../scheduling/helpers.ts";

/** A post of the platform, publishing under an attempt (as a claim leaves it). */
async function publishing(sql: ReturnType<typeof connect>, clientId: string, platformId: string) {
  const [row] = await sql`
    insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for)
    values (${clientId}, ${platformId}, 'manual', 'a post', 'scheduled', now() + interval '1 day')
    returning id`;
  const [claimed] = await sql`
    update public.distributions set status = 'publishing', attempt_id = gen_random_uuid(),
      attempt_started_at = now(), lease_expires_at = now() + interval '5 minutes'
    where id = ${row.id} returning id, attempt_id`;
  return { id: String(claimed.id), attempt_id: String(claimed.attempt_id) };
}

Deno.test("failing posts: the outcome waits for their calendar buckets before it updates a row", async () => {
  const sql = connect(4);
  const holder = await sql.reserve();
  const writer = await sql.reserve();
  try {
    const tenant = await createTenant(sql, [{ kind: "x" }, { kind: "x" }]);
    const [failing, succeeding] = [
      await publishing(sql, tenant.clientId, tenant.platforms[0]),
      await publishing(sql, tenant.clientId, tenant.platforms[1]),
    ];
    await holder`begin`;
    await holder`select private.lock_publishing_calendar_buckets(${[tenant.platforms[0]]}::uuid[])`;

    const [{ pid }] = await writer`select pg_backend_pid() as pid`;
    await writer`begin`;
    const outcomes = [
      { ...failing, outcome: "permanent", message: "refused" },
      { ...succeeding, outcome: "published", external_id: "x-1", external_url: "https://x/1" },
    ];
    const recorded = writer`select private.record_publish_outcomes(${sql.json(outcomes)}) as id`
      .execute();

    // Wait (no timing: the server says so) until the writer waits for the held bucket.
    for (;;) {
      const [state] = await sql`select wait_event_type, wait_event from pg_stat_activity
                                where pid = ${pid}`;
      if (state?.wait_event_type === "Lock" && state?.wait_event === "advisory") break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const rowLocks = await sql`
      select mode from pg_locks
      where pid = ${pid} and relation = 'public.distributions'::regclass and mode = 'RowExclusiveLock'`;
    assert.equal(rowLocks.length, 0, "no row of distributions is being updated while it waits");

    await holder`commit`;
    assert.equal((await recorded).length, 2);
    await writer`commit`;
    const rows = await sql`select id, status::text from public.distributions
                           where id in ${sql([failing.id, succeeding.id])}`;
    const status = Object.fromEntries(rows.map((r) => [String(r.id), r.status]));
    assert.deepEqual(status, { [failing.id]: "failed", [succeeding.id]: "published" });
  } finally {
    holder.release();
    writer.release();
    await sql.end();
  }
});
