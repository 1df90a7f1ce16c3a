/**
 * The data every adapter speaks: content in, one result type out.
 *
 * Shapes that cross a boundary (rows, request bodies, metrics written to the database) are zod
 * schemas with inferred types; result types are plain discriminated unions because they carry
 * `Date`s and are built only by our own code.
 */
import { z } from "zod";
import { Constants } from "../database.types.ts";

// platforms.kind is the enum public.platform_kind: the adapters' list is the generated one.
export const PLATFORM_KINDS = Constants.public.Enums.platform_kind;
export const PlatformKindSchema = z.enum(PLATFORM_KINDS);
export type PlatformKind = z.infer<typeof PlatformKindSchema>;

/** What is published: the seed's DistributionContent. */
export const DistributionContentSchema = z.object({
  title: z.string().optional(),
  body: z.string(),
  mediaUrls: z.array(z.string()).optional(),
  linkUrl: z.string().optional(),
  platformSpecific: z.record(z.string(), z.unknown()).optional(),
});
export type DistributionContent = z.infer<typeof DistributionContentSchema>;

/**
 * `platforms.publish_config`: `base_url` of the API (real or emulator), per-kind options (read by
 * each adapter with its own schema) and `limits` overrides (see settings.ts).
 */
export const PublishConfigSchema = z.looseObject({
  base_url: z.string().url().optional(),
  timeout_ms: z.number().int().positive().optional(),
  limits: z.record(z.string(), z.unknown()).optional(),
});
export type PublishConfig = z.infer<typeof PublishConfigSchema>;

/** The subset of a `platforms` row the adapters need. */
export const PlatformRowSchema = z.object({
  id: z.string(),
  client_id: z.string(),
  kind: PlatformKindSchema,
  name: z.string(),
  publish_config: PublishConfigSchema.default({}),
  credentials_secret_id: z.string().nullable(),
});
export type PlatformRow = z.infer<typeof PlatformRowSchema>;

// ---------------------------------------------------------------------------------------------
// Results

export type ErrorClass = "transient" | "rate_limited" | "permanent" | "auth";

/**
 * Whether the failed call may have taken effect on the platform.
 * - `not_applied`: it certainly did not (rejected, refused, validation) — safe to retry per class.
 * - `unknown`: the request may have been acted on (timeout after sending, connection lost, a 2xx
 *   we could not read, a gateway 502/504). The publisher must reconcile with `findExisting`
 *   before sending again, or park the attempt as `unconfirmed`.
 */
export type FailureOutcome = "not_applied" | "unknown";

interface FailureBase {
  ok: false;
  unsupported?: undefined;
  /** The platform's own message (or ours when the request never got an answer). */
  message: string;
  outcome: FailureOutcome;
  /** HTTP status when there was one. */
  status?: number;
  /** The platform's machine-readable code (`rest_already_trashed`, `DUPLICATE_POST`, `88`...). */
  platformCode?: string;
  /**
   * With outcome `unknown`: what the platform called the request it accepted (TikTok's
   * publish_id), kept with the attempt so a later look-up can ask about that request itself.
   */
  acceptedRef?: string;
  /**
   * The platform answers that the post does not exist (deleted or trashed there by a person): a
   * definite answer about the post, never set for a transient or unclear failure.
   */
  gone?: boolean;
}

export type Failure =
  | (FailureBase & { errorClass: "rate_limited"; resetAt: Date })
  | (FailureBase & { errorClass: "transient" | "permanent" | "auth"; resetAt?: undefined });

/** An operation the platform's API does not offer (X edit, Instagram delete...). Never a no-op. */
export interface Unsupported {
  ok: false;
  unsupported: true;
  operation: AdapterOperation;
  message: string;
}

export type AdapterOperation =
  | "publish"
  | "schedule"
  | "update"
  | "delete"
  | "metrics"
  | "findExisting";

/** Success carries `T`; failure is classified. */
export type Result<T> = ({ ok: true } & T) | Failure;

export interface Published {
  externalId: string;
  externalUrl: string;
  /** Set when the platform holds the post for a future time (native scheduling). */
  scheduledFor?: Date;
}

export type PublishResult = Result<Published>;
export type ScheduleResult = Result<Published & { scheduledFor: Date }> | Unsupported;
export type UpdateResult = Result<{ externalId: string; externalUrl: string }> | Unsupported;
/** `alreadyDeleted`: the platform says it was gone before this call (idempotent delete). */
export type DeleteResult = Result<{ externalId: string; alreadyDeleted: boolean }> | Unsupported;
export type MetricsResult = Result<{ metrics: PlatformMetrics }> | Unsupported;
/**
 * When the account's audience is online, as the platform reports it (Instagram's online_followers):
 * the mean count online in each hour 0..23 of the account's time zone over `days` days.
 */
export type AudienceActivityResult = Result<{ hours: number[]; days: number }>;

/** Whether a post from a given publish attempt already exists on the platform. */
export type ExistenceResult =
  | { ok: true; found: true; externalId: string; externalUrl: string }
  | { ok: true; found: false }
  | Unsupported
  | Failure;

// ---------------------------------------------------------------------------------------------
// Validation

export const ValidationErrorSchema = z.object({ field: z.string(), message: z.string() });
export type ValidationError = z.infer<typeof ValidationErrorSchema>;
export const ValidationResultSchema = z.object({
  valid: z.boolean(),
  errors: z.array(ValidationErrorSchema),
});
export type ValidationResult = z.infer<typeof ValidationResultSchema>;

// ---------------------------------------------------------------------------------------------
// Metrics

const count = z.number().int().nonnegative().optional();

/**
 * The common metric set (columns of `distribution_metrics`). A metric the platform does not give
 * is ABSENT (later NULL), never 0. Everything else the platform reports goes to `platform_metrics`.
 */
export const PlatformMetricsSchema = z.object({
  impressions: count,
  reach: count,
  engagements: count,
  clicks: count,
  shares: count,
  comments: count,
  likes: count,
  saves: count,
  video_views: count,
  video_watch_time_seconds: count,
  followers_gained: count,
  followers_lost: count,
  platform_metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
});
export type PlatformMetrics = z.infer<typeof PlatformMetricsSchema>;
export type CommonMetricName = Exclude<keyof PlatformMetrics, "platform_metrics">;
