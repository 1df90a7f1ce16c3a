/**
 * The schedule request, as the HTTP API receives it and as the request processor builds it for a
 * generated_content row: one zod schema, so both go through the same validation and code path.
 */
import { z } from "zod";

export const CONTENT_TYPES = ["generated", "manual", "repurposed", "curated"] as const;
export const CROSS_POST_STRATEGIES = ["simultaneous", "staggered", "optimized"] as const;

/** An IANA zone name the runtime knows (Intl rejects anything else). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}

export const TimeZoneSchema = z.string().max(64).refine(isTimeZone, {
  message: "not an IANA time zone (e.g. America/New_York)",
});

/** ISO 8601 with an explicit offset or Z: "2027-03-08T09:00:00-05:00". */
export const InstantSchema = z.iso.datetime({
  offset: true,
  message: "must be an ISO 8601 date-time with an offset, e.g. 2027-03-08T09:00:00-05:00",
});

/**
 * How far ahead a post may be scheduled: slot choice searches this far (17520 hours in
 * scheduling.choose_slot), so an exact time beyond it is refused rather than parked for centuries.
 */
export const SCHEDULING_HORIZON_HOURS = 17520;

/** An exact posting time: an instant within the scheduling horizon from now. */
export const ScheduleTimeSchema = InstantSchema.refine(
  (at) => Date.parse(at) <= Date.now() + SCHEDULING_HORIZON_HOURS * 3600_000,
  {
    message: `must be within the scheduling horizon (${
      SCHEDULING_HORIZON_HOURS / 24
    } days from now)`,
  },
);

/** Most platform ids one request names (a client's every connection fits comfortably). */
export const MAX_PLATFORMS_PER_REQUEST = 100;
/** Most A/B variants of one post. */
export const MAX_VARIANTS = 10;

const Url = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).max(2048);

export const StoredContentSchema = z.strictObject({
  content_id: z.uuid(),
});

export const InlineContentSchema = z.strictObject({
  title: z.string().trim().min(1).max(1000).optional(),
  body: z.string().trim().min(1, "must not be empty").max(200_000),
  media_urls: z.array(Url).max(20).default([]),
  link_url: Url.optional(),
  keywords: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  topics: z.array(z.string().trim().min(1).max(200)).max(50).default([]),
  content_type: z.enum(CONTENT_TYPES).default("manual"),
});

export const VariantSchema = z.strictObject({
  body: z.string().trim().min(1, "must not be empty").max(200_000),
  title: z.string().trim().min(1).max(1000).optional(),
  is_control: z.boolean().optional(),
});

export const CrossPostSchema = z.strictObject({
  strategy: z.enum(CROSS_POST_STRATEGIES),
  stagger_minutes: z.number().int().min(1).max(7 * 24 * 60).optional(),
  /** Platform ids in posting order (a permutation of platform_ids). */
  order: z.array(z.uuid()).max(MAX_PLATFORMS_PER_REQUEST).optional(),
  name: z.string().trim().min(1).max(200).optional(),
});

/** Days ahead `optimize` compares slots over (the client's optimize_max_days_ahead still caps it). */
const HorizonDaysSchema = z.number().int().min(1).max(730);

export const ScheduleRequestSchema = z.strictObject({
  /** Needed only when inline content could belong to several of the caller's clients. */
  client_id: z.uuid().optional(),
  content: z.union([StoredContentSchema, InlineContentSchema], {
    error: "must be {content_id} or inline {title?, body, media_urls?, link_url?, ...}",
  }),
  platform_ids: z.array(z.uuid()).min(1, "at least one platform").max(MAX_PLATFORMS_PER_REQUEST),
  at: ScheduleTimeSchema.optional(),
  optimize: z.literal(true).optional(),
  /** With optimize: how far ahead the best slot is looked for before later days (default 7). */
  horizon_days: HorizonDaysSchema.optional(),
  nearest: z.boolean().default(false),
  timezone: TimeZoneSchema.optional(),
  cross_post: CrossPostSchema.optional(),
  variants: z.array(VariantSchema).min(2, "an A/B test needs two or more variants").max(
    MAX_VARIANTS,
  ).optional(),
  priority: z.enum(["normal", "high"]).optional(),
  business_unit: z.string().trim().min(1).max(200).optional(),
  vertical_id: z.uuid().optional(),
}).superRefine((req, ctx) => {
  if ((req.at === undefined) === (req.optimize === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["at"],
      message: "give exactly one of `at` (ISO 8601 with offset) or `optimize: true`",
    });
  }
  if (req.horizon_days !== undefined && !req.optimize) {
    ctx.addIssue({ code: "custom", path: ["horizon_days"], message: "goes with `optimize: true`" });
  }
  if (new Set(req.platform_ids).size !== req.platform_ids.length) {
    ctx.addIssue({ code: "custom", path: ["platform_ids"], message: "lists a platform twice" });
  }
  const cross = req.cross_post;
  if (cross?.strategy === "staggered" && cross.stagger_minutes === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["cross_post", "stagger_minutes"],
      message: "required for the staggered strategy",
    });
  }
  if (
    cross?.order &&
    (cross.order.length !== req.platform_ids.length ||
      !cross.order.every((id) => req.platform_ids.includes(id)))
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["cross_post", "order"],
      message: "must list each of platform_ids exactly once",
    });
  }
  const controls = req.variants?.filter((v) => v.is_control).length ?? 0;
  if (controls > 1) {
    ctx.addIssue({ code: "custom", path: ["variants"], message: "at most one is_control" });
  }
});
export type ScheduleRequest = z.infer<typeof ScheduleRequestSchema>;
export type InlineContent = z.infer<typeof InlineContentSchema>;

/** Reschedule: a new exact time, or optimize again. */
/** POST .../:id/approve: when the slot passed while it waited, take the next allowed time or refuse. */
export const ApproveSchema = z.strictObject({
  if_passed: z.enum(["refuse", "next_slot"]).default("refuse"),
});

/** POST .../:id/reject: the reason is kept on the row (review_note) and sent with the event. */
export const RejectSchema = z.strictObject({
  reason: z.string().trim().min(1, "a rejection needs a reason").max(2000),
});

export const RescheduleSchema = z.strictObject({
  at: ScheduleTimeSchema.optional(),
  optimize: z.literal(true).optional(),
  horizon_days: HorizonDaysSchema.optional(),
  nearest: z.boolean().default(false),
}).refine((r) => (r.at === undefined) !== (r.optimize === undefined), {
  path: ["at"],
  message: "give exactly one of `at` (ISO 8601 with offset) or `optimize: true`",
}).refine((r) => r.horizon_days === undefined || r.optimize, {
  path: ["horizon_days"],
  message: "goes with `optimize: true`",
});

/** Edit content: the new source (Markdown); what is left out keeps its current value. */
export const EditContentSchema = z.strictObject({
  title: z.string().trim().min(1).max(1000).optional(),
  body: z.string().trim().min(1, "must not be empty").max(200_000).optional(),
  media_urls: z.array(Url).max(20).optional(),
  link_url: Url.nullable().optional(),
  keywords: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  topics: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
}).refine((e) => Object.keys(e).length > 0, { message: "nothing to change" });
