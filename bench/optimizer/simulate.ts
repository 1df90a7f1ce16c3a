// Simulated weeks of posting against the emulators' engagement model, no real waiting: the fixed
// seed defaults versus the learned schedule versus the model's best possible slots.
import { z } from "zod";
import type { EngagementModel } from "../../dev/emulators/engagement.ts";
import { zonedParts } from "../../supabase/functions/_shared/adapters/zoned-time.ts";
import {
  learnPostingTimes,
  MIN_POPULATION,
  populationPriors,
} from "../../supabase/functions/_shared/learning/learn.ts";
import type { Random } from "../../supabase/functions/_shared/learning/random.ts";
import type { ModelOptions } from "../../supabase/functions/_shared/learning/model.ts";
import type { PolicyOptions } from "../../supabase/functions/_shared/learning/policy.ts";
import {
  type Observation,
  SLOT_COUNT,
  slotIndex,
  slotOf,
} from "../../supabase/functions/_shared/learning/slots.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
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
  /** The learner's settings (bench --learner); absent: the production defaults. */
  learner?: LearnerSettings;
  /** Instagram: the model's online profile as the prior (bench --online; onlineProfile). */
  online?: boolean;
  /** Days between refits (ClientsOptions.refitDays). */
  refitDays?: number;
}

/**
 * What the Instagram emulator serves as online_followers, averaged over the days: followers online
 * in each local hour in proportion to the model's slot factor, here its mean over the weekdays.
 */
export function onlineProfile(model: EngagementModel, platform: string): number[] {
  return Array.from(
    { length: 24 },
    (_, h) => [0, 1, 2, 3, 4, 5, 6].reduce((s, d) => s + model.localFactor(platform, d, h), 0) / 7,
  );
}

export interface LearnerSettings {
  model?: Partial<ModelOptions>;
  policy?: Partial<Omit<PolicyOptions, "count">>;
}

/** --learner's JSON: numbers overriding the model's and the policy's defaults by name. */
export const LearnerSettingsSchema = z.object({
  model: z.record(z.string(), z.number()).optional(),
  policy: z.record(z.string(), z.number()).optional(),
}).strict().transform((x) => x as LearnerSettings);

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

/** The instant of every local (day, hour) slot in the week starting at `from`, and the expected
 * engagement of a post then. */
function weekInstants(
  from: Date,
  model: EngagementModel,
  platform: string,
): Map<number, { at: Date; value: number }> {
  const out = new Map<number, { at: Date; value: number }>();
  for (let t = from.getTime(); t < from.getTime() + WEEK_MS; t += HOUR_MS) {
    const p = zonedParts(new Date(t), model.params.audienceTimezone);
    const key = slotIndex(p.weekday, p.hour);
    if (out.has(key)) continue;
    // model.slotFactor at this instant, from the local time just computed
    const factor = model.localFactor(platform, p.weekday, p.hour + p.minute / 60);
    out.set(key, { at: new Date(t), value: expected(model, platform, factor) });
  }
  return out;
}

function engagementOf(metrics: Record<string, number>): number {
  return ENGAGEMENT_METRICS.reduce((sum, name) => sum + (metrics[name] ?? 0), 0);
}

/** Expected final engagement of a post at a time of this slot factor (noise averages out; used to
 * score schedules). */
function expected(model: EngagementModel, platform: string, slotFactor: number): number {
  const params = model.params.platforms[platform];
  const perImpression = ENGAGEMENT_METRICS.reduce((s, m) => s + (params.rates[m] ?? 0), 0);
  return params.baseImpressions * slotFactor * perImpression;
}

interface Post {
  id: string;
  at: Date;
  slot: number;
}

/** One client learning alone (no population prior). */
export function simulate(model: EngagementModel, o: SimulationOptions): SimulationResult {
  return simulateClients([model], { ...o, randoms: [o.random], population: false })[0];
}

export interface ClientsOptions {
  platform: string;
  weeks: number;
  start: Date;
  /** Each client's policy randomness. */
  randoms: Random[];
  /** Learn as the production job does for platforms of one kind and zone: each refit's population
   * prior comes from the clients' feedback so far (learn.ts populationPriors). */
  population: boolean;
  learner?: LearnerSettings;
  /** Instagram clients get their model's online profile as the prior (what the platform reports). */
  online?: boolean;
  /** Days between refits (REFIT_DAYS: daily, as production's hourly job and arriving posts do; 7:
   * once a week, every post of the week placed at its start, bench --weekly). */
  refitDays?: number;
}

/** Days between refits by default: production refits hourly and schedules each post as it arrives,
 * so each day's posts take their slots from the pattern learned up to that day. */
export const REFIT_DAYS = 1;

/** Clients posting on their own models in lockstep. Every `refitDays` days each client's pattern is
 * refit from the feedback of its posts at least MIN_AGE_HOURS old (with `population`, also the
 * population prior of the clients' feedback, learn.ts populationPriors), and the posts of the next `refitDays` days go to
 * the pattern's slots that fall in them: a week's posts can come from several patterns, and their
 * count moves by a post or so when the pattern moves between days. Each week is scored against the
 * best possible with as many posts. */
export function simulateClients(models: EngagementModel[], o: ClientsOptions): SimulationResult[] {
  const count = SEED_DEFAULTS.length;
  const refitDays = o.refitDays ?? REFIT_DAYS;
  const clients = models.map((model) => ({
    model,
    online: o.online && o.platform === "instagram" ? onlineProfile(model, o.platform) : undefined,
    posts: [] as Post[],
    /** Posts whose engagement no longer grows: their feedback, read once. */
    settled: [] as Observation[],
    fixed: 0,
    learned: 0,
    best: 0,
    lastChosen: [] as { day_of_week: number; hour: number }[],
    bestSlots: [] as { day_of_week: number; hour: number }[],
    learnedByWeek: [] as number[],
    bestByWeek: [] as number[],
  }));

  for (let week = 0; week < o.weeks; week++) {
    const weekStart = new Date(o.start.getTime() + week * WEEK_MS);
    const weekly = clients.map((c) => ({
      instants: weekInstants(weekStart, c.model, o.platform),
      learned: 0,
      posts: 0,
    }));
    for (let day = 0; day < 7; day += refitDays) {
      const now = weekStart.getTime() + day * DAY_MS;
      const until = Math.min(now + refitDays * DAY_MS, weekStart.getTime() + WEEK_MS);
      // Feedback so far: posts old enough, as their metrics read now.
      const feedback: Observation[][] = clients.map((c) => feedbackAt(c, o.platform, now));
      const priors = o.population
        ? populationPriors(feedback, SEED_DEFAULTS, o.learner?.model)
        : undefined;
      clients.forEach((c, ci) => {
        const pattern = learnPostingTimes(
          feedback[ci],
          SEED_DEFAULTS,
          {
            model: o.learner?.model,
            policy: { ...o.learner?.policy, count },
            population: o.population && clients.length >= MIN_POPULATION,
          },
          o.randoms[ci],
          priors?.[ci].prior,
          c.online,
        );
        c.lastChosen = pattern.template.map(({ day_of_week, hour }) => ({ day_of_week, hour }));
        const w = weekly[ci];
        for (const [i, s] of c.lastChosen.entries()) {
          const slot = slotIndex(s.day_of_week, s.hour);
          const instant = w.instants.get(slot);
          // a slot skipped by a daylight-saving change, or not in the days this pattern places
          if (!instant || instant.at.getTime() < now || instant.at.getTime() >= until) continue;
          const at = instant.at;
          // (once a week, the ids are those this bench has always used: the same noise per post)
          c.posts.push({ id: `learned-${week}-${day ? `${day}-` : ""}${i}`, at, slot });
          w.posts++;
          w.learned += instant.value;
        }
      });
    }
    clients.forEach((c, ci) => {
      const { instants, learned, posts } = weekly[ci];
      c.learned += learned;
      c.learnedByWeek.push(learned);
      for (const s of SEED_DEFAULTS) {
        c.fixed += instants.get(slotIndex(s.day_of_week, s.hour))?.value ?? 0;
      }
      const ranked = [...instants.entries()]
        .map(([slot, { value }]) => ({ slot, value }))
        .sort((a, b) => b.value - a.value);
      // The best possible with as many posts as the learned schedule made this week.
      const bestThisWeek = ranked.slice(0, posts).reduce((sum, r) => sum + r.value, 0);
      c.best += bestThisWeek;
      c.bestByWeek.push(bestThisWeek);
      c.bestSlots = ranked.slice(0, count).map((r) => slotOf(r.slot));
    });
  }
  return clients.map((c) => ({
    platform: o.platform,
    fixed: c.fixed,
    learned: c.learned,
    best: c.best,
    learnedByWeek: c.learnedByWeek,
    bestByWeek: c.bestByWeek,
    learnedSlotsLastWeek: c.lastChosen,
    bestSlots: c.bestSlots,
  }));
}

/** A client's feedback at `now`: every post at least MIN_AGE_HOURS old, its engagement as metrics
 * sync reads it then. A post old enough that its engagement no longer grows (SETTLED_GROWTHS growth
 * times) is read once and kept, which gives the same numbers and saves rereading it at every refit. */
function feedbackAt(
  c: { model: EngagementModel; posts: Post[]; settled: Observation[] },
  platform: string,
  now: number,
): Observation[] {
  const settleMs = SETTLED_GROWTHS * c.model.params.growthHours * HOUR_MS;
  const read = (p: Post) => ({
    ...slotOf(p.slot),
    engagements: engagementOf(c.model.metrics(platform, p.id, p.at, new Date(now))),
  });
  while (c.settled.length < c.posts.length) {
    const p = c.posts[c.settled.length];
    if (now - p.at.getTime() < settleMs) break;
    c.settled.push(read(p));
  }
  const recent = c.posts.slice(c.settled.length)
    .filter((p) => now - p.at.getTime() >= MIN_AGE_HOURS * HOUR_MS)
    .map(read);
  return [...c.settled, ...recent];
}

/** Growth times after which a post's engagement is final to double precision (1 - e^-40). */
const SETTLED_GROWTHS = 40;

export { SLOT_COUNT };
