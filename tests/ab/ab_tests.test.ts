// The ab-tests function against the test stack: SQL decides, TypeScript cross-checks.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import {
  abDecisionPValue,
  type DecisionSide,
  twoProportionPValue,
} from "../../supabase/functions/_shared/ab/stats.ts";
import { createTenant } from "../scheduling/helpers.ts";
import { insertPublished, invokeService } from "../metrics/helpers.ts";

type Sql = ReturnType<typeof connect>;

async function variant(
  sql: Sql,
  tenant: { clientId: string; platforms: string[] },
  group: string,
  name: string,
  impressions: number,
  engagements: number,
  daysAgo = 2,
  post = 0,
) {
  return await insertPublished(sql, {
    client_id: tenant.clientId,
    platform_id: tenant.platforms[0],
    external_id: `${group}-${name}-${post}`,
    variant_group: group,
    is_control: name === "control",
    variant: name,
    title: `Title ${name}`,
    body: `Body of variant ${name}`,
    published_at: new Date(Date.now() - daysAgo * 86400_000),
    metrics: { impressions, engagements },
  });
}

Deno.test("SQL p-values agree with the TypeScript z-test (pooled, two-sided)", async () => {
  const sql = connect();
  try {
    const [row] = await sql`select public.two_proportion_p_value(200, 1000, 250, 1000) as p`;
    const ts = twoProportionPValue({ x: 200, n: 1000 }, { x: 250, n: 1000 })!;
    assert.ok(Math.abs(row.p - ts) < 1e-6, `${row.p} vs ${ts}`);
  } finally {
    await sql.end();
  }
});

Deno.test("an A/A test declares no winner; an A/B with a real difference does, with its body", async () => {
  const sql = connect();
  try {
    const tenant = await createTenant(sql, [{ kind: "x" }]);
    await variant(sql, tenant, "aa", "control", 5000, 250);
    await variant(sql, tenant, "aa", "b", 5000, 255);
    await variant(sql, tenant, "ab", "control", 5000, 250);
    const winnerId = await variant(sql, tenant, "ab", "b", 5000, 400);

    const { status, body } = await invokeService("ab-tests", { alpha: 0.05, min_base: 1000 });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.cross_check.mismatches, []);
    assert.ok(body.cross_check.compared >= 2);
    const tests = await sql`select variant_group, status, result, winner_variant,
                              winner_distribution_id, p_value
                            from public.ab_tests where client_id = ${tenant.clientId}
                            order by variant_group`;
    const aa = tests.find((t) => t.variant_group === "aa")!;
    const ab = tests.find((t) => t.variant_group === "ab")!;
    assert.equal(aa.status, "running");
    assert.equal(aa.winner_variant, null);
    assert.equal(ab.status, "concluded");
    assert.equal(ab.result, "winner");
    assert.equal(ab.winner_variant, "b");
    assert.equal(ab.winner_distribution_id, winnerId);
    const reused = body.winners.find((w: { variant_group: string }) => w.variant_group === "ab");
    assert.equal(reused.body, "Body of variant b");
  } finally {
    await sql.end();
  }
});

Deno.test("an A/A test past its maximum duration concludes with no difference", async () => {
  const sql = connect();
  try {
    const tenant = await createTenant(sql, [{ kind: "x" }]);
    await variant(sql, tenant, "aa-old", "control", 8000, 400, 20);
    await variant(sql, tenant, "aa-old", "b", 8000, 390, 20);
    const { body } = await invokeService("ab-tests", { max_days: 14 });
    assert.deepEqual(body.cross_check.mismatches, []);
    const [t] = await sql`select status, result, winner_variant from public.ab_tests
                          where client_id = ${tenant.clientId}`;
    assert.equal(t.status, "concluded");
    assert.equal(t.result, "no_difference");
    assert.equal(t.winner_variant, null);
  } finally {
    await sql.end();
  }
});

Deno.test("the decision p-value: SQL and TypeScript agree, with and without the spread between posts", async () => {
  const sql = connect();
  try {
    const cases: [DecisionSide, DecisionSide, number][] = [
      [{ x: 400, n: 5000, m: 1, ss: 0 }, { x: 250, n: 5000, m: 1, ss: 0 }, 0.1],
      [{ x: 400, n: 5000, m: 1, ss: 0 }, { x: 250, n: 5000, m: 1, ss: 0 }, 0],
      [{ x: 1800, n: 30000, m: 3, ss: 3200 }, { x: 1500, n: 30000, m: 3, ss: 80000 }, 0.1],
      [{ x: 10800, n: 50000, m: 2, ss: 10 }, { x: 10000, n: 50000, m: 1, ss: 0 }, 0.25],
      [{ x: 0, n: 100, m: 1, ss: 0 }, { x: 0, n: 100, m: 1, ss: 0 }, 0.1],
      [{ x: 10, n: 100, m: 0, ss: 0 }, { x: 12, n: 100, m: 1, ss: 0 }, 0.1],
    ];
    for (const [a, b, spread] of cases) {
      const [row] = await sql`select private.ab_decision_p_value(${a.x}, ${a.n}, ${a.m}, ${a.ss},
        ${b.x}, ${b.n}, ${b.m}, ${b.ss}, ${spread}) as p`;
      const ts = abDecisionPValue(a, b, spread);
      if (ts === undefined) {
        assert.equal(row.p, null, JSON.stringify([a, b, spread]));
      } else {
        assert.ok(Math.abs(row.p - ts) < 1e-6, `${row.p} vs ${ts} for ${JSON.stringify([a, b])}`);
      }
    }
    // The spread widens the test: the pooled p-value of the third case is far below any threshold.
    assert.ok(twoProportionPValue({ x: 1800, n: 30000 }, { x: 1500, n: 30000 })! < 1e-6);
    assert.ok(abDecisionPValue(cases[2][0], cases[2][1], 0.1)! > 0.3);
  } finally {
    await sql.end();
  }
});

Deno.test("a variant whose posts spread as much as its lead declares no winner, though the pooled test would", async () => {
  const sql = connect();
  try {
    const tenant = await createTenant(sql, [{ kind: "x" }]);
    for (const [post, engagements] of [300, 700, 500].entries()) {
      await variant(sql, tenant, "spread", "control", 10000, engagements, 2, post);
    }
    for (const [post, engagements] of [560, 640, 600].entries()) {
      await variant(sql, tenant, "spread", "b", 10000, engagements, 2, post);
    }
    const { status, body } = await invokeService("ab-tests", {});
    assert.equal(status, 200, JSON.stringify(body));
    const [result] = await sql`select engagement_p_value from public.ab_test_results
                               where client_id = ${tenant.clientId} and variant = 'b'`;
    assert.ok(result.engagement_p_value < 1e-6, "the pooled p-value calls it significant");
    const [t] = await sql`select status, winner_variant, p_value, variants from public.ab_tests
                          where client_id = ${tenant.clientId}`;
    assert.equal(t.status, "running");
    assert.equal(t.winner_variant, null);
    assert.ok(t.p_value > 0.3, `decision p-value ${t.p_value}`);
    const b = t.variants.find((v: { variant: string }) => v.variant === "b");
    assert.equal(b.measured, 3);
    assert.equal(b.pending, 0);
    assert.equal(b.decision_p_value, t.p_value);
  } finally {
    await sql.end();
  }
});

Deno.test("one post a variant: a lead within the assumed spread wins only when post_spread says posts do not differ", async () => {
  const sql = connect();
  try {
    const tenant = await createTenant(sql, [{ kind: "x" }]);
    await variant(sql, tenant, "one", "control", 50000, 10000);
    await variant(sql, tenant, "one", "b", 50000, 10800);
    await invokeService("ab-tests", {});
    const [kept] = await sql`select status, winner_variant from public.ab_tests
                             where client_id = ${tenant.clientId}`;
    assert.equal(kept.status, "running");
    assert.equal(kept.winner_variant, null);

    const { status, body } = await invokeService("ab-tests", { post_spread: 0 });
    assert.equal(status, 200, JSON.stringify(body));
    const [won] = await sql`select status, result, winner_variant from public.ab_tests
                            where client_id = ${tenant.clientId}`;
    assert.equal(won.status, "concluded");
    assert.equal(won.winner_variant, "b");
  } finally {
    await sql.end();
  }
});

Deno.test("a test waits for its last post: no winner while a variant's post is scheduled", async () => {
  const sql = connect();
  try {
    const tenant = await createTenant(sql, [{ kind: "x" }]);
    await variant(sql, tenant, "wait", "control", 5000, 250);
    await variant(sql, tenant, "wait", "b", 5000, 500);
    const [scheduled] = await sql`
      insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for,
        variant_group, platform_specific)
      values (${tenant.clientId}, ${tenant.platforms[0]}, 'manual', 'second post of b', 'scheduled',
        now() + interval '1 day', 'wait', ${sql.json({ variant: "b" })})
      returning id`;
    await invokeService("ab-tests", {});
    const [waiting] = await sql`select status, winner_variant, variants from public.ab_tests
                                where client_id = ${tenant.clientId}`;
    assert.equal(waiting.status, "running");
    assert.equal(waiting.winner_variant, null);
    assert.equal(waiting.variants.find((v: { variant: string }) => v.variant === "b").pending, 1);

    await sql`update public.distributions set status = 'cancelled' where id = ${scheduled.id}`;
    await invokeService("ab-tests", {});
    const [decided] = await sql`select status, winner_variant from public.ab_tests
                                where client_id = ${tenant.clientId}`;
    assert.equal(decided.status, "concluded");
    assert.equal(decided.winner_variant, "b");
  } finally {
    await sql.end();
  }
});

Deno.test("a post_spread outside 0..1 is refused with a 400 naming the field", async () => {
  for (const post_spread of [-0.1, 1.5, "0.1"]) {
    const { status, body } = await invokeService("ab-tests", { post_spread });
    assert.equal(status, 400, JSON.stringify(body));
    assert.match(JSON.stringify(body), /post_spread/);
  }
});

Deno.test("a concluded test is never reopened: later metrics leave its result and time as they were", async () => {
  const sql = connect();
  try {
    const tenant = await createTenant(sql, [{ kind: "x" }]);
    await variant(sql, tenant, "done", "control", 5000, 250);
    const b = await variant(sql, tenant, "done", "b", 5000, 500);
    await invokeService("ab-tests", {});
    const [before] =
      await sql`select status, winner_variant, concluded_at, p_value from public.ab_tests
                               where client_id = ${tenant.clientId}`;
    assert.equal(before.winner_variant, "b");

    await sql`update public.distributions set engagements = 100 where id = ${b}`;
    const { body } = await invokeService("ab-tests", {});
    const [after] =
      await sql`select status, winner_variant, concluded_at, p_value from public.ab_tests
                              where client_id = ${tenant.clientId}`;
    assert.deepEqual(after, before);
    assert.ok(
      !body.concluded.some((c: { client_id: string }) => c.client_id === tenant.clientId),
      "not reported again",
    );
  } finally {
    await sql.end();
  }
});
