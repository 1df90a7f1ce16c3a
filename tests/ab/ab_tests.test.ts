// The ab-tests function against the test stack: SQL decides, TypeScript cross-checks.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { twoProportionPValue } from "../../supabase/functions/_shared/ab/stats.ts";
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
) {
  return await insertPublished(sql, {
    client_id: tenant.clientId,
    platform_id: tenant.platforms[0],
    external_id: `${group}-${name}`,
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
