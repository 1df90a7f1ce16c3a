// What a client optimises (clients.optimize_for) and how a post's outcome becomes the value the slot
// model learns from.
//
// The value of a post is its expected objective: the reach it got times its slot's rate per unit of
// reach, the rate shrunk toward the platform's rate,
//
//   rate(slot)  = (events in the slot + k) / (reach in the slot + k / platform rate)
//   value(post) = reach(post) x rate(slot)
//
// with k = `priorEvents` (10): the platform's rate weighs as much as the reach in which the platform
// would expect k events, so a slot's own rate counts half once its posts reached that much. Why:
// - A rate alone would prefer a small, keen audience that brings few events; a count alone would
//   prefer any large audience, and for sparse objectives (a conversion every few posts) it is mostly
//   noise. Rate x reach is the expected number of events per post, the quantity the client wants.
// - Rates are pooled over all the reach of a slot's posts and shrunk: a slot whose two posts were
//   lucky (or unlucky) does not keep (or lose) its place on two posts, and a slot without posts is
//   worth the platform's rate times the reach it gets.
// Posts whose platform reports no reach count with their raw events (the same unit: events per post).
// A platform with no event at all yet ranks slots by reach (every rate is the same unknown). Values
// are scaled so that the platform's average post is worth 100: the model reads ln(1 + value), which
// would flatten the lifts of values below 1 (conversions) toward nothing; its effects are relative
// to the platform's mean, so the scale changes nothing else.
import { z } from "zod";
import { type Observation, slotIndex } from "./slots.ts";

export const OBJECTIVES = ["engagement", "clicks", "conversions"] as const;
export const Objective = z.enum(OBJECTIVES);
export type Objective = z.infer<typeof Objective>;

/** One published post's result for its client's objective. */
export interface Outcome {
  day_of_week: number;
  hour: number;
  /** The objective's events: the kind's engagement count, clicks, or attributed conversions. */
  events: number;
  /** The audience it reached (the kind's engagement_base: impressions, reach, views, recipients);
   * null or 0 when the platform does not report it. */
  reach: number | null;
}

export interface ObjectiveOptions {
  /** The platform rate's weight in a slot's rate, in expected events. */
  priorEvents: number;
  /** What the platform's average post is scaled to. */
  meanValue: number;
}

export const DEFAULT_OBJECTIVE_OPTIONS: ObjectiveOptions = { priorEvents: 10, meanValue: 100 };

/** Expected objective per post (rate x reach, the rate shrunk), one observation per outcome. */
export function objectiveObservations(
  outcomes: Outcome[],
  options: Partial<ObjectiveOptions> = {},
): Observation[] {
  const o = { ...DEFAULT_OBJECTIVE_OPTIONS, ...options };
  const reached = (x: Outcome) => (x.reach ?? 0) > 0;
  const events = new Map<number, number>();
  const reach = new Map<number, number>();
  let totalEvents = 0, totalReach = 0;
  for (const x of outcomes.filter(reached)) {
    const slot = slotIndex(x.day_of_week, x.hour);
    events.set(slot, (events.get(slot) ?? 0) + x.events);
    reach.set(slot, (reach.get(slot) ?? 0) + x.reach!);
    totalEvents += x.events;
    totalReach += x.reach!;
  }
  const platformRate = totalReach > 0 ? totalEvents / totalReach : 0;
  const rate = (slot: number) =>
    platformRate > 0
      ? ((events.get(slot) ?? 0) + o.priorEvents) /
        ((reach.get(slot) ?? 0) + o.priorEvents / platformRate)
      : 1; // no event yet anywhere: reach alone ranks the slots
  const values = outcomes.map((x) =>
    reached(x) ? x.reach! * rate(slotIndex(x.day_of_week, x.hour)) : x.events
  );
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
  const scale = mean > 0 ? o.meanValue / mean : 1;
  return outcomes.map((x, i) => ({
    day_of_week: x.day_of_week,
    hour: x.hour,
    engagements: values[i] * scale,
  }));
}
