// The SQL side of metrics sync (private.claim_metrics_due and private.record_metrics), typed:
// claimed rows in, batch elements out.
import { z } from "zod";
import { type ErrorClass, PlatformMetricsSchema } from "../adapters/types.ts";

export const ClaimedMetricsRow = z.object({
  distribution_id: z.string(),
  client_id: z.string(),
  platform_id: z.string(),
  platform_kind: z.string(),
  external_id: z.string(),
  published_at: z.date(),
  last_synced_at: z.date().nullable(),
  lease_until: z.date(),
});
export type ClaimedMetricsRow = z.infer<typeof ClaimedMetricsRow>;

/** A successful read: only the metrics the platform gave (absent = not reported, never 0). */
export const MetricsRead = z.object({
  distribution_id: z.string(),
  ok: z.literal(true),
  recorded_at: z.string().optional(),
  metrics: PlatformMetricsSchema,
});

/** A failed or unsupported read; the database backs off by class. */
export const MetricsFailure = z.object({
  distribution_id: z.string(),
  ok: z.literal(false),
  error: z.string(),
  error_class: z.enum(["transient", "rate_limited", "permanent", "auth"] satisfies ErrorClass[]),
  retry_at: z.string().optional(),
  /** The platform answered that the post does not exist: it is marked removed on the platform. */
  removed: z.boolean().optional(),
});

export const MetricsBatchElement = z.discriminatedUnion("ok", [MetricsRead, MetricsFailure]);
export type MetricsBatchElement = z.infer<typeof MetricsBatchElement>;

export const RecordMetricsReply = z.object({
  recorded: z.number(),
  failed: z.number(),
  removed: z.number(),
  ignored: z.array(z.string()),
  feedback: z.number(),
  platforms: z.number(),
});
export type RecordMetricsReply = z.infer<typeof RecordMetricsReply>;
