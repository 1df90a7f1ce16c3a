// optimize through the API: the caller's horizon decides how far ahead the best slot is looked for, and
// a platform whose slots are full up to the client's optimize_max_days_ahead answers 409 naming the limit.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { api, createTenant } from "./helpers.ts";

const content = { body: "What the launch changes for our customers." };

Deno.test("optimize looks for the best slot within horizon_days", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x", timezone: "UTC" }]);
    // Only one hour of the week is worth posting at: the same hour, three days from now.
    const peak = new Date(Date.now() + 3 * 86_400_000);
    await sql`insert into public.platform_patterns (client_id, platform_id, pattern_type, pattern_name,
                                                    pattern_template)
              values (${t.clientId}, ${t.platforms[0]}, 'timing', 'optimal_posting_times',
                      ${
      JSON.stringify([{ day_of_week: peak.getUTCDay(), hour: peak.getUTCHours(), score: 1 }])
    })`;
    const week = await api(t.token, "POST", "", {
      content,
      platform_ids: t.platforms,
      optimize: true,
    });
    assert.equal(week.status, 201, JSON.stringify(week.body));
    const at = new Date(week.body.results[0].distributions[0].scheduled_for);
    assert.equal(at.getUTCDay(), peak.getUTCDay(), "the peak's day, within the default week");
    assert.equal(at.getUTCHours(), peak.getUTCHours());

    const day = await api(t.token, "POST", "", {
      content,
      platform_ids: t.platforms,
      optimize: true,
      horizon_days: 1,
    });
    assert.equal(day.status, 201, JSON.stringify(day.body));
    const soon = new Date(day.body.results[0].distributions[0].scheduled_for);
    assert.ok(soon.getTime() < Date.now() + 86_400_000, "within the one-day horizon");

    const bad = await api(t.token, "POST", "", {
      content,
      platform_ids: t.platforms,
      at: new Date(Date.now() + 86_400_000).toISOString(),
      horizon_days: 3,
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.details.map((d: { field: string }) => d.field), ["horizon_days"]);

    // The horizon is 1 to 730 whole days; a request outside that is refused before anything is written.
    for (const horizon_days of [0, 731, 1.5]) {
      const outside = await api(t.token, "POST", "", {
        content,
        platform_ids: t.platforms,
        optimize: true,
        horizon_days,
      });
      assert.equal(outside.status, 400, `${horizon_days}: ${JSON.stringify(outside.body)}`);
      assert.deepEqual(outside.body.details.map((d: { field: string }) => d.field), [
        "horizon_days",
      ]);
    }
    const [{ count }] = await sql`select count(*)::int as count from public.distributions
                                   where client_id = ${t.clientId}`;
    assert.equal(count, 2, "only the two scheduled above");
  } finally {
    await sql.end();
  }
});

Deno.test("a platform full up to optimize_max_days_ahead answers 409 naming the limit, writing nothing", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x", timezone: "UTC", posts_per_day: 1 }]);
    await sql`update public.clients set optimize_max_days_ahead = 2 where id = ${t.clientId}`;
    await sql`insert into public.distributions (client_id, content_type, platform_id, body, status,
                                                scheduled_for, timezone)
              select ${t.clientId}, 'manual', ${t.platforms[0]}, 'day ' || d, 'scheduled',
                     now() + interval '1 hour' + make_interval(days => d), 'UTC'
              from generate_series(0, 2) d`;
    const reply = await api(t.token, "POST", "", {
      content,
      platform_ids: t.platforms,
      optimize: true,
    });
    assert.equal(reply.status, 409, JSON.stringify(reply.body));
    const [error] = reply.body.results[0].errors;
    assert.equal(error.field, "optimize");
    assert.match(error.message, /no free slot within 2 days.*posts_per_day limit \(1\)/);
    const [{ n }] = await sql`select count(*)::int as n from public.distributions
      where platform_id = ${t.platforms[0]}`;
    assert.equal(n, 3, "nothing written");

    // Rescheduling one of them with optimize: the same limit, the same status.
    const [row] = await sql`select id from public.distributions where platform_id = ${
      t.platforms[0]
    }
      order by scheduled_for desc limit 1`;
    await sql`update public.distributions set scheduled_for = now() + interval '30 days'
      where id = ${row.id}`;
    const moved = await api(t.token, "POST", `/distributions/${row.id}/reschedule`, {
      optimize: true,
    });
    assert.equal(moved.status, 409, JSON.stringify(moved.body));
    assert.match(JSON.stringify(moved.body), /posts_per_day limit \(1\)/);
  } finally {
    await sql.end();
  }
});
