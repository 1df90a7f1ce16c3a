// The schedule API's timing against the test stack: publish now, retry of a failed row, the
// staggered cross-post strategy, and an explicit `at` that conflicts (refused with the reason, or
// moved to the nearest allowed time with `nearest: true`).
import assert from "node:assert/strict";
import { connect, eventually } from "../_support/stack.ts";
import { insertDue } from "../_support/queue.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { contentFor } from "../../dev/demo-content.ts";
import { api, createTenant, future } from "./helpers.ts";

const MINUTE = 60_000;
const plus = (at: string, minutes: number) =>
  new Date(Date.parse(at) + minutes * MINUTE).toISOString();
const near = (a: Date | string, b: number, slackMs = MINUTE) =>
  Math.abs(new Date(a).getTime() - b) <= slackMs;

async function scheduleOne(token: string, platformId: string, at: string): Promise<string> {
  const reply = await api(token, "POST", "", {
    content: { body: "A post." },
    platform_ids: [platformId],
    at,
  });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.results[0].distributions[0].id;
}

Deno.test("retry: a failed row is scheduled again, now, with a fresh retry budget", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const id = await scheduleOne(t.token, t.platforms[0], future(5));
    // What the publisher does when the last attempt fails: publishing -> failed.
    await sql`update public.distributions
                 set status = 'publishing', attempt_id = gen_random_uuid(),
                     attempt_started_at = now(), lease_expires_at = now() + interval '2 minutes'
               where id = ${id}`;
    await sql`update public.distributions
                 set status = 'failed', attempt_id = null, lease_expires_at = null, retry_count = 5,
                     error_message = 'HTTP 503 from the platform',
                     next_attempt_at = now() + interval '1 hour'
               where id = ${id}`;

    const reply = await api(t.token, "POST", `/distributions/${id}/retry`);
    const now = Date.now();
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.ok, true, JSON.stringify(reply.body));
    assert.equal(reply.body.distribution.status, "scheduled");
    assert.ok(reply.body.distribution.calendar_slot, "a calendar slot again");

    const [row] =
      await sql`select status, scheduled_for, retry_count, error_message, next_attempt_at
                              from public.distributions where id = ${id}`;
    assert.equal(row.status, "scheduled");
    assert.equal(row.retry_count, 0, "a fresh retry budget");
    assert.equal(row.error_message, null);
    assert.equal(row.next_attempt_at, null);
    assert.ok(near(row.scheduled_for, now), String(row.scheduled_for));

    const again = await api(t.token, "POST", `/distributions/${id}/retry`);
    assert.equal(again.status, 409, "a scheduled row cannot be retried");
    assert.match(again.body.error, /scheduled -> scheduled/);
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: staggered cross-post -> members spaced by stagger_minutes in the given order", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }, { kind: "linkedin" }, { kind: "x" }]);
    const [p0, p1, p2] = t.platforms;
    const order = [p2, p0, p1];
    const at = future(7);
    const reply = await api(t.token, "POST", "", {
      content: { body: "Staggered launch." },
      platform_ids: t.platforms,
      at,
      cross_post: { strategy: "staggered", stagger_minutes: 45, order, name: "Launch" },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.deepEqual(reply.body.results.map((r: { platform_id: string }) => r.platform_id), order);
    const rows = await sql`select platform_id, scheduled_for, cross_post_group_id
                             from public.distributions where client_id = ${t.clientId}`;
    const when = new Map(rows.map((r) => [r.platform_id, r.scheduled_for.toISOString()]));
    assert.deepEqual(order.map((id) => when.get(id)), [at, plus(at, 45), plus(at, 90)]);
    const [group] = await sql`select timing_strategy, stagger_minutes, name
                                from public.cross_post_groups where client_id = ${t.clientId}`;
    assert.deepEqual({ ...group }, {
      timing_strategy: "staggered",
      stagger_minutes: 45,
      name: "Launch",
    });

    // Optimized first member; the others follow it, stagger_minutes apart, in the given order.
    const o = await createTenant(sql, [{ kind: "x" }, { kind: "linkedin" }, { kind: "x" }]);
    const optimized = await api(o.token, "POST", "", {
      content: { body: "Staggered, optimized." },
      platform_ids: o.platforms,
      optimize: true,
      cross_post: {
        strategy: "staggered",
        stagger_minutes: 20,
        order: [o.platforms[1], o.platforms[2], o.platforms[0]],
      },
    });
    assert.equal(optimized.status, 201, JSON.stringify(optimized.body));
    const times = optimized.body.results.map((r: { distributions: { scheduled_for: string }[] }) =>
      Date.parse(r.distributions[0].scheduled_for)
    );
    assert.deepEqual(
      times.map((t: number) => (t - times[0]) / MINUTE),
      [0, 20, 40],
      JSON.stringify(optimized.body),
    );
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: an explicit `at` that conflicts is refused with the reason, or moved with nearest", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x", posts_per_hour: 1 }, { kind: "linkedin" }]);
    const [x, linkedin] = t.platforms;
    const at = future(6);
    await scheduleOne(t.token, x, at);
    const later = plus(at, 10);
    await scheduleOne(t.token, linkedin, later);

    // A limit: X already has a post in that hour.
    const limited = await api(t.token, "POST", "", {
      content: { body: "Too soon." },
      platform_ids: [x],
      at: later,
    });
    assert.equal(limited.status, 400, JSON.stringify(limited.body));
    assert.deepEqual(limited.body.results, [{
      platform_id: x,
      ok: false,
      errors: [{ field: "at", message: "posts_per_hour limit (1) reached" }],
    }]);

    // A taken slot: LinkedIn already posts at that very time.
    const taken = await api(t.token, "POST", "", {
      content: { body: "Same minute." },
      platform_ids: [linkedin],
      at: later,
    });
    assert.equal(taken.status, 400, JSON.stringify(taken.body));
    assert.equal(taken.body.results[0].errors[0].field, "at");
    assert.match(taken.body.results[0].errors[0].message, /^slot taken: /);

    // Only the platform that conflicts fails: 207.
    const o = await createTenant(sql, [{ kind: "x", posts_per_hour: 1 }, { kind: "linkedin" }]);
    await scheduleOne(o.token, o.platforms[0], at);
    const mixed = await api(o.token, "POST", "", {
      content: { body: "Cross-post." },
      platform_ids: o.platforms,
      at: later,
    });
    assert.equal(mixed.status, 207, JSON.stringify(mixed.body));
    assert.deepEqual(mixed.body.results.map((r: { ok: boolean }) => r.ok), [false, true]);
    assert.equal(mixed.body.results[0].errors[0].message, "posts_per_hour limit (1) reached");
    const [count] = await sql`select count(*)::int as n from public.distributions
                               where platform_id = ${o.platforms[0]}`;
    assert.equal(count.n, 1, "nothing written for the refused platform");

    // With nearest: accepted at the nearest allowed time, and a note says why.
    for (
      const [platform, expected, reason] of [
        [x, plus(at, 60), /posts_per_hour limit \(1\) reached/],
        [linkedin, plus(later, 1), /slot taken/],
      ] as const
    ) {
      const moved = await api(t.token, "POST", "", {
        content: { body: "Whenever it fits." },
        platform_ids: [platform],
        at: later,
        nearest: true,
      });
      assert.equal(moved.status, 201, JSON.stringify(moved.body));
      const d = moved.body.results[0].distributions[0];
      assert.equal(Date.parse(d.scheduled_for), Date.parse(expected), JSON.stringify(d));
      assert.match(d.note, reason);
      assert.match(d.note, /moved to the nearest allowed time/);
      assert.match(d.note, new RegExp(`^${later.replace(".000Z", "Z")} was not allowed`));
    }
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: an `at` of the current second or a few seconds ago means now; minutes ago is in the past", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }, { kind: "linkedin" }, { kind: "x" }]);
    const [x, linkedin, other] = t.platforms;
    const secondsAgo = (s: number) =>
      new Date(Math.floor(Date.now() / 1000) * 1000 - s * 1000).toISOString();

    for (const [platform, at] of [[x, secondsAgo(0)], [linkedin, secondsAgo(5)]]) {
      const asked = Date.parse(at);
      const reply = await api(t.token, "POST", "", {
        content: { body: "Right now." },
        platform_ids: [platform],
        at,
      });
      assert.equal(reply.status, 201, `${at}: ${JSON.stringify(reply.body)}`);
      const scheduled = Date.parse(reply.body.results[0].distributions[0].scheduled_for);
      assert.ok(scheduled >= asked, `scheduled for now (${scheduled}), not before ${at}`);
      assert.ok(scheduled <= Date.now(), "not later than now either");
    }

    const stale = secondsAgo(300);
    const refused = await api(t.token, "POST", "", {
      content: { body: "Five minutes late." },
      platform_ids: [x],
      at: stale,
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.deepEqual(refused.body.results[0].errors, [
      { field: "at", message: `${stale.replace(".000Z", "Z")} is in the past` },
    ]);

    // Rescheduling to the current second is "now" too.
    const id = await scheduleOne(t.token, other, future(5));
    const at = secondsAgo(0);
    const moved = await api(t.token, "POST", `/distributions/${id}/reschedule`, { at });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.ok(Date.parse(moved.body.distribution.scheduled_for) >= Date.parse(at));
  } finally {
    await sql.end();
  }
});

// publish-now wakes a publish run: these come last, so the run it starts has only their rows to take.
Deno.test("publish-now: a scheduled row is scheduled for now", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const id = await scheduleOne(t.token, t.platforms[0], future(5));
    const reply = await api(t.token, "POST", `/distributions/${id}/publish-now`);
    const now = Date.now();
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.ok, true, JSON.stringify(reply.body));
    assert.equal(reply.body.distribution.status, "scheduled");
    assert.ok(
      near(reply.body.distribution.scheduled_for, now),
      reply.body.distribution.scheduled_for,
    );
    assert.ok(reply.body.distribution.calendar_slot, "its calendar slot moved with it");

    // The woken publisher may already be at it: the row is due now, whatever it became since.
    const [row] = await sql`select scheduled_for from public.distributions where id = ${id}`;
    assert.ok(near(row.scheduled_for, now), String(row.scheduled_for));
  } finally {
    await sql.end();
  }
});

Deno.test("publish-now wakes the publisher: one pg_net call to /functions/v1/publish, sent on commit; a second within two seconds is the same wake", async () => {
  const sql = connect();
  try {
    // two platforms: both rows due now, neither in the other's slot
    const t = await createTenant(sql, [{ kind: "x" }, { kind: "x" }]);
    const first = await scheduleOne(t.token, t.platforms[0], future(5));
    const second = await scheduleOne(t.token, t.platforms[1], future(5));
    // Repeatable read: the count sees this transaction's queued calls and none the cron job queues.
    const queued = await sql.begin("isolation level repeatable read", async (tx) => {
      const [before] = await tx`select coalesce(max(id), 0) as id from net.http_request_queue`;
      await tx.unsafe("set local role authenticated");
      const claims = { sub: t.userId, role: "authenticated", aud: "authenticated" };
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      for (const id of [first, second]) {
        const [{ result }] =
          await tx`select public.publish_distribution_now(${id}::uuid) as result`;
        assert.equal(result.ok, true, JSON.stringify(result));
      }
      await tx.unsafe("reset role");
      return await tx`select url, method from net.http_request_queue
                       where id > ${before.id} and url like '%/functions/v1/publish'`;
    });
    assert.equal(queued.length, 1, JSON.stringify(queued));
    assert.equal(queued[0].method, "POST");
  } finally {
    await sql.end();
  }
});

Deno.test("a member cannot wake the publisher for another client", async () => {
  const sql = connect();
  try {
    const a = await createTenant(sql, []);
    const b = await createTenant(sql, []);
    const refused = await sql.begin(async (tx) => {
      await tx.unsafe("set local role authenticated");
      const claims = { sub: a.userId, role: "authenticated", aud: "authenticated" };
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      await tx`select scheduling.wake_publisher(${b.clientId}::uuid)`;
      return null;
    }).catch((error: { code?: string }) => error);
    assert.equal(refused?.code, "42501", JSON.stringify(refused));
    const [woken] = await sql`select count(*)::int as n from private.publisher_wake
                               where client_id = ${b.clientId}`;
    assert.equal(woken.n, 0);
  } finally {
    await sql.end();
  }
});

Deno.test("publish-now: a post scheduled days ahead goes out now", async () => {
  const sql = connect();
  try {
    const content = contentFor("x", `publish-now ${crypto.randomUUID()}`, emulatorFor("x").origin);
    const [id] = await insertDue(sql, [{
      platform_id: PLATFORM_IDS.x,
      ...content,
      dueIn: 3 * 86_400,
    }]);
    const [{ result }] = await sql`select public.publish_distribution_now(${id}::uuid) as result`;
    assert.equal(result.ok, true, JSON.stringify(result));
    const published = await eventually(
      async () => {
        const [r] = await sql`select status, external_id from public.distributions
                               where id = ${id}`;
        return r.status === "published" ? r : undefined;
      },
      90_000,
      "the post to be published",
    );
    assert.ok(published.external_id);
  } finally {
    await sql.end();
  }
});
