// The A/B job: private.conclude_ab_tests decides (once every post is out, a p-value that counts the
// spread between posts below alpha / 3 a look, Bonferroni over variants, a minimum sample, or the
// maximum duration); here the pooled p-values of ab_test_results are recomputed in TypeScript as a
// cross-check, and each concluded winner's body is returned for reuse.
import { z } from "zod";
import { jsonb, type Sql } from "../db.ts";
import { twoProportionPValue } from "./stats.ts";

export interface ConcludeOptions {
  alpha: number;
  maxDays: number;
  minBase: number;
  /** Relative standard deviation of a post's engagement rate around its variant's (between posts). */
  postSpread: number;
  /** Largest tolerated |p(SQL) - p(TS)|. */
  tolerance: number;
}

const Evaluated = z.object({
  client_id: z.string(),
  variant_group: z.string(),
  status: z.string(),
  result: z.string().nullable(),
  winner_variant: z.string().nullable(),
  p_value: z.number().nullable(),
});

const ResultRow = z.object({
  client_id: z.string(),
  variant_group: z.string(),
  variant: z.string(),
  engagement_count: z.coerce.number().nullable(),
  engagement_base: z.coerce.number().nullable(),
  control_count: z.coerce.number().nullable(),
  control_base: z.coerce.number().nullable(),
  engagement_p_value: z.number().nullable(),
});

const Winner = z.object({
  client_id: z.string(),
  variant_group: z.string(),
  winner_variant: z.string(),
  winner_distribution_id: z.string().nullable(),
  title: z.string().nullable(),
  body: z.string().nullable(),
  p_value: z.number().nullable(),
});

export interface CrossCheck {
  compared: number;
  maxDifference: number;
  mismatches: { variant_group: string; variant: string; sql: number | null; ts: number | null }[];
}

type Group = { client_id: string; variant_group: string };

/** The groups as a join source: `join groups(...) g on ...` without tuple IN-lists. */
function groupsJson(sql: Sql, groups: Group[]) {
  return jsonb(sql, groups.map(({ client_id, variant_group }) => ({ client_id, variant_group })));
}

async function crossCheck(sql: Sql, groups: Group[], tolerance: number): Promise<CrossCheck> {
  const rows = await sql`
    select r.client_id, r.variant_group, r.variant, r.engagement_count, r.engagement_base,
           c.engagement_count as control_count, c.engagement_base as control_base,
           r.engagement_p_value
    from public.ab_test_results r
    join public.ab_test_results c
      on c.client_id = r.client_id and c.variant_group = r.variant_group and c.is_control
    join jsonb_to_recordset(${
    groupsJson(sql, groups)
  }::jsonb) as g(client_id uuid, variant_group text)
      on g.client_id = r.client_id and g.variant_group = r.variant_group
    where not r.is_control`;
  const check: CrossCheck = { compared: 0, maxDifference: 0, mismatches: [] };
  for (const raw of rows) {
    const r = ResultRow.parse(raw);
    const ts = twoProportionPValue(
      { x: r.engagement_count ?? 0, n: r.engagement_base ?? 0 },
      { x: r.control_count ?? 0, n: r.control_base ?? 0 },
    ) ?? null;
    check.compared++;
    const differs = (ts === null) !== (r.engagement_p_value === null);
    const difference = ts !== null && r.engagement_p_value !== null
      ? Math.abs(ts - r.engagement_p_value)
      : 0;
    check.maxDifference = Math.max(check.maxDifference, difference);
    if (differs || difference > tolerance) {
      check.mismatches.push({
        variant_group: r.variant_group,
        variant: r.variant,
        sql: r.engagement_p_value,
        ts,
      });
    }
  }
  return check;
}

export async function concludeAbTests(sql: Sql, o: ConcludeOptions) {
  const evaluated = (await sql`
    select * from private.conclude_ab_tests(${o.alpha}, ${o.maxDays}, ${o.minBase}, ${o.postSpread})`)
    .map((r) => Evaluated.parse(r));
  const check = await crossCheck(sql, evaluated, o.tolerance);
  if (check.mismatches.length > 0) {
    console.error("A/B p-values differ between SQL and TypeScript:", check.mismatches);
  }
  const concluded = evaluated.filter((e) => e.status === "concluded");
  const winners = concluded.length === 0 ? [] : (await sql`
    select t.client_id, t.variant_group, t.winner_variant, t.winner_distribution_id, d.title, d.body,
           t.p_value
    from public.ab_tests t
    join jsonb_to_recordset(${
    groupsJson(sql, concluded)
  }::jsonb) as g(client_id uuid, variant_group text)
      on g.client_id = t.client_id and g.variant_group = t.variant_group
    left join public.distributions d on d.id = t.winner_distribution_id
    where t.result = 'winner'`).map((r) => Winner.parse(r));
  return {
    evaluated: evaluated.length,
    running: evaluated.filter((e) => e.status === "running").length,
    concluded,
    winners,
    cross_check: check,
  };
}
