// Hierarchical shrinkage of slot performance. A post's outcome is y = ln(1 + engagements) minus the
// platform's mean, so effects are multiplicative lifts over the platform's own level (its prior).
// A slot's value is day effect + hour effect + the slot's own deviation; each level is a Normal
// posterior with prior mean 0 (a default posting time gets a small head start), so a level with n
// posts and noise variance s2 is pulled toward the prior with the weight of s2 / tau2 pseudo-posts.
// Day and hour effects are shared across slots, so one post informs 7 + 24 estimates, not just one.

import { HOURS, type Observation, SLOT_COUNT, slotIndex, slotOf } from "./slots.ts";

export interface ModelOptions {
  /** Prior variance of a day effect and of an hour effect (log scale). */
  dayVariance: number;
  hourVariance: number;
  /** Prior variance of a slot's deviation from day + hour. */
  slotVariance: number;
  /** Prior guess of the noise variance of one post, and its weight in pseudo-observations. */
  noiseVariance: number;
  noiseWeight: number;
  /** Prior mean lift of the platform's default posting times (a head start, not a verdict). */
  defaultBonus: number;
  /** Backfitting sweeps for day and hour effects. */
  sweeps: number;
  /** Engagement is smooth in time: an hour's (and a slot's) prior mean is this share of its
   * neighbours' (h - 1, h + 1) estimates, so an untried 15:00 between a good 14:00 and 16:00 is
   * expected to be good too. 0 = independent hours. */
  smoothing: number;
}

export const DEFAULT_MODEL_OPTIONS: ModelOptions = {
  dayVariance: 0.02,
  hourVariance: 0.05,
  slotVariance: 0.02,
  noiseVariance: 0.1,
  noiseWeight: 3,
  defaultBonus: 0.3,
  sweeps: 4,
  smoothing: 0.8,
};

export interface SlotPosterior {
  day_of_week: number;
  hour: number;
  /** Posts observed in this slot. */
  n: number;
  /** Posterior mean lift (log scale) over the platform mean, and its variance. */
  mean: number;
  variance: number;
}

export interface Effect {
  mean: number;
  variance: number;
}

export interface SlotModel {
  platformMean: number;
  noiseVariance: number;
  days: Effect[];
  hours: Effect[];
  deviations: Effect[];
  slots: SlotPosterior[];
  sampleSize: number;
  /** The prior weight of the slot level, in pseudo-posts (noise / slot variance). */
  priorWeight: number;
}

/** Normal posterior of a level with prior N(priorMean, tau2) after n residuals summing to `sum`. */
function shrink(sum: number, n: number, priorMean: number, tau2: number, s2: number): Effect {
  const k = s2 / tau2;
  return { mean: (sum + k * priorMean) / (n + k), variance: s2 / (n + k) };
}

/** `share` of the mean of the estimates at h - 1 and h + 1 (within the day, no wrap-around). */
function neighbours(effects: Effect[], h: number, share: number): number {
  const around = [effects[h - 1], effects[h + 1]].filter((e): e is Effect => e !== undefined);
  return around.length ? (share * around.reduce((a, e) => a + e.mean, 0)) / around.length : 0;
}

function groupSums(values: number[], keys: number[], size: number) {
  const sum = new Array<number>(size).fill(0);
  const n = new Array<number>(size).fill(0);
  values.forEach((v, i) => {
    sum[keys[i]] += v;
    n[keys[i]]++;
  });
  return { sum, n };
}

/** Pooled within-slot variance, regularized toward the prior guess. */
function noiseVariance(y: number[], slot: number[], o: ModelOptions): number {
  const { sum, n } = groupSums(y, slot, SLOT_COUNT);
  let ss = 0;
  y.forEach((v, i) => {
    const mean = sum[slot[i]] / n[slot[i]];
    ss += (v - mean) ** 2;
  });
  const dof = y.length - n.filter((c) => c > 0).length;
  return Math.max((ss + o.noiseWeight * o.noiseVariance) / (dof + o.noiseWeight), 1e-4);
}

export function fitSlotModel(
  observations: Observation[],
  defaults: ReadonlySet<number>,
  options: Partial<ModelOptions> = {},
): SlotModel {
  const o = { ...DEFAULT_MODEL_OPTIONS, ...options };
  const raw = observations.map((x) => Math.log1p(x.engagements));
  const platformMean = raw.length ? raw.reduce((a, b) => a + b, 0) / raw.length : 0;
  const y = raw.map((v) => v - platformMean);
  const day = observations.map((x) => x.day_of_week);
  const hour = observations.map((x) => x.hour);
  const slot = observations.map((x) => slotIndex(x.day_of_week, x.hour));
  const s2 = noiseVariance(y, slot, o);

  let days: Effect[] = Array.from({ length: 7 }, () => ({ mean: 0, variance: o.dayVariance }));
  let hours: Effect[] = Array.from(
    { length: HOURS },
    () => ({ mean: 0, variance: o.hourVariance }),
  );
  for (let sweep = 0; sweep < o.sweeps; sweep++) {
    const byDay = groupSums(y.map((v, i) => v - hours[hour[i]].mean), day, 7);
    days = byDay.sum.map((s, d) => shrink(s, byDay.n[d], 0, o.dayVariance, s2));
    const byHour = groupSums(y.map((v, i) => v - days[day[i]].mean), hour, HOURS);
    const previous = hours;
    hours = byHour.sum.map((s, h) =>
      shrink(s, byHour.n[h], neighbours(previous, h, o.smoothing), o.hourVariance, s2)
    );
  }
  const bySlot = groupSums(
    y.map((v, i) => v - days[day[i]].mean - hours[hour[i]].mean),
    slot,
    SLOT_COUNT,
  );
  const unsmoothed = bySlot.sum.map((s, i) => shrink(s, bySlot.n[i], 0, o.slotVariance, s2));
  const deviations = bySlot.sum.map((s, i) => {
    const day = unsmoothed.slice(i - (i % HOURS), i - (i % HOURS) + HOURS);
    const prior = (defaults.has(i) ? o.defaultBonus : 0) +
      neighbours(day, i % HOURS, o.smoothing);
    return shrink(s, bySlot.n[i], prior, o.slotVariance, s2);
  });
  const slots = deviations.map((dev, i) => {
    const { day_of_week, hour: h } = slotOf(i);
    return {
      day_of_week,
      hour: h,
      n: bySlot.n[i],
      mean: days[day_of_week].mean + hours[h].mean + dev.mean,
      variance: days[day_of_week].variance + hours[h].variance + dev.variance,
    };
  });
  return {
    platformMean,
    noiseVariance: s2,
    days,
    hours,
    deviations,
    slots,
    sampleSize: observations.length,
    priorWeight: s2 / o.slotVariance,
  };
}
