// Which slots to post in next: mostly the best by posterior mean, plus a share by Thompson sampling.
// Each refresh draws every slot's value from its posterior and fills the exploring places with the
// best draws among the slots not already chosen, so an uncertain slot is tried about as often as it
// is likely to be better than the ones chosen. As evidence grows the draws sit close to the means,
// and the exploring places go to the next-best known slots: exploration costs less and less.
import type { Random } from "./random.ts";
import { type SlotModel, type SlotPosterior } from "./model.ts";
import { slotIndex, type TemplateSlot } from "./slots.ts";

export interface PolicyOptions {
  /** Slots to list (the scheduler takes the earliest free one, so this is posts per week). */
  count: number;
  /** Local hours a post may go out at (inclusive range). */
  firstHour: number;
  lastHour: number;
  /** Least share of the slots chosen by a posterior draw (Thompson); the rest by posterior mean.
   * 1 = pure Thompson sampling, 0 = no exploration. */
  explore: number;
  /** The exploring share while a population member starts cold (learn.ts coldStart): 1 = every
   * slot from one draw of the prior. */
  coldExplore: number;
}

export const DEFAULT_POLICY_OPTIONS: Omit<PolicyOptions, "count"> = {
  firstHour: 0,
  lastHour: 23,
  explore: 0.2,
  coldExplore: 1,
};

function candidates(model: SlotModel, o: PolicyOptions): SlotPosterior[] {
  return model.slots.filter((s) => s.hour >= o.firstHour && s.hour <= o.lastHour);
}

export function chooseSlots(
  model: SlotModel,
  options: Partial<PolicyOptions> & { count: number },
  random: Random,
): SlotPosterior[] {
  // An option given as undefined (a platform without that override) keeps the default.
  const o = { ...DEFAULT_POLICY_OPTIONS } as PolicyOptions;
  for (const [key, value] of Object.entries(options) as [keyof PolicyOptions, number][]) {
    if (value !== undefined) o[key] = value;
  }
  const count = Math.max(1, o.count);
  const pool = candidates(model, o);
  const rank = (pool: SlotPosterior[], values: number[]) =>
    pool
      .map((slot) => ({ slot, value: values[slotIndex(slot.day_of_week, slot.hour)] }))
      .sort((a, b) => b.value - a.value)
      .map((x) => x.slot);
  const explored = Math.min(count, Math.round(count * o.explore));
  const exploited = rank(pool, model.slots.map((s) => s.mean)).slice(0, count - explored);
  if (explored === 0) return exploited;
  const rest = pool.filter((s) => !exploited.includes(s));
  return [...exploited, ...rank(rest, model.sample(random)).slice(0, explored)];
}

/** The pattern's JSON: chosen slots, best first, scored by their expected lift (1 = platform mean). */
export function toTemplate(chosen: SlotPosterior[]): TemplateSlot[] {
  return [...chosen]
    .sort((a, b) => b.mean - a.mean)
    .map((s) => ({
      day_of_week: s.day_of_week,
      hour: s.hour,
      score: Math.round(Math.exp(s.mean) * 10_000) / 10_000,
    }));
}

/** 0..1: how much the chosen slots' uncertainty shrank from the prior's. */
export function confidenceOf(model: SlotModel, chosen: SlotPosterior[], priorVariance: number) {
  if (chosen.length === 0 || model.sampleSize === 0) return 0;
  const shrunk = chosen.reduce((sum, s) => sum + (1 - s.variance / priorVariance), 0) /
    chosen.length;
  return Math.round(Math.min(1, Math.max(0, shrunk)) * 1000) / 1000;
}
