// 50 parallel schedule requests to one rate-limited platform: every request gets its own slot and
// together they never break posts_per_hour, posts_per_day or min_interval_minutes (checked in the DB).
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { api, createTenant } from "./helpers.ts";

const PER_HOUR = 3;
const PER_DAY = 12;
const MIN_INTERVAL_MINUTES = 10;
const REQUESTS = 50;

Deno.test("50 parallel requests to one platform get distinct slots within its limits", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{
      kind: "x",
      posts_per_hour: PER_HOUR,
      posts_per_day: PER_DAY,
      min_interval_minutes: MIN_INTERVAL_MINUTES,
    }]);
    const replies = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        api(t.token, "POST", "", {
          content: { body: `Parallel post number ${i}.` },
          platform_ids: t.platforms,
          optimize: true,
        })),
    );
    const statuses = replies.map((r) => r.status);
    assert.deepEqual(
      statuses.filter((s) => s !== 201),
      [],
      JSON.stringify(replies.find((r) => r.status !== 201)?.body),
    );

    const rows = await sql`
      select d.id, d.scheduled_for, c.id as slot_id, c.date, c.time_slot
        from public.distributions d
        left join public.publishing_calendar c on c.distribution_id = d.id
       where d.client_id = ${t.clientId} and d.status = 'scheduled'
       order by d.scheduled_for`;
    assert.equal(rows.length, REQUESTS);
    assert.ok(rows.every((r) => r.slot_id), "every distribution holds a calendar slot");
    assert.equal(new Set(rows.map((r) => r.slot_id)).size, REQUESTS, "distinct calendar slots");
    const times = rows.map((r) => (r.scheduled_for as Date).getTime());
    assert.equal(new Set(times).size, REQUESTS, "distinct times");
    assert.ok(times[0] > Date.now() - 60_000, "nothing in the past");

    for (let i = 1; i < times.length; i++) {
      assert.ok(
        times[i] - times[i - 1] >= MIN_INTERVAL_MINUTES * 60_000,
        `min interval broken between ${new Date(times[i - 1]).toISOString()} and ${
          new Date(times[i]).toISOString()
        }`,
      );
    }
    const within = (start: number, ms: number) => times.filter((x) => x >= start && x < start + ms);
    for (const start of times) {
      assert.ok(within(start, 3_600_000).length <= PER_HOUR, "posts_per_hour");
      assert.ok(within(start, 86_400_000).length <= PER_DAY, "posts_per_day");
    }
  } finally {
    await sql.end();
  }
});
