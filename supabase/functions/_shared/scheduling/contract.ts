/**
 * The SQL half's functions, typed: `scheduling.schedule_content(jsonb)` (slot choice and the writes
 * for an input validated and resolved in schedule.ts, one savepoint per platform group: a platform's
 * A/B variants are written together or not at all; its schema is not exposed through PostgREST, so
 * only the functions call it), the state-change functions; their errors become HTTP statuses through
 * sql-errors.ts.
 */
import { z } from "zod";
import { jsonb, type Tx } from "../db.ts";
import { mappingSqlErrors } from "../sql-errors.ts";

export interface ScheduleItem {
  /** The distribution's id, chosen here so its link can carry it as utm_content. */
  id: string;
  platform_id: string;
  timezone: string;
  title: string | null;
  body: string;
  media_urls: string[];
  link_url: string | null;
  platform_specific: Record<string, unknown>;
  variant_group: string | null;
  is_control: boolean;
}

export type Timing =
  | { mode: "exact"; at: string; nearest: boolean }
  | { mode: "optimize"; horizon_days?: number };

export interface ScheduleContentInput {
  client_id: string;
  content_id: string | null;
  content_type: string;
  business_unit: string | null;
  vertical_id: string | null;
  priority: "normal" | "high";
  timing: Timing;
  cross_post: null | {
    /** Chosen here so utm_campaign names the group; the SQL creates the group with exactly this id. */
    id: string;
    strategy: string;
    stagger_minutes: number | null;
    name: string | null;
  };
  items: ScheduleItem[];
}

export const FieldErrorSchema = z.object({ field: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldErrorSchema>;

export const ScheduledDistributionSchema = z.looseObject({
  id: z.string(),
  title: z.string().nullable().optional(),
  body: z.string(),
  scheduled_for: z.string().nullable(),
  scheduled_for_local: z.string().nullable().optional(),
  timezone: z.string(),
  calendar_slot: z.looseObject({
    id: z.string(),
    date: z.string(),
    time_slot: z.string(),
    slot_type: z.string(),
  }).nullable().optional(),
  status: z.string(),
  note: z.string().nullable().optional(),
});
export type ScheduledDistribution = z.infer<typeof ScheduledDistributionSchema>;

export const ScheduleContentResultSchema = z.object({
  cross_post_group_id: z.string().nullable(),
  results: z.array(z.union([
    z.object({
      index: z.number().int(),
      platform_id: z.string(),
      ok: z.literal(true),
      distribution: ScheduledDistributionSchema,
    }),
    z.object({
      index: z.number().int(),
      platform_id: z.string(),
      ok: z.literal(false),
      errors: z.array(FieldErrorSchema),
    }),
  ])),
});
export type ScheduleContentResult = z.infer<typeof ScheduleContentResultSchema>;

export async function callScheduleContent(
  tx: Tx,
  input: ScheduleContentInput,
): Promise<ScheduleContentResult> {
  const [row] = await tx`select scheduling.schedule_content(${jsonb(tx, input)}) as result`;
  return ScheduleContentResultSchema.parse(row.result);
}

export type StateChange = "reschedule" | "cancel" | "retry" | "publish_now" | "unpublish";

/** `public.<change>_distribution(...)` -> the row as jsonb. */
export async function callStateChange(
  tx: Tx,
  change: StateChange,
  id: string,
  reschedule?: { at: string | null; nearest: boolean; horizonDays?: number },
): Promise<unknown> {
  return await mappingSqlErrors(async () => {
    const rows = change === "reschedule"
      ? await tx`select public.reschedule_distribution(
          ${id}::uuid, ${reschedule?.at ?? null}::timestamptz, ${reschedule?.nearest ?? false},
          ${reschedule?.horizonDays ?? null}::integer
        ) as result`
      : change === "cancel"
      ? await tx`select public.cancel_distribution(${id}::uuid) as result`
      : change === "retry"
      ? await tx`select public.retry_distribution(${id}::uuid) as result`
      : change === "unpublish"
      ? await tx`select public.unpublish_distribution(${id}::uuid) as result`
      : await tx`select public.publish_distribution_now(${id}::uuid) as result`;
    return rows[0].result;
  });
}

/** Review of a pending_approval distribution: `public.approve_distribution` / `reject_distribution`. */
export async function callReview(
  tx: Tx,
  id: string,
  review: { approve: true; ifPassed: "refuse" | "next_slot" } | { approve: false; reason: string },
): Promise<unknown> {
  return await mappingSqlErrors(async () => {
    const rows = review.approve
      ? await tx`select public.approve_distribution(${id}::uuid, ${review.ifPassed}) as result`
      : await tx`select public.reject_distribution(${id}::uuid, ${review.reason}) as result`;
    return rows[0].result;
  });
}
