// Scores of the learned schedule on one engagement model and platform: a client alone (averaged over
// policy seeds) and a population of clients whose audiences deviate from a shared pattern. Every
// simulated day (or week, --weekly) refits the production learner (supabase/functions/_shared/learning)
// on the posts so far, through simulate.ts.
import { EngagementModel, type EngagementModelParams } from "../../dev/emulators/engagement.ts";
import { seededRandom } from "../../supabase/functions/_shared/learning/random.ts";
import { populationClient } from "./generate.ts";
import { type LearnerSettings, simulate, simulateClients } from "./simulate.ts";

/** Weeks counted in `last4`: the run's last four (weeks 9-12 of twelve). */
export const LAST_WEEKS = 4;

export interface Score {
  /** Learned engagement over all weeks / the model's best possible over the same weeks. */
  cumulative: number;
  /** The same over the last four weeks. */
  last4: number;
  /** Each week's learned engagement / its best possible (the population's clients). */
  byWeek?: number[];
}

export interface AloneResult extends Score {
  fixed: number;
  learned: number;
  best: number;
  learnedSlotsLastWeek: { day_of_week: number; hour: number }[];
  bestSlots: { day_of_week: number; hour: number }[];
}

export interface RunOptions {
  weeks: number;
  start: Date;
  learner?: LearnerSettings;
  /** Give Instagram clients their model's online profile as the prior (simulate.ts onlineProfile). */
  online?: boolean;
  /** Days between refits (simulate.ts REFIT_DAYS by default; 7 with --weekly). */
  refitDays?: number;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The emulators' engagement model, remembering each post time's slot factor: every refit rereads
 * the metrics of the posts whose engagement still grows, and the factor (a time zone conversion)
 * is the same at every read. */
class SimulatedAudience extends EngagementModel {
  private factors = new Map<string, Map<number, number>>();
  override slotFactor(platform: string, publishedAt: Date): number {
    let byTime = this.factors.get(platform);
    if (!byTime) this.factors.set(platform, byTime = new Map());
    let factor = byTime.get(publishedAt.getTime());
    if (factor === undefined) {
      factor = super.slotFactor(platform, publishedAt);
      byTime.set(publishedAt.getTime(), factor);
    }
    return factor;
  }
}

/** One client learning alone on `params`, policy seeds 1..seeds (sums over seeds, as bench/optimizer
 * always reported: the best possible is the same for every seed, so this is the seeds' mean ratio). */
export function scoreAlone(
  params: EngagementModelParams,
  platform: string,
  seeds: number,
  o: RunOptions,
): AloneResult {
  const model = new SimulatedAudience(params);
  let fixed = 0, learned = 0, best = 0, learnedLast = 0, bestLast = 0;
  let example: ReturnType<typeof simulate> | undefined;
  for (let seed = 1; seed <= seeds; seed++) {
    const r = simulate(model, { platform, ...o, random: seededRandom(seed) });
    fixed += r.fixed;
    learned += r.learned;
    best += r.best;
    learnedLast += sum(r.learnedByWeek.slice(-LAST_WEEKS));
    bestLast += sum(r.bestByWeek.slice(-LAST_WEEKS));
    example ??= r;
  }
  return {
    cumulative: learned / best,
    last4: learnedLast / bestLast,
    fixed,
    learned,
    best,
    learnedSlotsLastWeek: example?.learnedSlotsLastWeek ?? [],
    bestSlots: example?.bestSlots ?? [],
  };
}

/** `clients` clients of one platform kind, each on its own deviation of `pattern` (generate.ts) with
 * policy seed client + 1, learning as the production job does: from their own feedback and, with
 * `population`, the prior of all the clients' feedback so far (same kind, same zone). Returns each
 * client's score. */
export function scorePopulation(
  pattern: EngagementModelParams,
  platform: string,
  clients: number,
  seed: number,
  o: RunOptions & { population?: boolean },
): Score[] {
  const models = Array.from(
    { length: clients },
    (_, c) => new SimulatedAudience(populationClient(pattern, seed, c)),
  );
  const results = simulateClients(models, {
    platform,
    weeks: o.weeks,
    start: o.start,
    randoms: models.map((_, c) => seededRandom(c + 1)),
    population: o.population ?? true,
    learner: o.learner,
    online: o.online,
    refitDays: o.refitDays,
  });
  return results.map((r) => ({
    cumulative: r.learned / r.best,
    last4: sum(r.learnedByWeek.slice(-LAST_WEEKS)) / sum(r.bestByWeek.slice(-LAST_WEEKS)),
    byWeek: r.learnedByWeek.map((x, w) => x / r.bestByWeek[w]),
  }));
}

/** Mean of scores. */
export function meanScore(scores: Score[]): Score {
  return {
    cumulative: sum(scores.map((s) => s.cumulative)) / scores.length,
    last4: sum(scores.map((s) => s.last4)) / scores.length,
  };
}
