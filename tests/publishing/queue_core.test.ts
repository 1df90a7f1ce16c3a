// The queue core (SQL claim/record + the runner) with scriptable in-memory platforms: exactly once
// through overlaps, crashes, lost answers, retries, rate limits and auth failures.
import assert from "node:assert/strict";
import { claimDue } from "../../supabase/functions/_shared/publishing/queue.ts";
import { jsonb } from "../../supabase/functions/_shared/db.ts";
import { runPublisher } from "../../supabase/functions/_shared/publishing/runner.ts";
import type { RunOptions } from "../../supabase/functions/_shared/publishing/run-options.ts";
import { runAttempt } from "../../supabase/functions/_shared/publishing/attempt.ts";
import { connect, eventually } from "../_support/stack.ts";
import {
  fakeDirectory,
  FakePlatform,
  insertDue,
  resetQueue,
  transient,
  X,
} from "../_support/queue.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";

// Runs that stop once idle: each ends when nothing is left for it to claim. The wall-clock budget is
// only a bound that never binds here, so that a slow moment of a shared machine (a stalled commit)
// cannot end a run early; the tests about the budget set their own.
const quick: RunOptions = {
  budgetMs: 30_000,
  batchSize: 50,
  lanes: 2,
  leaseSeconds: 30,
  idlePollMs: 50,
  exitWhenIdle: true,
};

/** Runs `fn` with `connections` connections to an emptied queue; always disconnects. */
async function withQueue(
  connections: number,
  fn: (sql: ReturnType<typeof connect>) => Promise<void>,
): Promise<void> {
  const sql = connect(connections);
  try {
    await resetQueue(sql);
    await fn(sql);
  } finally {
    await sql.end();
  }
}

async function rows(sql: ReturnType<typeof connect>, ids: string[]) {
  return await sql`select id, status, retry_count, external_id, error_message, published_at,
      scheduled_for from public.distributions where id = any(${ids}) order by scheduled_for, id`;
}

/** Every row of `ids` went to the platform once (each body once) and is published. */
async function assertSentOnceAndPublished(
  sql: ReturnType<typeof connect>,
  fake: FakePlatform,
  ids: string[],
) {
  assert.equal(fake.publishCalls.length, ids.length, "each row sent once");
  assert.equal(new Set(fake.publishCalls.map((c) => c.body)).size, ids.length);
  const after = await rows(sql, ids);
  assert.equal(after.filter((r) => r.status === "published").length, ids.length);
}

Deno.test("due rows on every platform are each published once, with their external ids", () =>
  withQueue(8, async (sql) => {
    const fake = new FakePlatform();
    const ids = await insertDue(
      sql,
      Object.values(PLATFORM_IDS).flatMap((platform_id) =>
        Array.from({ length: 10 }, (_, i) => ({ platform_id, body: `post ${platform_id} ${i}` }))
      ),
    );
    const report = await runPublisher(sql, fakeDirectory({}, fake), quick);
    assert.equal(report.claimed, 80);
    assert.equal(fake.publishCalls.length, 80);
    assert.equal(new Set(fake.publishCalls.map((c) => c.body)).size, 80);
    const after = await rows(sql, ids);
    assert.ok(after.every((r) => r.status === "published" && r.external_id));
    const [platform] = await sql`select last_published_at from public.platforms where id = ${X}`;
    assert.ok(platform.last_published_at);
  }));

Deno.test("a run's max_in_flight caps the sends it holds across its lanes and platforms; each row goes out once", () =>
  withQueue(8, async (sql) => {
    // one platform adapter behind all eight platforms: it sees every send in flight at once
    const fake = new FakePlatform();
    fake.latencyMs = 20;
    const ids = await insertDue(
      sql,
      Object.values(PLATFORM_IDS).flatMap((platform_id) =>
        Array.from({ length: 6 }, (_, i) => ({ platform_id, body: `cap ${platform_id} ${i}` }))
      ),
    );
    // eight platforms x 4 send slots, two lanes of batches of 8: up to 32 at once without the cap
    const report = await runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      batchSize: 8,
      maxInFlight: 5,
    });
    assert.equal(report.maxInFlight, 5);
    assert.ok(report.peakInFlight <= 5, `held ${report.peakInFlight}`);
    assert.ok(fake.maxInFlight <= 5, `the platforms saw ${fake.maxInFlight} at once`);
    assert.equal(report.claimed, 48);
    await assertSentOnceAndPublished(sql, fake, ids);
  }));

Deno.test("a run whose CPU budget has room for only a sliver of a batch stops claiming and leaves the rest unclaimed", () =>
  withQueue(8, async (sql) => {
    const fake = new FakePlatform();
    const ids = await insertDue(
      sql,
      Array.from({ length: 80 }, (_, i) => ({ platform_id: X, body: `sliver ${i}` })),
    );
    // room for 40 posts at 1 ms each: the first claim (30) always goes; the 10 or fewer left are
    // under MIN_CLAIM (25), so the second lane claims none
    const report = await runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      batchSize: 30,
      cpuBudgetMs: 40,
      cpuMsPerPost: 1,
    });
    assert.equal(report.claimed, 30);
    assert.equal(report.stopped, "cpu_budget");
    const [{ n }] = await sql`select count(*)::int as n from public.distributions
      where id = any(${ids}) and status = 'scheduled' and attempt_id is null`;
    assert.equal(n, 50, "the rest waits unclaimed for the successor");
    const sent = await sql`select id from public.distributions
      where id = any(${ids}) and status = 'published'`;
    assert.equal(sent.length, 30);
    await assertSentOnceAndPublished(sql, fake, sent.map((r) => String(r.id)));
  }));

Deno.test("four overlapping runs publish every row exactly once", () =>
  withQueue(12, async (sql) => {
    const fake = new FakePlatform();
    const ids = await insertDue(
      sql,
      Object.values(PLATFORM_IDS).flatMap((platform_id) =>
        Array.from({ length: 50 }, (_, i) => ({ platform_id, body: `${platform_id}/${i}` }))
      ),
    );
    const reports = await Promise.all(
      Array.from(
        { length: 4 },
        () => runPublisher(sql, fakeDirectory({}, fake), { ...quick, batchSize: 20 }),
      ),
    );
    assert.equal(reports.reduce((n, r) => n + r.claimed, 0), 400);
    assert.equal(ids.length, 400);
    await assertSentOnceAndPublished(sql, fake, ids);
  }));

Deno.test("overlapping runs in one worker share a platform's send slots: never more than max_concurrency at once", () =>
  withQueue(8, async (sql) => {
    const fake = new FakePlatform();
    fake.latencyMs = 60;
    const ids = await insertDue(
      sql,
      Array.from({ length: 64 }, (_, i) => ({ platform_id: X, body: `slots ${i}` })),
    );
    // Two runs of two lanes, batches of 8: each run alone holds enough rows to fill four slots. The
    // first takes at most half the rows; the second starts once the first is sending and keeps
    // looking until its budget ends (an empty claim, made while the first run held the platform's
    // claim lock, does not end it), so both always send at the same time.
    const first = runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      batchSize: 8,
      maxPosts: 32,
    });
    while (fake.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    const second = runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      batchSize: 8,
      budgetMs: 2000,
      exitWhenIdle: false,
    });
    const reports = await Promise.all([first, second]);
    assert.ok(reports.every((r) => r.claimed > 0), "both runs sent rows");
    assert.equal(fake.maxInFlight, 4, "the platform's max_concurrency (4), not 4 per run");
    await assertSentOnceAndPublished(sql, fake, ids);
  }));

Deno.test("a run stops claiming at maxPosts: what it took goes out once, the rest waits unclaimed for the next run", () =>
  withQueue(8, async (sql) => {
    const fake = new FakePlatform();
    const ids = await insertDue(
      sql,
      Array.from({ length: 25 }, (_, i) => ({ platform_id: X, body: `capped ${i}` })),
    );
    const first = await runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      batchSize: 4,
      maxPosts: 10,
    });
    // (the report in the message: why the run stopped, should it stop short of the cap)
    assert.equal(
      first.claimed,
      10,
      `two lanes together claim exactly the cap: ${
        JSON.stringify({ stopped: first.stopped, capped: first.capped, ms: first.durationMs })
      }`,
    );
    assert.equal(first.capped, true);
    assert.equal(fake.publishCalls.length, 10);
    const waiting = await sql`select count(*)::int as n from public.distributions
      where id = any(${ids}) and status = 'scheduled' and attempt_id is null and lease_expires_at is null`;
    assert.equal(waiting[0].n, 15, "the rest is still scheduled, with no claim on it");
    const second = await runPublisher(sql, fakeDirectory({}, fake), quick);
    assert.equal(second.claimed, 15);
    assert.equal(second.capped, false);
    assert.equal(ids.length, 25);
    await assertSentOnceAndPublished(sql, fake, ids);
  }));

Deno.test("a worker that dies after the platform accepted: the next run reconciles, never resends", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    const ids = await insertDue(
      sql,
      [1, 2, 3].map((i) => ({ platform_id: X, body: `crash ${i}` })),
    );
    // The dying worker: claims with a 1 s lease, the platform accepts, and nothing is recorded.
    const claimed = await claimDue(sql, 10, 1);
    assert.equal(claimed.length, 3);
    for (const row of claimed) {
      await fake.publish({ body: row.body }, { attemptId: row.attempt_id });
    }
    assert.equal(fake.posts.size, 3);
    const stuck = await rows(sql, ids);
    assert.ok(stuck.every((r) => r.status === "publishing"));

    await new Promise((r) => setTimeout(r, 1100));
    const report = await runPublisher(sql, fakeDirectory({}, fake), quick);
    assert.equal(report.outcomes.published, 3);
    assert.equal(fake.publishCalls.length, 3, "no post was sent a second time");
    const after = await rows(sql, ids);
    assert.ok(after.every((r) => r.status === "published" && r.external_id));
    const attempts = await sql`select outcome, count(*)::int as n from public.distribution_attempts
      where distribution_id = any(${ids}) group by outcome order by outcome`;
    assert.deepEqual(attempts.map((a) => [a.outcome, a.n]), [["found", 3], ["published", 3]]);
  }));

Deno.test("an attempt longer than its lease keeps its row: an overlapping run takes nothing, the post goes once", () =>
  withQueue(6, async (sql) => {
    const fake = new FakePlatform();
    fake.latencyMs = 3500; // a large upload: longer than the 2 s lease
    const [id] = await insertDue(sql, [{ platform_id: X, body: "a long upload" }]);
    const long = { ...quick, budgetMs: 1500, leaseSeconds: 2 };
    const first = runPublisher(sql, fakeDirectory({}, fake), long);
    // past the first claim's 2 s: without its worker extending it, this run would reclaim the row, find
    // nothing on the platform yet, and send it again
    await new Promise((r) => setTimeout(r, 2500));
    const second = await runPublisher(sql, fakeDirectory({}, fake), {
      ...long,
      exitWhenIdle: false,
    });
    assert.equal(second.claimed, 0, "the overlapping run took nothing");
    assert.equal((await first).outcomes.published, 1);
    assert.equal(fake.publishCalls.length, 1, "sent once");
    const [after] = await rows(sql, [id]);
    assert.equal(after.status, "published");
    const attempts =
      await sql`select outcome from public.distribution_attempts where distribution_id = ${id}`;
    assert.deepEqual(attempts.map((a) => a.outcome), ["published"]);
  }));

Deno.test("a post whose workers keep stopping fails after max_lapses, unsent, with why; before that it is sent", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    const [stops, once] = await insertDue(sql, [
      { platform_id: X, body: "stops every worker" },
      { platform_id: PLATFORM_IDS.linkedin, body: "stopped twice" },
    ]);
    // Workers that die holding the rows: each claim lapses before anything is recorded.
    const dieHolding = async () => {
      await claimDue(sql, 10, 1);
      await new Promise((r) => setTimeout(r, 1100));
    };
    await dieHolding(); // the first claim
    await dieHolding(); // reclaimed: lapse 1
    await sql`update public.distributions set status = 'scheduled', attempt_id = null, lease_expires_at = null,
      attempt_started_at = null where id = ${once}`; // (as if its second worker released it)
    await sql`update public.distributions set scheduled_for = now() - interval '1 hour' where id = ${once}`;
    await dieHolding(); // the X row: lapse 2; the LinkedIn row: claimed afresh
    const report = await runPublisher(sql, fakeDirectory({}, fake), quick); // X: lapse 3; LinkedIn: lapse 2
    assert.equal(report.outcomes.permanent, 1);
    assert.equal(report.outcomes.published, 1);
    assert.deepEqual(
      fake.publishCalls.map((c) => c.body),
      ["stopped twice"],
      "the row at its limit is not sent",
    );
    const [failed] = await rows(sql, [stops]);
    assert.equal(failed.status, "failed");
    assert.match(failed.error_message, /stopped 3 times while publishing this post/);
    const lapsed = await sql`select distribution_id, lapses from private.lapsed_attempt_counts(${[
      stops,
      once,
    ]}::uuid[]) order by lapses`;
    assert.deepEqual(lapsed.map((r) => [r.distribution_id, r.lapses]), [[once, 2], [stops, 3]]);
  }));

Deno.test("a dead worker's attempt on a platform that cannot be asked becomes unconfirmed", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    fake.lookupSupported = false;
    const [id] = await insertDue(sql, [{ platform_id: X, body: "no lookup" }]);
    const [row] = await claimDue(sql, 10, 1);
    await fake.publish({ body: row.body }, { attemptId: row.attempt_id });
    await new Promise((r) => setTimeout(r, 1100));
    await runPublisher(sql, fakeDirectory({}, fake), quick);
    const [after] = await rows(sql, [id]);
    assert.equal(after.status, "unconfirmed");
    assert.match(after.error_message, /no way to ask/);
    assert.equal(fake.publishCalls.length, 1);
  }));

Deno.test("a lost answer is looked up at once and recorded as published, not resent", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    fake.behaviours = [{ kind: "lost_answer" }];
    const [id] = await insertDue(sql, [{ platform_id: X, body: "timeout" }]);
    await runPublisher(sql, fakeDirectory({}, fake), quick);
    const [after] = await rows(sql, [id]);
    assert.equal(after.status, "published");
    assert.equal(fake.publishCalls.length, 1);
  }));

Deno.test("5xx then success: published with retry_count 1", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    fake.behaviours = [{ kind: "fail", failure: transient() }];
    const [id] = await insertDue(sql, [{ platform_id: X, body: "flaky" }]);
    await runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      budgetMs: 4000,
      exitWhenIdle: false,
    });
    const [after] = await rows(sql, [id]);
    assert.equal(after.status, "published");
    assert.equal(after.retry_count, 1);
    assert.equal(fake.publishCalls.length, 2);
  }));

Deno.test("transient errors stop at the platform's max_attempts with the platform's message", () =>
  withQueue(4, async (sql) => {
    await sql`update public.platforms set publish_config = publish_config ||
      '{"max_attempts": 2, "retry_base_seconds": 0.2}'::jsonb where id = ${X}`;
    const fake = new FakePlatform();
    fake.behaviours = [1, 2, 3].map(() => ({
      kind: "fail",
      failure: transient("Service Unavailable"),
    }));
    const [id] = await insertDue(sql, [{ platform_id: X, body: "always down" }]);
    await runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      budgetMs: 2500,
      exitWhenIdle: false,
    });
    const [after] = await rows(sql, [id]);
    assert.equal(after.status, "failed");
    assert.equal(fake.publishCalls.length, 2);
    assert.match(after.error_message, /gave up after 2 attempts: Service Unavailable/);
  }));

Deno.test("a 429 pauses the platform until its reset: nothing is sent before it, then published", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    const resetAt = new Date(Date.now() + 1500);
    fake.behaviours = [{
      kind: "fail",
      failure: {
        ok: false,
        errorClass: "rate_limited",
        outcome: "not_applied",
        message: "Rate limit exceeded",
        status: 429,
        resetAt,
      },
    }];
    const [firstId] = await insertDue(sql, [{ platform_id: X, body: "first" }]);
    const run = runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      budgetMs: 3500,
      lanes: 1,
      exitWhenIdle: false,
    });
    // The second post falls due once the 429 is recorded, so it never shares the refused one's batch.
    await eventually(
      async () => {
        const [p] = await sql`select paused_until > now() as paused from public.platforms
        where id = ${X}`;
        return p.paused ? true : undefined;
      },
      10_000,
      "the platform to be paused",
    );
    const ids = [firstId, ...await insertDue(sql, [{ platform_id: X, body: "second" }])];
    await run;
    const [first, ...later] = fake.publishCalls;
    assert.equal(first.body, "first");
    assert.ok(later.length >= 2);
    for (const call of later) {
      assert.ok(call.at >= resetAt, `sent ${call.at.toISOString()} before reset`);
    }
    const after = await rows(sql, ids);
    assert.ok(after.every((r) => r.status === "published"));
    const [platform] = await sql`select paused_until from public.platforms where id = ${X}`;
    assert.equal(platform.paused_until.getTime(), resetAt.getTime());
  }));

Deno.test("a permanent error fails at once with the platform's message", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    const message = "You are not allowed to create a Tweet with duplicate content.";
    fake.behaviours = [{
      kind: "fail",
      failure: { ok: false, errorClass: "permanent", outcome: "not_applied", message, status: 403 },
    }];
    const [id] = await insertDue(sql, [{ platform_id: X, body: "dup" }]);
    await runPublisher(sql, fakeDirectory({}, fake), quick);
    const [after] = await rows(sql, [id]);
    assert.equal(after.status, "failed");
    assert.equal(after.error_message, message);
    assert.equal(after.retry_count, 0);
    assert.equal(fake.publishCalls.length, 1);
  }));

Deno.test("a revoked token fails the row, flags the platform, and its other rows wait", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    fake.behaviours = [{
      kind: "fail",
      failure: {
        ok: false,
        errorClass: "auth",
        outcome: "not_applied",
        message: "Invalid token",
        status: 401,
      },
    }];
    const [firstId] = await insertDue(sql, [{ platform_id: X, body: "a" }]);
    const run = runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      budgetMs: 1500,
      lanes: 1,
      exitWhenIdle: false,
    });
    // The other posts fall due once the platform is flagged, so they are never sent with the first.
    await eventually(
      async () => {
        const [p] = await sql`select needs_reconnection from public.platforms where id = ${X}`;
        return p.needs_reconnection ? true : undefined;
      },
      10_000,
      "the platform to be flagged",
    );
    const ids = [
      firstId,
      ...await insertDue(sql, [{ platform_id: X, body: "b" }, { platform_id: X, body: "c" }]),
    ];
    await run;
    const after = await rows(sql, ids);
    assert.deepEqual(after.map((r) => r.status), ["failed", "scheduled", "scheduled"]);
    assert.deepEqual(after.map((r) => r.retry_count), [0, 0, 0]);
    assert.equal(fake.publishCalls.length, 1);
    const [platform] = await sql`select needs_reconnection, reconnection_reason, api_errors_24h
      from public.platforms where id = ${X}`;
    assert.equal(platform.needs_reconnection, true);
    assert.equal(platform.reconnection_reason, "Invalid token");
  }));

Deno.test("posts_per_hour = 2 with 5 due: 2 now, the rest in later hours, none failed", () =>
  withQueue(4, async (sql) => {
    await sql`update public.platforms set posts_per_hour = 2 where id = ${X}`;
    const fake = new FakePlatform();
    const ids = await insertDue(
      sql,
      [1, 2, 3, 4, 5].map((i) => ({ platform_id: X, body: `p${i}` })),
    );
    const counts: number[] = [];
    for (let hour = 0; hour < 3; hour++) {
      await runPublisher(sql, fakeDirectory({}, fake), quick);
      const after = await rows(sql, ids);
      counts.push(after.filter((r) => r.status === "published").length);
      assert.equal(after.filter((r) => r.status === "failed").length, 0);
      // An hour passes (for the limit's window).
      await sql`update public.distributions set published_at = published_at - interval '61 minutes'
        where id = any(${ids}) and status = 'published'`;
    }
    assert.deepEqual(counts, [2, 4, 5]);
  }));

Deno.test("rows falling due during a run are sent at their second, not at the next tick", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    const ids = await insertDue(
      sql,
      [0.5, 1, 1.5, 2].map((dueIn) => ({ platform_id: X, body: `t${dueIn}`, dueIn })),
    );
    await runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      budgetMs: 3000,
      idlePollMs: 250,
      exitWhenIdle: false,
    });
    const after = await rows(sql, ids);
    for (const r of after) {
      assert.equal(r.status, "published");
      const late = r.published_at.getTime() - r.scheduled_for.getTime();
      assert.ok(late >= 0 && late < 2000, `published ${late} ms after its time`);
    }
  }));

Deno.test("a slow answer on one platform does not hold back rows falling due on another", () =>
  withQueue(4, async (sql) => {
    const slow = new FakePlatform("linkedin");
    slow.latencyMs = 3000; // a video upload, a post the platform is still processing
    const fast = new FakePlatform();
    const slowIds = await insertDue(sql, [
      { platform_id: PLATFORM_IDS.linkedin, body: "slow 1", dueIn: -0.1 },
      { platform_id: PLATFORM_IDS.linkedin, body: "slow 2", dueIn: -0.1 },
    ]);
    const fastIds = await insertDue(
      sql,
      [0.5, 1, 1.5].map((dueIn) => ({ platform_id: X, body: `due at +${dueIn}s`, dueIn })),
    );
    // One lane: the slow batch is in flight the whole time the fast rows fall due.
    await runPublisher(sql, fakeDirectory({ [PLATFORM_IDS.linkedin]: slow }, fast), {
      ...quick,
      budgetMs: 4000,
      lanes: 1,
      idlePollMs: 250,
      exitWhenIdle: false,
    });
    for (const r of await rows(sql, fastIds)) {
      assert.equal(r.status, "published");
      const late = r.published_at.getTime() - r.scheduled_for.getTime();
      assert.ok(late >= 0 && late < 1000, `published ${late} ms after its time`);
    }
    assert.ok((await rows(sql, slowIds)).every((r) => r.status === "published"));
    assert.equal(slow.publishCalls.length, 2);
    assert.equal(fast.publishCalls.length, 3);
  }));

Deno.test("a due row waiting for its paused platform does not make a run query in a tight loop", async () => {
  const sql = connect(4);
  const worker = connect(4); // its own connections: their statistics are flushed when they close
  try {
    await resetQueue(sql);
    await sql`update public.platforms set paused_until = now() + interval '1 hour' where id = ${X}`;
    await insertDue(sql, [{ platform_id: X, body: "waits for the reset" }]);
    const transactions = async () => {
      await sql`select pg_stat_clear_snapshot()`;
      const [{ n }] = await sql`select xact_commit::int as n from pg_stat_database
        where datname = current_database()`;
      return n;
    };
    const before = await transactions();
    const report = await runPublisher(worker, fakeDirectory({}, new FakePlatform()), {
      ...quick,
      budgetMs: 2000,
      idlePollMs: 250,
      exitWhenIdle: false,
    });
    await worker.end();
    await new Promise((r) => setTimeout(r, 200)); // the closed backends report their counts
    const used = (await transactions()) - before;
    assert.equal(report.claimed, 0);
    // two lanes looking every 250 ms at most for 2 s need a few dozen; a tight loop, thousands
    assert.ok(used < 400, `${used} transactions in 2 s`);
  } finally {
    await worker.end();
    await sql.end();
  }
});

Deno.test("a slow worker that lost its claim neither sends nor records", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    const [id] = await insertDue(sql, [{ platform_id: X, body: "slow worker" }]);
    const claimedAt = Date.now();
    const [stale] = await claimDue(sql, 10, 1);
    await new Promise((r) => setTimeout(r, 1100));
    await runPublisher(sql, fakeDirectory({}, fake), quick); // reclaims and publishes
    assert.equal(fake.publishCalls.length, 1);
    // The slow worker wakes up: past its send window it sends nothing...
    const outcome = await runAttempt(fake, stale, new Date(claimedAt + 500));
    assert.equal(fake.publishCalls.length, 1);
    // ...and whatever it reports is not applied: the row has another attempt now.
    const [{ applied }] = await sql`select count(*)::int as applied
      from private.record_publish_outcomes(${jsonb(sql, [outcome])})`;
    assert.equal(applied, 0);
    const [after] = await rows(sql, [id]);
    assert.equal(after.status, "published");
  }));

Deno.test("rows a worker had no time to send go back unsent, without using an attempt", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    fake.latencyMs = 400; // 4 at once (the fake directory's cap): 5 rounds for 20 rows
    const ids = await insertDue(
      sql,
      Array.from({ length: 20 }, (_, i) => ({ platform_id: X, body: `slow platform ${i}` })),
    );
    // A 2 s lease leaves a 1 s send window: the rows still queued for the platform after it are
    // released. Runs follow one another until every row is out (a slow machine needs more of them).
    let releasedByRuns = 0;
    for (let run = 0; run < 20; run++) {
      const report = await runPublisher(sql, fakeDirectory({}, fake), {
        ...quick,
        budgetMs: 15_000,
        lanes: 1,
        leaseSeconds: 2,
      });
      releasedByRuns += report.outcomes.released ?? 0;
      const left = await rows(sql, ids);
      if (left.every((r) => r.status === "published")) break;
    }
    assert.ok(releasedByRuns > 0, "some rows were released");
    assert.equal(fake.publishCalls.length, 20, "each row sent once");
    const after = await rows(sql, ids);
    assert.ok(after.every((r) => r.status === "published" && r.retry_count === 0));
    const [released] = await sql`select count(*)::int as n from public.distribution_attempts
      where distribution_id = any(${ids}) and outcome = 'released'
        and error_message = 'not sent: the claim was about to lapse'`;
    assert.equal(released.n, releasedByRuns);
  }));

Deno.test("a lane claims its next batch while the previous one is being sent, no more while rows wait for the platform, each row once", () =>
  withQueue(6, async (sql) => {
    const fake = new FakePlatform();
    fake.latencyMs = 300;
    const ids = await insertDue(
      sql,
      Array.from({ length: 12 }, (_, i) => ({ platform_id: X, body: `pipelined ${i}` })),
    );
    // Watch how many rows are claimed at once while one lane works through batches of 4.
    let most = 0;
    let running = true;
    const watching = (async () => {
      while (running) {
        const [{ n }] = await sql`select count(*)::int as n from public.distributions
          where id = any(${ids}) and status = 'publishing'`;
        most = Math.max(most, n);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const report = await runPublisher(sql, fakeDirectory({}, fake), {
      ...quick,
      budgetMs: 10_000,
      batchSize: 4,
      lanes: 1,
    });
    running = false;
    await watching;
    // Two batches out at once; a third only once every row the lane holds has a send slot (the first
    // batch answered, perhaps still being recorded), never while rows wait for the platform.
    assert.ok(most >= 8 && most <= 12, `${most} rows claimed at once`);
    assert.equal(report.recorded, 12);
    assert.equal(fake.publishCalls.length, 12);
    assert.equal(new Set(fake.publishCalls.map((c) => c.body)).size, 12);
    const after = await rows(sql, ids);
    assert.ok(after.every((r) => r.status === "published"));
  }));

Deno.test("a post the platform accepted and is still processing is asked about by its reference, never sent again", async () => {
  const sql = connect(4);
  try {
    await resetQueue(sql); // reconcile_after_seconds 1
    const fake = new FakePlatform();
    fake.behaviours = [{ kind: "accepted_processing" }];
    const [id] = await insertDue(sql, [{ platform_id: X, body: "long transcode" }]);
    const first = await runPublisher(sql, fakeDirectory({}, fake), quick);
    assert.equal(first.outcomes.unknown, 1);
    const [attempt] = await sql`select external_id from public.distribution_attempts
      where distribution_id = ${id} and outcome = 'unknown'`;
    const [ref] = [...fake.processing.keys()];
    assert.equal(attempt.external_id, ref, "the platform's reference is kept with the attempt");
    // Still processing when the next two runs look: unsettled, nothing sent, and no more unknown attempts
    // (nor errors on the platform's health) than the one that was sent.
    for (let look = 0; look < 2; look++) {
      await new Promise((r) => setTimeout(r, 1100));
      const again = await runPublisher(sql, fakeDirectory({}, fake), quick);
      assert.equal(again.outcomes.unsettled, 1);
    }
    assert.equal(fake.publishCalls.length, 1);
    assert.equal((await rows(sql, [id]))[0].status, "publishing");
    const asked = await sql`select outcome, count(*)::int as n from public.distribution_attempts
      where distribution_id = ${id} group by outcome order by outcome`;
    assert.deepEqual(asked.map((a) => [a.outcome, a.n]), [["unknown", 1], ["unsettled", 2]]);
    await sql`select private.refresh_api_error_counts()`;
    const [health] = await sql`select api_errors_24h from public.platforms where id = ${X}`;
    assert.equal(health.api_errors_24h, 1);
    // Processed: the next look-up finds it published.
    fake.complete(ref);
    await new Promise((r) => setTimeout(r, 1100));
    const last = await runPublisher(sql, fakeDirectory({}, fake), quick);
    assert.equal(last.outcomes.published, 1);
    assert.equal(fake.publishCalls.length, 1, "sent once");
    const [after] = await rows(sql, [id]);
    assert.equal(after.status, "published");
    assert.equal(after.external_id, fake.posts.get(fake.publishCalls[0].attemptId)?.id);
  } finally {
    await sql.end();
  }
});

Deno.test("a post the platform cannot settle within reconcile_max_seconds is parked unconfirmed, never sent again", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    fake.behaviours = [{ kind: "accepted_processing" }]; // and it never finishes processing
    const [id] = await insertDue(sql, [{ platform_id: X, body: "stuck in processing" }]);
    const first = await runPublisher(sql, fakeDirectory({}, fake), quick);
    assert.equal(first.outcomes.unknown, 1);
    // The platform has been saying "still processing" since a day and an hour ago (past the default
    // 86,400 s): the next look-up that fails hands the post to a person.
    await sql`update public.distribution_attempts set started_at = started_at - interval '25 hours'
      where distribution_id = ${id}`;
    await new Promise((r) => setTimeout(r, 1100)); // reconcile_after_seconds 1
    const last = await runPublisher(sql, fakeDirectory({}, fake), quick);
    assert.equal(last.outcomes.unconfirmed, 1);
    assert.equal(fake.publishCalls.length, 1, "never sent again");
    const [after] = await rows(sql, [id]);
    assert.equal(after.status, "unconfirmed");
    assert.match(after.error_message, /could not be confirmed on x within 24 h/);
    assert.match(after.error_message, /still processing/, "names the last look-up's answer");
    const [held] = await sql`select lease_expires_at, attempt_id from public.distributions
      where id = ${id}`;
    assert.deepEqual([held.lease_expires_at, held.attempt_id], [null, null], "no longer held");
  }));

Deno.test("a look-up the platform answers with an error status: asked again later, and counted among its API errors", () =>
  withQueue(4, async (sql) => {
    const fake = new FakePlatform();
    const [id] = await insertDue(sql, [{ platform_id: X, body: "lookup down" }]);
    const [row] = await claimDue(sql, 10, 1);
    await fake.publish({ body: row.body }, { attemptId: row.attempt_id }); // then the worker dies
    fake.lookupFailure = transient("service unavailable");
    await new Promise((r) => setTimeout(r, 1100));
    const report = await runPublisher(sql, fakeDirectory({}, fake), quick);
    assert.equal(report.outcomes.unsettled, 1);
    assert.equal(fake.publishCalls.length, 1, "not sent again");
    const [after] = await rows(sql, [id]);
    assert.equal(after.status, "publishing");
    assert.match(after.error_message, /reconciliation failed: service unavailable/);
    const [asked] = await sql`select http_status from public.distribution_attempts
      where distribution_id = ${id} and outcome = 'unsettled'`;
    assert.equal(asked.http_status, 503);
    await sql`select private.refresh_api_error_counts()`;
    const [health] = await sql`select api_errors_24h from public.platforms where id = ${X}`;
    assert.equal(health.api_errors_24h, 2, "the lapsed attempt and the failed look-up");
  }));
