// One batch, several platforms: a platform that cannot be loaded, whose answer yields an unwritable time, or a
// row no worker can read settles alone; the other rows of the same batch (publish or metrics) are recorded.
import assert from "node:assert/strict";
import { runPublisher } from "../../supabase/functions/_shared/publishing/runner.ts";
import type { PlatformDirectory } from "../../supabase/functions/_shared/platforms/directory.ts";
import { classifyResponse } from "../../supabase/functions/_shared/net/classify.ts";
import { connect } from "../_support/stack.ts";
import { fakeDirectory, FakePlatform, insertDue, resetQueue } from "../_support/queue.ts";
import { DEMO_CLIENT, PLATFORM_IDS } from "../_support/seed.ts";
import { insertPublished } from "../metrics/helpers.ts";
import {
  DEFAULT_SYNC_OPTIONS,
  runMetricsSync,
} from "../../supabase/functions/_shared/metrics/sync.ts";

const OPTIONS = {
  budgetMs: 5000,
  batchSize: 50,
  lanes: 1,
  leaseSeconds: 30,
  idlePollMs: 50,
  exitWhenIdle: true,
};

Deno.test("settle(): a platform whose load rejects and one answering x-rate-limit-reset: 1e300 do not drop the batch's other outcomes", async () => {
  const sql = connect(4);
  try {
    await resetQueue(sql);
    // a row retried is retried after this run
    await sql`update public.platforms set publish_config = publish_config || '{"retry_base_seconds": 600}'
      where id = ${PLATFORM_IDS.linkedin}`;
    const ok = new FakePlatform("x");
    // The platform's 429 as the shared classifier reads it, and an adapter's own unwritable time.
    const limited = new FakePlatform("wordpress");
    const huge = classifyResponse(
      {
        platform: "WordPress",
        messagePaths: [],
        codePaths: [],
        rules: [],
        rateLimitReset: { kind: "after", seconds: 60 },
      },
      {
        status: 429,
        headers: new Headers({ "x-rate-limit-reset": "1e300" }),
        body: {},
        text: "slow down",
      },
      { method: "POST", now: new Date() },
    );
    limited.behaviours = [{ kind: "fail", failure: huge }];
    const invalid = new FakePlatform("email");
    invalid.behaviours = [{
      kind: "fail",
      failure: {
        ok: false,
        errorClass: "rate_limited",
        outcome: "not_applied",
        resetAt: new Date(NaN),
        message: "over quota",
      },
    }];
    const fakes = fakeDirectory({
      [PLATFORM_IDS.x]: ok,
      [PLATFORM_IDS.wordpress]: limited,
      [PLATFORM_IDS.email]: invalid,
    });
    const directory: PlatformDirectory = {
      get: (platformId) =>
        platformId === PLATFORM_IDS.linkedin
          ? Promise.reject(new Error("the platform row could not be read"))
          : fakes.get(platformId),
    };
    const [x1, x2, li, wp, em] = await insertDue(sql, [
      { platform_id: PLATFORM_IDS.x, body: "x one" },
      { platform_id: PLATFORM_IDS.x, body: "x two" },
      { platform_id: PLATFORM_IDS.linkedin, body: "linkedin" },
      { platform_id: PLATFORM_IDS.wordpress, body: "wordpress" },
      { platform_id: PLATFORM_IDS.email, body: "email" },
    ]);

    const report = await runPublisher(sql, directory, OPTIONS);

    assert.equal(report.claimed, 5);
    assert.equal(report.recorded, 5, "every outcome of the batch is recorded");
    const rows = new Map(
      (await sql`select id, status, error_message, next_attempt_at, retry_count
        from public.distributions where id = any(${[x1, x2, li, wp, em]})`).map((r) => [r.id, r]),
    );
    assert.equal(rows.get(x1)?.status, "published");
    assert.equal(rows.get(x2)?.status, "published");
    assert.equal(ok.publishCalls.length, 2);
    // never sent: retried later, with why
    assert.equal(rows.get(li)?.status, "scheduled");
    assert.equal(rows.get(li)?.retry_count, 1);
    assert.equal(
      rows.get(li)?.error_message,
      "the worker failed: the platform row could not be read",
    );
    // the 429's reset is at most a day ahead, and the platform is paused until then
    const [wordpress] = await sql`select paused_until from public.platforms
      where id = ${PLATFORM_IDS.wordpress}`;
    const dayAhead = Date.now() + 24 * 3600_000;
    assert.equal(rows.get(wp)?.status, "scheduled");
    assert.ok(rows.get(wp)?.next_attempt_at.getTime() <= dayAhead);
    assert.ok(wordpress.paused_until.getTime() <= dayAhead);
    assert.ok(wordpress.paused_until.getTime() > Date.now() + 23 * 3600_000);
    // an adapter's invalid reset time waits the fallback (15 minutes), as a 429 that says nothing does
    assert.equal(rows.get(em)?.status, "scheduled");
    assert.equal(rows.get(em)?.error_message, "over quota");
    assert.ok(rows.get(em)?.next_attempt_at.getTime() > Date.now() + 10 * 60_000);
  } finally {
    await sql`update public.platforms set paused_until = null, pause_reason = null`;
    await sql.end();
  }
});

/**
 * Runs `work` with distributions_times_representable dropped, so a test can store a time the check
 * refuses on write (a row written before the check existed); the check is put back afterwards, and
 * `cleanup` removes what the test stored first.
 */
async function withoutTimesCheck(
  sql: ReturnType<typeof connect>,
  work: () => Promise<void>,
  cleanup: () => Promise<unknown>,
): Promise<void> {
  const [{ def }] = await sql`select pg_get_constraintdef(oid) as def from pg_constraint
    where conname = 'distributions_times_representable'`;
  try {
    await sql`alter table public.distributions drop constraint distributions_times_representable`;
    await work();
  } finally {
    await cleanup();
    await sql.unsafe(
      `alter table public.distributions add constraint distributions_times_representable ${def}`,
    );
  }
}

Deno.test("a claimed row no worker can read (scheduled_for before Christ) fails alone; the rows claimed beside it are published", async () => {
  const sql = connect(4);
  try {
    await resetQueue(sql);
    const ok = new FakePlatform("x");
    const ids = await insertDue(sql, [
      { platform_id: PLATFORM_IDS.x, body: "readable" },
      { platform_id: PLATFORM_IDS.x, body: "unreadable" },
      { platform_id: PLATFORM_IDS.linkedin, body: "another platform" },
    ]);
    const [good, bad, other] = ids;
    // Such a time is refused on write now (distributions_times_representable); an older row can hold one.
    await withoutTimesCheck(sql, async () => {
      await sql`update public.distributions set scheduled_for = '0044-03-15 12:00:00+00 BC'
        where id = ${bad}`;
      const report = await runPublisher(sql, fakeDirectory({}, ok), OPTIONS);

      assert.equal(report.recorded, 2);
      const rows = new Map(
        (await sql`select id, status, error_message from public.distributions
        where id = any(${ids})`).map((r) => [r.id, r]),
      );
      assert.equal(rows.get(good)?.status, "published");
      assert.equal(rows.get(other)?.status, "published");
      assert.equal(rows.get(bad)?.status, "failed");
      assert.match(
        rows.get(bad)?.error_message,
        /^the row cannot be published as stored \(scheduled_for: /,
      );
      assert.deepEqual(ok.publishCalls.map((c) => c.body).sort(), ["another platform", "readable"]);
    }, () => sql`delete from public.distributions where id = ${bad}`);
  } finally {
    await sql.end();
  }
});

Deno.test("metrics: a claimed row no read can use (published_at before Christ) stops syncing alone; the batch's other reads are recorded", async () => {
  const sql = connect(4);
  try {
    await resetQueue(sql);
    const tag = crypto.randomUUID().slice(0, 8);
    const good = await insertPublished(sql, {
      client_id: DEMO_CLIENT,
      platform_id: PLATFORM_IDS.x,
      external_id: `good-${tag}`,
    });
    const bad = await insertPublished(sql, {
      client_id: DEMO_CLIENT,
      platform_id: PLATFORM_IDS.x,
      external_id: `bad-${tag}`,
    });
    await withoutTimesCheck(sql, async () => {
      await sql`update public.distributions set published_at = '0044-03-15 12:00:00+00 BC',
      metrics_next_sync_at = now() - interval '1 second' where id = ${bad}`;
      await sql`update public.distributions set metrics_next_sync_at = now() - interval '1 second'
      where id = ${good}`;
      const reads: string[] = [];
      const platform = new FakePlatform("x");
      Object.assign(platform, {
        getMetrics(externalId: string) {
          reads.push(externalId);
          return Promise.resolve({ ok: true as const, metrics: { impressions: 7 } });
        },
      });

      await runMetricsSync(sql, fakeDirectory({}, platform), {
        ...DEFAULT_SYNC_OPTIONS,
        budgetMs: 3000,
      });

      assert.deepEqual(reads, [`good-${tag}`], "only the readable row was read");
      const [snapshot] = await sql`select impressions from public.distribution_metrics
      where distribution_id = ${good}`;
      assert.equal(snapshot?.impressions, 7, "the readable row's metrics are recorded");
      const [stopped] = await sql`select metrics_last_error, metrics_next_sync_at
      from public.distributions where id = ${bad}`;
      assert.match(
        stopped.metrics_last_error,
        /^the row cannot be read as stored \(published_at: /,
      );
      assert.equal(stopped.metrics_next_sync_at, null, "it is not claimed again");
    }, () => sql`delete from public.distributions where id = ${bad}`);
  } finally {
    await sql.end();
  }
});
