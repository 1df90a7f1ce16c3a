// The reported online profile (Instagram's online_followers) as a prior: with no posts the learned
// times sit at the online peak; posts that say otherwise win as they accumulate. In process (learn.ts)
// and through the learning job on the stack (platform_audience_activity in, platform_patterns out).
import assert from "node:assert/strict";
import type postgres from "postgres";
import { jsonb } from "../../supabase/functions/_shared/db.ts";
import {
  learnPostingTimes,
  onlineShape,
  withOnlineActivity,
} from "../../supabase/functions/_shared/learning/learn.ts";
import { seededRandom } from "../../supabase/functions/_shared/learning/random.ts";
import type { Observation } from "../../supabase/functions/_shared/learning/slots.ts";
import { connect, invokeService } from "../_support/stack.ts";
import { createTenant } from "../scheduling/helpers.ts";

const DAY_MS = 86_400_000;
/** Followers online: a quiet night, a peak at 19:00 (local). */
const ONLINE = Array.from({ length: 24 }, (_, h) => 100 + 900 * Math.exp(-((h - 19) ** 2) / 8));
const DEFAULTS = [{ day_of_week: 2, hour: 9 }, { day_of_week: 4, hour: 11 }];
const POLICY = { policy: { count: 5, explore: 0 } };

/** Every day at these hours for `weeks` weeks; the morning's posts engage three times as much. */
function contrary(weeks: number): Observation[] {
  const out: Observation[] = [];
  for (let w = 0; w < weeks; w++) {
    for (let day = 0; day < 7; day++) {
      for (const hour of [8, 12, 19, 21]) {
        out.push({ day_of_week: day, hour, engagements: hour === 8 ? 150 : 50 });
      }
    }
  }
  return out;
}

Deno.test("online shape: centred logs, undefined for a profile that says nothing", () => {
  const shape = onlineShape(ONLINE)!;
  assert.equal(shape.indexOf(Math.max(...shape)), 19);
  assert.ok(Math.abs(shape.reduce((a, b) => a + b, 0)) < 1e-9);
  assert.equal(onlineShape(new Array(24).fill(0)), undefined);
  assert.equal(onlineShape([1, 2, 3]), undefined);
  assert.equal(withOnlineActivity(undefined, undefined), undefined);
});

Deno.test("with no posts the online peak leads; strong contrary posts override it", () => {
  const none = learnPostingTimes([], DEFAULTS, POLICY, seededRandom(1), undefined, ONLINE);
  for (const slot of none.template) assert.equal(slot.hour, 19, JSON.stringify(none.template));
  // Without the profile the kind's defaults lead instead.
  const plain = learnPostingTimes([], DEFAULTS, POLICY, seededRandom(1));
  assert.notEqual(plain.template[0].hour, 19);

  const posts = learnPostingTimes(
    contrary(8),
    DEFAULTS,
    POLICY,
    seededRandom(1),
    undefined,
    ONLINE,
  );
  assert.ok(Math.abs(posts.template[0].hour - 8) <= 1, JSON.stringify(posts.template));
});

/** Published posts (local UTC slots) from two weeks back, their metrics recorded as sync does. */
async function seedPosts(sql: postgres.Sql, clientId: string, platformId: string) {
  const now = new Date();
  const sunday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) -
    now.getUTCDay() * DAY_MS;
  const posts = [];
  for (let week = 2; week <= 7; week++) {
    for (const o of contrary(1)) {
      const at = sunday - week * 7 * DAY_MS + o.day_of_week * DAY_MS + o.hour * 3_600_000;
      posts.push({ id: crypto.randomUUID(), at: new Date(at).toISOString(), ...o });
    }
  }
  await sql`
    insert into public.distributions (id, client_id, platform_id, content_type, body, status,
                                      scheduled_for, published_at, external_id, timezone)
    select p.id, ${clientId}, ${platformId}, 'manual', 'post', 'published', p.at, p.at,
           'ext-' || p.id, 'UTC'
    from jsonb_to_recordset(${jsonb(sql, posts)}) as p(id uuid, at timestamptz)`;
  const batch = posts.map((p) => ({
    distribution_id: p.id,
    ok: true,
    metrics: { impressions: 1000, reach: 1000, engagements: p.engagements },
  }));
  const [{ result }] = await sql`select private.record_metrics(${jsonb(sql, batch)}) as result`;
  assert.equal(result.recorded, batch.length, JSON.stringify(result));
}

async function bestTimes(sql: postgres.Sql, platformId: string) {
  const [row] = await sql`select pattern_template, sample_size from public.platform_patterns
    where platform_id = ${platformId} and pattern_type = 'timing'
      and pattern_name = 'optimal_posting_times'`;
  return {
    template: JSON.parse(row.pattern_template) as { day_of_week: number; hour: number }[],
    sampleSize: row.sample_size as number,
  };
}

Deno.test("learn-posting-times: the stored online profile places a new Instagram account's times, its posts then win", async () => {
  const sql = connect();
  try {
    // A zone of its own: no population of other test clients' Instagram accounts.
    const t = await createTenant(sql, [{ kind: "instagram", timezone: "Pacific/Chatham" }]);
    const [platformId] = t.platforms;
    await sql`insert into public.platform_audience_activity
                (platform_id, client_id, hours, days, fetched_at, attempted_at)
              values (${platformId}, ${t.clientId}, ${ONLINE}::numeric[], 30, now(), now())`;
    const first = await invokeService("learn-posting-times", { seed: 3 });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const entry = first.body.patterns.find((p: { platform_id: string }) =>
      p.platform_id === platformId
    );
    assert.equal(entry?.online, true, JSON.stringify(first.body.skipped));
    const before = await bestTimes(sql, platformId);
    assert.equal(before.sampleSize, 0);
    assert.equal(before.template[0].hour, 19, JSON.stringify(before.template));

    await seedPosts(sql, t.clientId, platformId);
    const second = await invokeService("learn-posting-times", { seed: 3 });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const after = await bestTimes(sql, platformId);
    assert.equal(after.sampleSize, 6 * 28);
    assert.ok(Math.abs(after.template[0].hour - 8) <= 1, JSON.stringify(after.template));
  } finally {
    await sql.end();
  }
});
