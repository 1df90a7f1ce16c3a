// The SQL side of learning: which platforms to learn for, their feedback, and writing patterns.
import { z } from "zod";
import { jsonb, type Sql } from "../db.ts";
import { objectiveObservations, type Outcome } from "./objective.ts";
import { type Observation, TemplateSlot } from "./slots.ts";

export const PATTERN_TYPE = "timing";
export const PATTERN_NAME = "optimal_posting_times";

/** publish_config.learning: per-platform overrides of the job's settings. */
export const LearningConfig = z.object({
  slots: z.number().int().min(1).max(50).optional(),
  explore: z.number().min(0).max(1).optional(),
  first_hour: z.number().int().min(0).max(23).optional(),
  last_hour: z.number().int().min(0).max(23).optional(),
  enabled: z.boolean().optional(),
}).catch({});
export type LearningConfig = z.infer<typeof LearningConfig>;

export const LearningPlatform = z.object({
  platform_id: z.string(),
  client_id: z.string(),
  kind: z.string(),
  /** The platform's posting time zone: with its kind, what makes a population (learn.ts). */
  timezone: z.string(),
  learning: LearningConfig,
  defaults: z.array(z.object({ day_of_week: z.number(), hour: z.number() })),
});
export type LearningPlatform = z.infer<typeof LearningPlatform>;

/**
 * Active platforms, each with its kind's default posting times. Every one of them gets a timing
 * pattern row (its current times, or the defaults) if it has none, because record_metrics writes
 * pattern_feedback only for platforms that have a pattern: no row, no feedback, nothing to learn.
 */
export async function learningPlatforms(
  sql: Sql,
  /** Only these platforms (absent: every active one). */
  only?: string[],
): Promise<LearningPlatform[]> {
  const scope = only ?? null;
  await sql`
    insert into public.platform_patterns (client_id, platform_id, pattern_type, pattern_name,
                                          pattern_template, confidence, sample_size)
    select p.client_id, p.id, ${PATTERN_TYPE}, ${PATTERN_NAME},
           (select coalesce(jsonb_agg(jsonb_build_object('day_of_week', t.day_of_week, 'hour', t.hour,
                                                        'score', t.score)), '[]')::text
              from scheduling.posting_times(p.id) t),
           0, 0
    from public.platforms p
    where p.is_active and (${scope}::uuid[] is null or p.id = any(${scope}::uuid[]))
    on conflict (platform_id, pattern_type, pattern_name) do nothing`;
  const rows = await sql`
    select p.id as platform_id, p.client_id, p.kind, p.timezone,
           coalesce(p.publish_config -> 'learning', '{}'::jsonb) as learning,
           coalesce((select jsonb_agg(jsonb_build_object('day_of_week', d.day_of_week, 'hour', d.hour))
                       from scheduling.default_posting_times(p.kind::text) d), '[]'::jsonb) as defaults
    from public.platforms p
    where p.is_active and (${scope}::uuid[] is null or p.id = any(${scope}::uuid[]))
    order by p.id`;
  return rows.map((r) => LearningPlatform.parse(r));
}

/** Platforms of one kind whose audiences share a time zone learn as a population. */
export function populationKey(p: Pick<LearningPlatform, "kind" | "timezone">): string {
  return `${p.kind}|${p.timezone}`;
}

const FeedbackRow = z.object({
  platform_id: z.string(),
  day_of_week: z.number().int().min(0).max(6),
  hour: z.number().int().min(0).max(23),
  events: z.coerce.number().nonnegative(),
  reach: z.coerce.number().nonnegative().nullable(),
});

/**
 * One observation per distribution (its latest feedback, in its own time zone), for posts old
 * enough that their outcome has mostly accrued, within the lookback. The value is the client's
 * objective (clients.optimize_for: the kind's engagement count, clicks, or the conversions
 * attributed to the post) as expected events per post, rate x reach (objective.ts).
 */
export async function loadObservations(
  sql: Sql,
  platformIds: string[],
  { minAgeHours, lookbackDays }: { minAgeHours: number; lookbackDays: number },
): Promise<Map<string, Observation[]>> {
  const rows = await sql`
    select distinct on (pp.platform_id, f.distribution_id)
           pp.platform_id, f.day_of_week::int as day_of_week, f.hour_of_day::int as hour,
           o.events, f.engagement_base as reach
    from public.pattern_feedback f
    join public.platform_patterns pp on pp.id = f.pattern_id
    join public.clients c on c.id = pp.client_id
    join public.distributions d on d.id = f.distribution_id and d.client_id = f.client_id
    cross join lateral (
      select case c.optimize_for when 'clicks' then f.clicks
                                 when 'conversions' then d.conversions
                                 else f.engagement_count end as events
    ) o
    where pp.platform_id = any(${platformIds}::uuid[])
      and f.distribution_id is not null
      and o.events is not null
      and f.day_of_week is not null and f.hour_of_day is not null
      and f.posted_at <= now() - make_interval(hours => ${minAgeHours})
      and f.posted_at > now() - make_interval(days => ${lookbackDays})
    order by pp.platform_id, f.distribution_id, f.updated_at desc`;
  const outcomes = new Map<string, Outcome[]>();
  for (const raw of rows) {
    const r = FeedbackRow.parse(raw);
    const list = outcomes.get(r.platform_id) ?? [];
    list.push({ day_of_week: r.day_of_week, hour: r.hour, events: r.events, reach: r.reach });
    outcomes.set(r.platform_id, list);
  }
  return new Map(
    [...outcomes].map(([platformId, list]) => [platformId, objectiveObservations(list)]),
  );
}

export interface PatternUpdate {
  platform_id: string;
  template: TemplateSlot[];
  confidence: number;
  sample_size: number;
}

/** Writes every learned pattern in one statement. */
export async function writePatterns(sql: Sql, updates: PatternUpdate[]): Promise<number> {
  if (updates.length === 0) return 0;
  const payload = updates.map((u) => ({
    platform_id: u.platform_id,
    template: JSON.stringify(u.template),
    confidence: u.confidence,
    sample_size: u.sample_size,
  }));
  const rows = await sql`
    update public.platform_patterns pp
       set pattern_template = u.template, confidence = u.confidence, sample_size = u.sample_size
      from jsonb_to_recordset(${jsonb(sql, payload)})
           as u(platform_id uuid, template text, confidence numeric, sample_size integer)
     where pp.platform_id = u.platform_id and pp.pattern_type = ${PATTERN_TYPE}
       and pp.pattern_name = ${PATTERN_NAME}
    returning pp.id`;
  return rows.length;
}

/**
 * Each platform's latest reported online profile (platform_audience_activity: followers online per
 * local hour 0..23, e.g. Instagram's online_followers), read in the last 60 days.
 */
export async function loadOnlineActivity(
  sql: Sql,
  platformIds: string[],
): Promise<Map<string, number[]>> {
  const rows = await sql<{ platform_id: string; hours: number[] }[]>`
    select a.platform_id, a.hours::float8[] as hours
    from public.platform_audience_activity a
    where a.platform_id = any(${platformIds}::uuid[]) and a.hours is not null
      and a.fetched_at > now() - interval '60 days'`;
  return new Map(rows.map((r) => [String(r.platform_id), r.hours.map(Number)]));
}
