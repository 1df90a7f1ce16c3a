// Which slots to post in next: Thompson sampling over the slot model. Each refresh draws every day,
// hour and slot effect from its posterior and keeps the best `count` candidates, so a slot is chosen
// about as often as it is likely to be the best: well-known good slots almost always, uncertain
// ones now and then, known-bad ones practically never.
import { type Random, standardNormal } from "./random.ts";
import { type SlotModel, type SlotPosterior } from "./model.ts";
import { HOURS, slotIndex, type TemplateSlot } from "./slots.ts";

export interface PolicyOptions {
  /** Slots to list (the scheduler takes the earliest free one, so this is posts per week). */
  count: number;
  /** Local hours a post may go out at (inclusive range). */
  firstHour: number;
  lastHour: number;
  /** Share of the slots chosen by a posterior draw (Thompson); the rest by posterior mean.
   * 1 = pure Thompson sampling, 0 = no exploration. */
  explore: number;
}

export const DEFAULT_POLICY_OPTIONS: Omit<PolicyOptions, "count"> = {
  firstHour: 6,
  lastHour: 22,
  explore: 0.2,
};

function candidates(model: SlotModel, o: PolicyOptions): SlotPosterior[] {
  return model.slots.filter((s) => s.hour >= o.firstHour && s.hour <= o.lastHour);
}

function draw(mean: number, variance: number, random: Random): number {
  return mean + Math.sqrt(variance) * standardNormal(random);
}

/** One joint draw of every slot's value (shared day and hour effects drawn once). */
function sampledValues(model: SlotModel, random: Random): number[] {
  const days = model.days.map((e) => draw(e.mean, e.variance, random));
  const hours = model.hours.map((e) => draw(e.mean, e.variance, random));
  return model.deviations.map((e, i) =>
    days[Math.floor(i / HOURS)] + hours[i % HOURS] + draw(e.mean, e.variance, random)
  );
}

export function chooseSlots(
  model: SlotModel,
  options: Partial<PolicyOptions> & { count: number },
  random: Random,
): SlotPosterior[] {
  const o = { ...DEFAULT_POLICY_OPTIONS, ...options };
  const count = Math.max(1, o.count);
  const explored = Math.min(count, Math.round(count * o.explore));
  const rank = (pool: SlotPosterior[], values: number[]) =>
    pool
      .map((slot) => ({ slot, value: values[slotIndex(slot.day_of_week, slot.hour)] }))
      .sort((a, b) => b.value - a.value)
      .map((x) => x.slot);
  const pool = candidates(model, o);
  const exploited = rank(pool, model.slots.map((s) => s.mean)).slice(0, count - explored);
  if (explored === 0) return exploited;
  const rest = pool.filter((s) => !exploited.includes(s));
  return [...exploited, ...rank(rest, sampledValues(model, random)).slice(0, explored)];
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
