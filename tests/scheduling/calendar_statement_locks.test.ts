// A statement that changes the calendar of many posts takes the calendar rollup's bucket locks of all of them at
// once, in bucket order, before it touches a calendar row. Two bulk writers of the same buckets whose rows come in
// opposite orders then both commit: the second waits for the first's buckets holding none of its own, instead of
// holding one bucket and waiting for another (a deadlock Postgres ends by aborting one of them).
import assert from "node:assert/strict";
import type postgres from "postgres";
import { connect } from "../_support/stack.ts";
import { createTenant } from "./helpers.ts";

const ROLLUP_LOCKS = "hashtext('publishing_calendar_rollups')";

/** Two platforms of a new client in two different buckets, the lower bucket first. */
async function twoBuckets(sql: postgres.Sql) {
  const tenant = await createTenant(sql, [{ kind: "x" }, { kind: "x" }, { kind: "x" }, {
    kind: "x",
  }]);
  const buckets = await sql`
    select p.id::text as id, (hashtextextended(p.id::text, 0) & 255)::int as bucket
    from unnest(${tenant.platforms}::uuid[]) p(id) order by 2`;
  const [low, high] = [buckets[0], buckets.find((b) => b.bucket !== buckets[0].bucket)!];
  return {
    clientId: tenant.clientId,
    low: { id: String(low.id), bucket: Number(low.bucket) },
    high: { id: String(high.id), bucket: Number(high.bucket) },
  };
}

/** A scheduled post (it holds a calendar slot) `hours` from now, at a whole minute. */
async function post(sql: postgres.Sql, clientId: string, platformId: string, hours: number) {
  const [row] = await sql`
    insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for)
    values (${clientId}, ${platformId}, 'manual', 'a post', 'scheduled',
            date_trunc('minute', now()) + make_interval(hours => ${hours}))
    returning id`;
  return String(row.id);
}

/** Waits (no timing: the server says so) until the backend waits for an advisory lock. */
async function waitsForAdvisoryLock(sql: postgres.Sql, pid: number) {
  // (bounded only so that a writer that never waits fails the test instead of hanging the suite)
  for (let look = 0; look < 3000; look++) {
    const [state] =
      await sql`select wait_event_type, wait_event, state from pg_stat_activity where pid = ${pid}`;
    if (state?.wait_event_type === "Lock" && state?.wait_event === "advisory") return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the writer never waited for a calendar bucket");
}

/** The rollup rows of these platforms against the plain query over their calendar. */
async function rollupMatchesCalendar(sql: postgres.Sql, platformIds: string[]) {
  const [diff] = await sql`
    with rollup as (
      select platform_id, date, timezone, scheduled_posts, time_slots from public.publishing_calendar_rollups
      where platform_id = any (${platformIds}::uuid[])
    ), plain as (
      select platform_id, date, timezone, count(distribution_id) as scheduled_posts,
             array_agg(time_slot order by time_slot) as time_slots
      from public.publishing_calendar where platform_id = any (${platformIds}::uuid[])
      group by platform_id, date, timezone
    )
    select (select count(*) from (select * from rollup except select * from plain) x)::int as extra,
           (select count(*) from (select * from plain except select * from rollup) x)::int as missing`;
  assert.deepEqual(
    diff,
    { extra: 0, missing: 0 },
    "the rollup equals the plain query over the calendar",
  );
}

/**
 * The holder changes a post on the low bucket and keeps its transaction open. The writer's bulk statement changes
 * a post on the high bucket first and one on the low bucket second (`bulk` gets them in that order). It must wait
 * for the low bucket before any calendar row or bucket of its own; the holder then changes a post on the high
 * bucket (the other order) and commits, and the writer commits too.
 */
async function oppositeOrders(
  bulk: (tx: postgres.ReservedSql, ids: string[]) => Promise<unknown>,
  expected: (
    ids: { high: string; low: string },
  ) => Record<string, { status: string; moved: boolean } | null>,
  { slotsFirst = true } = {},
) {
  const sql = connect(4);
  const holder = await sql.reserve();
  const writer = await sql.reserve();
  try {
    const { clientId, low, high } = await twoBuckets(sql);
    const holderLow = await post(sql, clientId, low.id, 24);
    const holderHigh = await post(sql, clientId, high.id, 25);
    const writerHigh = await post(sql, clientId, high.id, 26);
    const writerLow = await post(sql, clientId, low.id, 27);
    const before = Object.fromEntries(
      (await sql`select id::text, scheduled_for from public.distributions
                 where client_id = ${clientId}`).map((r) => [r.id, r.scheduled_for.getTime()]),
    );

    await holder`begin`;
    await holder`update public.distributions set scheduled_for = scheduled_for + interval '2 days'
                 where id = ${holderLow}`;

    const [{ pid }] = await writer`select pg_backend_pid() as pid`;
    await writer`begin`;
    const written = bulk(writer, [writerHigh, writerLow]);
    await waitsForAdvisoryLock(sql, pid);

    const locks = await sql`
      select locktype, mode, granted, objid::int as bucket, relation::regclass::text as relation
      from pg_locks where pid = ${pid}
        and ((locktype = 'advisory' and classid::int = ${sql.unsafe(ROLLUP_LOCKS)})
             or relation in ('public.publishing_calendar'::regclass, 'public.publishing_calendar_rollups'::regclass))`;
    assert.deepEqual(
      locks.filter((l) => l.locktype === "advisory").map((l) => [l.bucket, l.granted]),
      [[low.bucket, false]],
      "the writer waits for the low bucket and holds no bucket",
    );
    assert.deepEqual(
      locks.filter((l) =>
        l.locktype === "relation" && l.mode === "RowExclusiveLock" &&
        (slotsFirst || l.relation === "publishing_calendar_rollups")
      ),
      [],
      slotsFirst
        ? "the writer has changed no calendar row and no rollup row"
        : "the writer has changed no rollup row",
    );

    // The holder now takes the high bucket: the writer does not hold it.
    await holder`update public.distributions set scheduled_for = scheduled_for + interval '2 days'
                 where id = ${holderHigh}`;
    await holder`commit`;
    await written;
    await writer`commit`;

    const rows = await sql`
      select d.id::text, d.status::text, d.scheduled_for, count(pc.id)::int as slots
      from public.distributions d left join public.publishing_calendar pc on pc.distribution_id = d.id
      where d.client_id = ${clientId} group by d.id`;
    const seen = Object.fromEntries(rows.map((r) => [r.id, {
      status: r.status,
      moved: r.scheduled_for.getTime() !== before[r.id],
      slots: r.slots,
    }]));
    const want: Record<string, { status: string; moved: boolean; slots: number }> = {
      [holderLow]: { status: "scheduled", moved: true, slots: 1 },
      [holderHigh]: { status: "scheduled", moved: true, slots: 1 },
    };
    for (const [id, w] of Object.entries(expected({ high: writerHigh, low: writerLow }))) {
      if (w) want[id] = { ...w, slots: w.status === "scheduled" ? 1 : 0 };
    }
    assert.deepEqual(seen, want);
    await rollupMatchesCalendar(sql, [low.id, high.id]);
  } finally {
    holder.release();
    writer.release();
    await sql.end();
  }
}

Deno.test("a bulk reschedule waits for all its calendar buckets, in order, before it changes a slot", async () => {
  await oppositeOrders(
    (tx, [first, second]) =>
      tx`update public.distributions d set scheduled_for = d.scheduled_for + interval '3 days'
         from (select * from unnest(${[first, second]}::uuid[]) with ordinality) v(id, n)
         where d.id = v.id`.execute(),
    ({ high, low }) => ({
      [high]: { status: "scheduled", moved: true },
      [low]: { status: "scheduled", moved: true },
    }),
  );
});

Deno.test("a bulk cancel waits for all its calendar buckets, in order, before it frees a slot", async () => {
  await oppositeOrders(
    (tx, [first, second]) =>
      tx`update public.distributions d set status = 'cancelled'
         from (select * from unnest(${[first, second]}::uuid[]) with ordinality) v(id, n)
         where d.id = v.id`.execute(),
    ({ high, low }) => ({
      [high]: { status: "cancelled", moved: false },
      [low]: { status: "cancelled", moved: false },
    }),
  );
});

// A delete frees its posts' slots row by row (the foreign key and the slot trigger) before its statement ends; the
// rollup waits until then and takes every bucket at once, in order, holding none while it waits.
Deno.test("a bulk delete takes all its calendar buckets at once, in order, at its end", async () => {
  await oppositeOrders(
    (tx, [first, second]) =>
      tx`delete from public.distributions d
         using (select * from unnest(${[first, second]}::uuid[]) with ordinality) v(id, n)
         where d.id = v.id`.execute(),
    ({ high, low }) => ({ [high]: null, [low]: null }),
    { slotsFirst: false },
  );
});
