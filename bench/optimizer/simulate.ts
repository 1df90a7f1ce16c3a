// Simulated weeks of posting against the emulators' engagement model, no real waiting: the fixed
// seed defaults versus the learned schedule versus the model's best possible slots.
import type { EngagementModel } from "../../dev/emulators/engagement.ts";
import { zonedParts } from "../../supabase/functions/_shared/adapters/zoned-time.ts";
import { learnPostingTimes } from "../../supabase/functions/_shared/learning/learn.ts";
import type { Random } from "../../supabase/functions/_shared/learning/random.ts";
import {
  type Observation,
  SLOT_COUNT,
  slotIndex,
  slotOf,
} from "../../supabase/functions/_shared/learning/slots.ts";

const HOUR_MS = 3_600_000;
const WEEK_MS = 168 * HOUR_MS;
/** Metrics that count as engagement (the model's per-kind interaction counts). */
const ENGAGEMENT_METRICS = ["likes", "comments", "shares", "saves", "quotes", "opens", "downloads"];
/** Feedback is used once a post is this old (as the learning job's min_age). */
const MIN_AGE_HOURS = 48;

/** The seed's fixed default times: Mon 9, Tue 10, Wed 9, Thu 10, Fri 9. */
export const SEED_DEFAULTS = [
  { day_of_week: 1, hour: 9 },
  { day_of_week: 2, hour: 10 },
  { day_of_week: 3, hour: 9 },
  { day_of_week: 4, hour: 10 },
  { day_of_week: 5, hour: 9 },
];

export interface SimulationOptions {
  platform: string;
  weeks: number;
  /** The first week's start (an instant; slots are the next 168 local hours). */
  start: Date;
  random: Random;
}

export interface SimulationResult {
  platform: string;
  /** Expected (noise-free) engagement summed over all posts of each schedule. */
  fixed: number;
  learned: number;
  best: number;
  /** The learned schedule's and the best possible expected engagement of each week. */
  learnedByWeek: number[];
  bestByWeek: number[];
  learnedSlotsLastWeek: { day_of_week: number; hour: number }[];
  bestSlots: { day_of_week: number; hour: number }[];
}

/** The instant of every local (day, hour) slot in the week starting at `from`. */
function weekInstants(from: Date, timeZone: string): Map<number, Date> {
  const out = new Map<number, Date>();
  for (let t = from.getTime(); t < from.getTime() + WEEK_MS; t += HOUR_MS) {
    const p = zonedParts(new Date(t), timeZone);
    const key = slotIndex(p.weekday, p.hour);
    if (!out.has(key)) out.set(key, new Date(t));
  }
  return out;
}

function engagementOf(metrics: Record<string, number>): number {
  return ENGAGEMENT_METRICS.reduce((sum, name) => sum + (metrics[name] ?? 0), 0);
}

/** Expected final engagement of a post at `at` (noise averages out; used to score schedules). */
function expected(model: EngagementModel, platform: string, at: Date): number {
  const params = model.params.platforms[platform];
  const perImpression = ENGAGEMENT_METRICS.reduce((s, m) => s + (params.rates[m] ?? 0), 0);
  return params.baseImpressions * model.slotFactor(platform, at) * perImpression;
}

interface Post {
  id: string;
  at: Date;
  slot: number;
}

export function simulate(model: EngagementModel, o: SimulationOptions): SimulationResult {
  const tz = model.params.audienceTimezone;
  const count = SEED_DEFAULTS.length;
  const posts: Post[] = [];
  let fixed = 0, learned = 0, best = 0;
  let lastChosen: { day_of_week: number; hour: number }[] = [];
  let bestSlots: { day_of_week: number; hour: number }[] = [];
  const learnedByWeek: number[] = [];
  const bestByWeek: number[] = [];

  for (let week = 0; week < o.weeks; week++) {
    const weekStart = new Date(o.start.getTime() + week * WEEK_MS);
    const instants = weekInstants(weekStart, tz);
    // Feedback so far: posts old enough, measured now (the start of the week).
    const observations: Observation[] = posts
      .filter((p) => weekStart.getTime() - p.at.getTime() >= MIN_AGE_HOURS * HOUR_MS)
      .map((p) => ({
        ...slotOf(p.slot),
        engagements: engagementOf(model.metrics(o.platform, p.id, p.at, weekStart)),
      }));
    const pattern = learnPostingTimes(observations, SEED_DEFAULTS, {
      policy: { count },
    }, o.random);
    lastChosen = pattern.template.map(({ day_of_week, hour }) => ({ day_of_week, hour }));

    let learnedThisWeek = 0;
    for (const [i, s] of lastChosen.entries()) {
      const at = instants.get(slotIndex(s.day_of_week, s.hour));
      if (!at) continue; // a slot skipped by a daylight-saving change
      posts.push({ id: `learned-${week}-${i}`, at, slot: slotIndex(s.day_of_week, s.hour) });
      learnedThisWeek += expected(model, o.platform, at);
    }
    learned += learnedThisWeek;
    learnedByWeek.push(learnedThisWeek);
    for (const s of SEED_DEFAULTS) {
      const at = instants.get(slotIndex(s.day_of_week, s.hour));
      if (at) fixed += expected(model, o.platform, at);
    }
    const ranked = [...instants.entries()]
      .map(([slot, at]) => ({ slot, value: expected(model, o.platform, at) }))
      .sort((a, b) => b.value - a.value)
      .slice(0, count);
    const bestThisWeek = ranked.reduce((sum, r) => sum + r.value, 0);
    best += bestThisWeek;
    bestByWeek.push(bestThisWeek);
    bestSlots = ranked.map((r) => slotOf(r.slot));
  }
  return {
    platform: o.platform,
    fixed,
    learned,
    best,
    learnedByWeek,
    bestByWeek,
    learnedSlotsLastWeek: lastChosen,
    bestSlots,
  };
}

export { SLOT_COUNT };
