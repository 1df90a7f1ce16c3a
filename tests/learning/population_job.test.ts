// The learning job (learning/refresh.ts, what learn-posting-times runs) with a population: platforms
// of one kind whose audiences share a zone learn from each other's feedback (written by
// record_metrics, as the metrics worker writes it). A new platform with no posts of its own gets its
// peers' best time; before any feedback the population's members spread their first posts; a
// platform alone in its zone with no feedback keeps its pattern.
import assert from "node:assert/strict";
import { refreshPostingTimes } from "../../supabase/functions/_shared/learning/refresh.ts";
import { seededRandom } from "../../supabase/functions/_shared/learning/random.ts";
import { jsonb } from "../../supabase/functions/_shared/db.ts";
import { connect } from "../_support/stack.ts";
import { createTenant } from "../scheduling/helpers.ts";

const ZONE = "Asia/Kathmandu";
/** Local (day of week, 0 = Sunday; hour) slots the established platforms posted in; the first is
 * their audience's peak. */
const SLOTS = [[3, 19], [1, 9], [2, 10], [4, 10], [5, 9]] as const;

Deno.test("a new platform starts from its population's best time; one alone in its zone is skipped", async () => {
  const sql = connect();
  try {
    const peers = [];
    for (let i = 0; i < 4; i++) {
      peers.push(await createTenant(sql, [{ kind: "x", timezone: ZONE }]));
    }
    const fresh = await createTenant(sql, [{ kind: "x", timezone: ZONE }]);
    const lone = await createTenant(sql, [{ kind: "x", timezone: "Asia/Yangon" }]);
    const ids = [...peers, fresh, lone].map((t) => t.platforms[0]);
    const refresh = () =>
      refreshPostingTimes(sql, {
        minAgeHours: 48,
        lookbackDays: 180,
        minObservations: 10,
        random: seededRandom(1),
        platformIds: ids,
      });
    const timing = async (platformId: string) => {
      const [row] = await sql`
        select pattern_template, sample_size from public.platform_patterns
        where platform_id = ${platformId} and pattern_type = 'timing'
          and pattern_name = 'optimal_posting_times'`;
      return { template: JSON.parse(row.pattern_template), sampleSize: row.sample_size };
    };

    // No feedback anywhere. The lone platform is skipped and keeps its pattern row (the kind's
    // default times). The five of one kind and zone start cold: each gets its own draw of the prior,
    // so their first posts spread over the week instead of all going to the default times.
    const first = await refresh();
    assert.deepEqual(first.skipped, [{ platform_id: lone.platforms[0], observations: 0 }]);
    const defaults = (await timing(lone.platforms[0])).template;
    assert.ok(defaults.length > 0, "the pattern row holds the kind's default times");
    assert.deepEqual(
      first.patterns.map((p) => p.platform_id).sort(),
      [...peers, fresh].map((t) => t.platforms[0]).sort(),
    );
    const firstSlots = new Set<string>();
    for (const pattern of first.patterns) {
      assert.equal(pattern.sample_size, 0);
      assert.equal(pattern.confidence, 0);
      assert.equal(pattern.population, 0);
      assert.equal(pattern.template.length, Math.max(3, defaults.length));
      const written = await timing(pattern.platform_id);
      assert.deepEqual(written, { template: pattern.template, sampleSize: 0 });
      for (const s of pattern.template) firstSlots.add(`${s.day_of_week}:${s.hour}`);
    }
    assert.ok(
      firstSlots.size >= 2 * defaults.length,
      `the population's first slots spread over the week: ${[...firstSlots]}`,
    );

    // Three weeks of posts by each peer (audiences of different sizes): the Wednesday 19:00 post
    // earns about five times the others.
    const batch: unknown[] = [];
    for (const [p, peer] of peers.entries()) {
      const size = [1, 2.5, 0.6, 1.5][p];
      for (let week = 1; week <= 3; week++) {
        for (const [s, [day, hour]] of SLOTS.entries()) {
          const [d] = await sql`
            insert into public.distributions (client_id, platform_id, content_type, body, status,
              scheduled_for, published_at, external_id, timezone)
            select ${peer.clientId}, ${peer.platforms[0]}, 'manual', 'post', 'published', at, at,
                   ${`ext-${p}-${week}-${s}`}, ${ZONE}
            from (select (date_trunc('week', now() at time zone ${ZONE}) - make_interval(weeks => ${week})
                          + make_interval(days => ${(day + 6) % 7}, hours => ${hour}))
                         at time zone ${ZONE} as at) t
            returning id`;
          const engagements = Math.round(
            size * (s === 0 ? 300 : 60) * (1 + 0.05 * ((week + s) % 3)),
          );
          batch.push({
            distribution_id: d.id,
            ok: true,
            metrics: { impressions: Math.round(size * 2000), engagements },
          });
        }
      }
    }
    await sql`select private.record_metrics(${jsonb(sql, batch)})`;

    const report = await refresh();
    const learned = (id: string) => report.patterns.find((p) => p.platform_id === id);
    for (const peer of peers) {
      const pattern = learned(peer.platforms[0]);
      assert.ok(pattern, "each peer is learned");
      assert.equal(pattern.sample_size, 15);
      assert.deepEqual(
        [pattern.template[0].day_of_week, pattern.template[0].hour],
        [3, 19],
        "a peer's best time is its audience's peak",
      );
    }
    const newcomer = learned(fresh.platforms[0]);
    assert.ok(newcomer, "the platform with no posts of its own is learned from its population");
    assert.equal(newcomer.population, 4);
    assert.equal(newcomer.sample_size, 0);
    const written = await timing(fresh.platforms[0]);
    assert.deepEqual(written.template, newcomer.template, "what the job reports is what it wrote");
    assert.deepEqual(
      [written.template[0].day_of_week, written.template[0].hour],
      [3, 19],
      "its best time is the population's peak",
    );
    assert.deepEqual(report.skipped, [{ platform_id: lone.platforms[0], observations: 0 }]);
    assert.deepEqual(await timing(lone.platforms[0]), { template: defaults, sampleSize: 0 });
  } finally {
    await sql.end();
  }
});
