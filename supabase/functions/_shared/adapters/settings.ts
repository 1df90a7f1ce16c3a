/**
 * Every limit an adapter enforces, ONE settings object per platform kind. Platforms change these
 * (hashtag counts, daily caps), so a row overrides any of them in `publish_config.limits`; the
 * override is validated by the same schema. No limit literal lives anywhere else.
 */
import { z } from "zod";
import type { PlatformKind, PlatformRow } from "./types.ts";

const int = (value: number) => z.number().int().nonnegative().default(value);

export const LIMIT_SCHEMAS = {
  wordpress: z.object({
    titleRequired: z.boolean().default(true),
    minBodyChars: int(100),
    /** WordPress turns `publish` with a date >= this far ahead into `future`. */
    futureThresholdSeconds: int(60),
  }),
  x: z.object({
    maxWeightedLength: int(280),
    maxImages: int(4),
    maxGifs: int(1),
    maxVideos: int(1),
    /** X's limit for a video's length (longer ones need an account allowed them). */
    maxVideoSeconds: int(140),
    /** How far back findExisting reads the account's own timeline. */
    lookupWindowHours: int(24),
    lookupMaxResults: int(100),
    /** Pages of lookupMaxResults findExisting may read before it answers "not known yet". */
    lookupMaxPages: int(10),
  }),
  linkedin: z.object({
    maxCommentaryChars: int(3000),
    lookupMaxResults: int(50),
    /** Pages of lookupMaxResults findExisting may read before it answers "not known yet". */
    lookupMaxPages: int(10),
  }),
  youtube: z.object({
    maxTitleChars: int(100),
    maxDescriptionBytes: int(5000),
    /** Unverified in platform docs: kept configurable. */
    maxTagsChars: int(500),
    lookupMaxResults: int(50),
    uploadResumeAttempts: int(3),
    /** YouTube's largest upload (256 GB), checked as the video's bytes arrive from its host. */
    maxVideoBytes: int(256 * 1024 ** 3),
  }),
  email: z.object({
    /** Mailchimp's editor caps subject lines at 150 (unverified for the API): configurable. */
    maxSubjectChars: int(150),
    maxPreviewTextChars: int(150),
    /** Mailchimp schedules only on quarter hours (UTC). */
    scheduleStepMinutes: int(15),
  }),
  instagram: z.object({
    maxCaptionChars: int(2200),
    /** Some late-2025 sources say 5. */
    maxHashtags: int(30),
    maxMentions: int(20),
    maxCarouselItems: int(10),
    postsPer24h: int(50),
  }),
  tiktok: z.object({
    maxTitleUtf16: int(2200),
    /** TikTok's largest file upload (4 GB), checked as the video's bytes arrive from its host. */
    maxVideoBytes: int(4 * 1024 ** 3),
  }),
  podcast: z.object({
    maxDescriptionBytes: int(4000),
    maxValueChars: int(255),
    /** Apple Podcasts' accepted enclosure types. */
    enclosureTypes: z.array(z.string()).default([
      "audio/mpeg",
      "audio/x-m4a",
      "video/mp4",
      "video/quicktime",
      "video/x-m4v",
      "application/pdf",
    ]),
  }),
} satisfies Record<PlatformKind, z.ZodType>;

export type LimitsFor<K extends PlatformKind> = z.infer<(typeof LIMIT_SCHEMAS)[K]>;

/** Defaults merged with `publish_config.limits` (throws a ZodError on a bad override). */
export function limitsFor<K extends PlatformKind>(kind: K, platform?: PlatformRow): LimitsFor<K> {
  const schema: z.ZodType<LimitsFor<K>> = LIMIT_SCHEMAS[kind] as unknown as z.ZodType<LimitsFor<K>>;
  return schema.parse(platform?.publish_config.limits ?? {});
}

/** HTTP behaviour shared by all adapters; `publish_config.timeout_ms` overrides the timeout. */
export const HTTP_SETTINGS = {
  timeoutMs: 15_000,
  /** Large uploads (YouTube bytes) get longer. */
  uploadTimeoutMs: 10 * 60_000,
  /** A 429 with no reset information and no platform policy waits this long. */
  fallbackRateLimitSeconds: 15 * 60,
} as const;

/** Time zones in which platform daily quotas reset. */
export const QUOTA_TIME_ZONES = {
  linkedin: "UTC",
  youtube: "America/Los_Angeles",
} as const;
