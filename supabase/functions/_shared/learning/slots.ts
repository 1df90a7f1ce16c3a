// Weekly posting slots: (local day of week 0-6, 0 = Sunday; local hour 0-23) and what a post in one
// earned. Everything here is in the distribution's (audience's) own time zone.
import { z } from "zod";

export const DAYS = 7;
export const HOURS = 24;
export const SLOT_COUNT = DAYS * HOURS;

export const Observation = z.object({
  day_of_week: z.number().int().min(0).max(6),
  hour: z.number().int().min(0).max(23),
  /** The post's engagement count (the per-kind numerator of engagement_rate). */
  engagements: z.number().nonnegative(),
});
export type Observation = z.infer<typeof Observation>;

/** One entry of the timing pattern the scheduler reads (scheduling.posting_times). */
export const TemplateSlot = z.object({
  day_of_week: z.number().int().min(0).max(6),
  hour: z.number().int().min(0).max(23),
  score: z.number(),
});
export type TemplateSlot = z.infer<typeof TemplateSlot>;

export function slotIndex(day: number, hour: number): number {
  return day * HOURS + hour;
}

export function slotOf(index: number): { day_of_week: number; hour: number } {
  return { day_of_week: Math.floor(index / HOURS), hour: index % HOURS };
}
