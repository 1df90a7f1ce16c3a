/**
 * Instagram Graph API content publishing (shared HttpClient): create a media container (image, reel, or a
 * carousel of <= 10 children), poll its `status_code` until FINISHED, `media_publish` it, then read
 * the permalink. A single image is published without polling first (Meta processes images almost
 * at once): only when media_publish answers that the media is not ready (code 9007, subcode
 * 2207027; such a refusal creates nothing) is the container polled and published once more. The
 * daily cap is read from `content_publishing_limit` before anything is created:
 * once per adapter instance (one publish run), then counted locally, and read again when the
 * reading is older than `quota_cache_ms` or the count comes within `quota_recheck_margin` of the
 * cap (near the cap every post reads it, as without a cache). Concurrent posts share one read.
 * Meta's own cap error at media_publish (code 9 / 2207042) stays the final word.
 *
 * No update, delete or native scheduling in the API: those answer a typed Unsupported.
 * Existence lookup: captions are public, so no marker is embedded; findExisting reads the account's
 * recent media and matches the exact caption posted at or after the attempt.
 */
import { z } from "zod";
import {
  type AdapterDeps,
  buildMetrics,
  type ExistenceQuery,
  invalidContent,
  notApplied,
  type PlatformAdapter,
  pollUntil,
  type PublishOptions,
  unsupported,
  validation,
} from "./adapter.ts";
import type { ErrorProfile } from "../net/classify.ts";
import type { CredentialsFor } from "../platforms/credentials.ts";
import { type HttpClient, httpClientFor } from "../net/api-client.ts";
import { type LimitsFor, limitsFor } from "./settings.ts";
import type {
  AudienceActivityResult,
  DeleteResult,
  DistributionContent,
  ExistenceResult,
  Failure,
  MetricsResult,
  PlatformRow,
  PublishResult,
  UpdateResult,
  ValidationError,
  ValidationResult,
} from "./types.ts";

/** Meta throttling: codes 4, 17, 32, 613 (rolling one-hour windows); 9/2207042 the daily cap. */
const META_HOUR: { kind: "after"; seconds: number } = { kind: "after", seconds: 3600 };

export const INSTAGRAM_ERRORS: ErrorProfile = {
  platform: "Instagram",
  messagePaths: ["error.error_user_msg", "error.message"],
  codePaths: ["error.error_subcode", "error.code"],
  rules: [
    { path: "error.error_subcode", equals: 2207042, errorClass: "rate_limited", reset: META_HOUR },
    { path: "error.error_subcode", equals: 2207052, errorClass: "transient" },
    // Not ready for publishing (also after polling said FINISHED): nothing published, try later.
    { path: "error.error_subcode", equals: 2207027, errorClass: "transient" },
    { path: "error.code", equals: 190, errorClass: "auth" },
    { path: "error.code", equals: 10, errorClass: "auth" },
    { path: "error.code", equals: 200, errorClass: "auth" },
    ...[4, 17, 32, 613].map((code) => ({
      path: "error.code",
      equals: code,
      errorClass: "rate_limited" as const,
    })),
    { path: "error.is_transient", equals: "true", errorClass: "transient" },
  ],
  rateLimitReset: META_HOUR,
};

export const InstagramConfigSchema = z.object({
  base_url: z.string().url().default("https://graph.facebook.com"),
  graph_version: z.string().default("v23.0"),
  ig_user_id: z.string().min(1),
  timeout_ms: z.number().int().positive().optional(),
  /** Container processing: how often and how long to poll status_code. */
  poll_interval_ms: z.number().int().nonnegative().default(2000),
  poll_attempts: z.number().int().positive().default(30),
  /** How long a content_publishing_limit reading is used, counting our own posts on top. */
  quota_cache_ms: z.number().int().nonnegative().default(60_000),
  /** Posts short of the cap from which every post reads the quota again. */
  quota_recheck_margin: z.number().int().nonnegative().default(5),
});
type InstagramConfig = z.infer<typeof InstagramConfigSchema>;

const InstagramExtrasSchema = z.object({
  hashtags: z.array(z.string()).optional(),
  /** Override media type detection: REELS for a single video, IMAGE otherwise. */
  media_type: z.enum(["IMAGE", "REELS"]).optional(),
});

const IdSchema = z.object({ id: z.string() });
const StatusSchema = z.object({
  status_code: z.enum(["EXPIRED", "ERROR", "FINISHED", "IN_PROGRESS", "PUBLISHED"]),
  status: z.string().optional(),
});
const PermalinkSchema = z.object({ id: z.string(), permalink: z.string() });
const LimitSchema = z.object({
  data: z.array(z.object({
    quota_usage: z.number(),
    config: z.object({ quota_total: z.number(), quota_duration: z.number() }).optional(),
  })),
});
const MediaListSchema = z.object({
  data: z.array(z.object({
    id: z.string(),
    caption: z.string().optional(),
    permalink: z.string().optional(),
    timestamp: z.string().optional(),
  })),
});
const InsightsSchema = z.object({
  data: z.array(z.object({
    name: z.string(),
    values: z.array(z.object({ value: z.unknown() })).optional(),
    total_value: z.object({ value: z.unknown() }).optional(),
  })),
});

const OnlineFollowersSchema = z.object({
  data: z.array(z.object({
    name: z.string(),
    values: z.array(z.object({ value: z.record(z.string(), z.number()).optional() })).optional(),
  })),
});

const INSIGHT_METRICS = [
  "views",
  "reach",
  "likes",
  "comments",
  "shares",
  "saved",
  "total_interactions",
];
const VIDEO_URL = /\.(mp4|mov|m4v)(\?|#|$)/i;
const HASHTAG = /(^|[^\p{L}\p{N}_&])#[\p{L}\p{N}_]+/gu;
const MENTION = /(^|[^\p{L}\p{N}_.])@[A-Za-z0-9._]+/gu;
/** findExisting accepts media posted this long before the attempt's send time (clock skew). */
const LOOKUP_SKEW_MS = 5 * 60_000;

/** The caption as posted: body plus any hashtags given separately. */
export function instagramCaption(content: DistributionContent): string {
  const tags = InstagramExtrasSchema.safeParse(content.platformSpecific ?? {}).data?.hashtags ?? [];
  const suffix = tags.map((t) => `#${t.replace(/^#/, "")}`).join(" ");
  return suffix ? `${content.body}\n\n${suffix}` : content.body;
}

function isVideo(url: string, content: DistributionContent): boolean {
  const type = InstagramExtrasSchema.safeParse(content.platformSpecific ?? {}).data?.media_type;
  return type ? type === "REELS" : VIDEO_URL.test(url);
}

/** A content_publishing_limit reading and what this instance has sent on top of it since. */
interface QuotaReading {
  usage: number;
  /** The smaller of the account's quota and our setting; Infinity when the API gave none. */
  cap: number;
  readAt: number;
  /** Posts past the quota check since the reading, plus those in flight when it was read. */
  since: number;
}

const failure = (message: string, errorClass: "permanent" | "transient") =>
  notApplied(errorClass, message);

/** A created container; `polled` once its status_code was seen FINISHED. */
interface Container {
  id: string;
  polled: boolean;
}

/** media_publish refused a container still IN_PROGRESS (9007 / 2207027): nothing was published. */
const NOT_READY_SUBCODE = "2207027";

export class InstagramAdapter implements PlatformAdapter {
  readonly kind = "instagram" as const;
  private readonly config: InstagramConfig;
  private readonly limits: LimitsFor<"instagram">;
  private readonly http: HttpClient;
  private readonly token: string;
  private readonly root: string;
  private quota?: QuotaReading;
  private quotaRead?: Promise<QuotaReading | Failure>;
  /** Posts past the quota check whose publish has not finished. */
  private publishing = 0;

  constructor(
    platform: PlatformRow,
    credentials: CredentialsFor<"instagram">,
    deps: AdapterDeps = {},
  ) {
    this.config = InstagramConfigSchema.parse(platform.publish_config);
    this.limits = limitsFor("instagram", platform);
    this.http = httpClientFor(this.config, deps, INSTAGRAM_ERRORS);
    this.token = credentials.access_token;
    this.root = `${this.config.base_url.replace(/\/+$/, "")}/${this.config.graph_version}/`;
  }

  private graph<T>(
    method: "GET" | "POST",
    path: string,
    params: Record<string, string>,
    schema: z.ZodType<T>,
  ) {
    const base = this.root + path;
    const query = new URLSearchParams(params);
    return this.http.request({
      method,
      url: method === "GET" && query.size ? `${base}?${query}` : base,
      headers: { authorization: `Bearer ${this.token}` },
      body: method === "POST" ? query : undefined,
    }, { json: schema });
  }

  validate(content: DistributionContent): ValidationResult {
    const errors: ValidationError[] = [];
    const caption = instagramCaption(content);
    const { maxCaptionChars, maxHashtags, maxMentions, maxCarouselItems } = this.limits;
    const length = [...caption].length;
    if (length > maxCaptionChars) {
      errors.push({
        field: "body",
        message: `${length} characters, Instagram allows ${maxCaptionChars}`,
      });
    }
    const hashtags = caption.match(HASHTAG)?.length ?? 0;
    if (hashtags > maxHashtags) {
      errors.push({
        field: "body",
        message: `${hashtags} hashtags, Instagram allows ${maxHashtags}`,
      });
    }
    const mentions = caption.match(MENTION)?.length ?? 0;
    if (mentions > maxMentions) {
      errors.push({
        field: "body",
        message: `${mentions} mentions, Instagram allows ${maxMentions}`,
      });
    }
    const media = content.mediaUrls ?? [];
    if (media.length === 0) {
      errors.push({ field: "mediaUrls", message: "Instagram posts need an image or a video" });
    }
    if (media.length > maxCarouselItems) {
      errors.push({
        field: "mediaUrls",
        message: `${media.length} items, an Instagram carousel allows ${maxCarouselItems}`,
      });
    }
    media.forEach((url, i) => {
      if (!/^https?:\/\//.test(url)) {
        errors.push({ field: `mediaUrls.${i}`, message: "must be a public http(s) URL" });
      }
    });
    const extras = InstagramExtrasSchema.safeParse(content.platformSpecific ?? {});
    for (const issue of extras.error?.issues ?? []) {
      errors.push({ field: `platformSpecific.${issue.path.join(".")}`, message: issue.message });
    }
    return validation(errors);
  }

  /**
   * The rolling-24 h cap: the smaller of the account's config and our setting. A post that passes
   * is counted against the cached reading; a fresh reading decides as it always did.
   */
  private async quotaFailure(): Promise<Failure | undefined> {
    const cached = this.quota;
    if (cached && this.usable(cached)) {
      cached.since++;
      return undefined;
    }
    const reading = await this.readQuota();
    if ("ok" in reading) return reading;
    if (reading.usage < reading.cap) {
      reading.since++;
      return undefined;
    }
    return {
      ok: false,
      errorClass: "rate_limited",
      outcome: "not_applied",
      resetAt: new Date(this.http.now().getTime() + META_HOUR.seconds * 1000),
      message:
        `Instagram publishing limit reached: ${reading.usage} of ${reading.cap} posts in 24 h`,
    };
  }

  /** Recent enough, and this post plus the margin fits under the cap by our own count. */
  private usable(q: QuotaReading): boolean {
    const age = this.http.now().getTime() - q.readAt;
    return age >= 0 && age < this.config.quota_cache_ms &&
      q.usage + q.since + 1 + this.config.quota_recheck_margin <= q.cap;
  }

  /** One content_publishing_limit read at a time; concurrent posts wait for the same one. */
  private readQuota(): Promise<QuotaReading | Failure> {
    this.quotaRead ??= this.fetchQuota().finally(() => {
      this.quotaRead = undefined;
    });
    return this.quotaRead;
  }

  private async fetchQuota(): Promise<QuotaReading | Failure> {
    // Posts already past the check may or may not be in the usage read now: count them.
    const inFlight = this.publishing;
    const res = await this.graph("GET", `${this.config.ig_user_id}/content_publishing_limit`, {
      fields: "quota_usage,config",
    }, LimitSchema);
    if (!res.ok) return res;
    const entry = res.data.data[0];
    this.quota = {
      usage: entry?.quota_usage ?? 0,
      cap: entry
        ? Math.min(entry.config?.quota_total ?? Infinity, this.limits.postsPer24h)
        : Infinity,
      readAt: this.http.now().getTime(),
      since: inFlight,
    };
    return this.quota;
  }

  private async create(params: Record<string, string>): Promise<Container | Failure> {
    const created = await this.graph("POST", `${this.config.ig_user_id}/media`, params, IdSchema);
    return created.ok ? { id: created.data.id, polled: false } : created;
  }

  /** Created and polled until FINISHED. */
  private async container(params: Record<string, string>): Promise<Container | Failure> {
    const created = await this.create(params);
    if ("ok" in created) return created;
    const failed = await this.settle(created.id);
    return failed ?? { id: created.id, polled: true };
  }

  /** Poll status_code until the container is FINISHED; a Failure when it ends otherwise. */
  private async settle(id: string): Promise<Failure | undefined> {
    const settled = await pollUntil(async () => {
      const res = await this.graph("GET", id, { fields: "status_code,status" }, StatusSchema);
      if (!res.ok) return res;
      return res.data.status_code === "IN_PROGRESS" ? undefined : res.data;
    }, { attempts: this.config.poll_attempts, intervalMs: this.config.poll_interval_ms });
    if (settled === undefined) {
      return failure(`Instagram container ${id} still IN_PROGRESS after polling`, "transient");
    }
    if ("ok" in settled) return settled;
    if (settled.status_code === "FINISHED") return undefined;
    return failure(
      `Instagram container ${id} is ${settled.status_code}${
        settled.status ? `: ${settled.status}` : ""
      }`,
      settled.status_code === "EXPIRED" ? "transient" : "permanent",
    );
  }

  /** The container to publish: a single image is not polled, anything else is. */
  private async creation(content: DistributionContent): Promise<Container | Failure> {
    const media = content.mediaUrls ?? [];
    const caption = instagramCaption(content);
    const item = (url: string): Record<string, string> =>
      isVideo(url, content) ? { video_url: url, media_type: "REELS" } : { image_url: url };
    if (media.length === 1) {
      const single: Record<string, string> = { ...item(media[0]), caption };
      return single.image_url ? this.create(single) : this.container(single);
    }
    const children: string[] = [];
    for (const url of media) {
      const child = await this.container({ ...item(url), is_carousel_item: "true" });
      if ("ok" in child) return child;
      children.push(child.id);
    }
    return this.container({ media_type: "CAROUSEL", children: children.join(","), caption });
  }

  async publish(content: DistributionContent, _options?: PublishOptions): Promise<PublishResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const overCap = await this.quotaFailure();
    if (overCap) return overCap;
    this.publishing++;
    try {
      const result = await this.publishMedia(content);
      // Meta says the cap is reached (or throttles): our count was off, read the quota again.
      if (!result.ok && result.errorClass === "rate_limited") this.quota = undefined;
      return result;
    } finally {
      this.publishing--;
    }
  }

  private async publishMedia(content: DistributionContent): Promise<PublishResult> {
    const container = await this.creation(content);
    if ("ok" in container) return container;
    let published = await this.mediaPublish(container.id);
    if (!container.polled && !published.ok && published.platformCode === NOT_READY_SUBCODE) {
      const failed = await this.settle(container.id);
      if (failed) return failed;
      published = await this.mediaPublish(container.id);
    }
    if (!published.ok) return published;
    const mediaId = published.data.id;
    // The post is live: a failed permalink read must not turn it into a failure (no resend).
    const link = await this.graph("GET", mediaId, { fields: "id,permalink" }, PermalinkSchema);
    return { ok: true, externalId: mediaId, externalUrl: link.ok ? link.data.permalink : "" };
  }

  private mediaPublish(creationId: string) {
    return this.graph(
      "POST",
      `${this.config.ig_user_id}/media_publish`,
      { creation_id: creationId },
      IdSchema,
    );
  }

  update(_externalId?: string, _content?: DistributionContent): Promise<UpdateResult> {
    return Promise.resolve(
      unsupported("update", "The Instagram Graph API cannot edit a published post"),
    );
  }

  delete(_externalId?: string): Promise<DeleteResult> {
    return Promise.resolve(
      unsupported("delete", "The Instagram Graph API cannot delete a published post"),
    );
  }

  /**
   * A media object a person deleted in the app answers code 100, subcode 33 ("Object with ID ... does
   * not exist") or a 404: the read is `gone`.
   */
  async getMetrics(externalId: string): Promise<MetricsResult> {
    const res = await this.graph("GET", `${externalId}/insights`, {
      metric: INSIGHT_METRICS.join(","),
    }, InsightsSchema);
    if (!res.ok) {
      const missing = res.status === 404 || (res.status === 400 && res.platformCode === "33");
      return missing ? { ...res, gone: true } : res;
    }
    const values: Record<string, unknown> = {};
    for (const m of res.data.data) values[m.name] = m.total_value?.value ?? m.values?.[0]?.value;
    return {
      ok: true,
      metrics: buildMetrics({
        impressions: values.views,
        reach: values.reach,
        likes: values.likes,
        comments: values.comments,
        shares: values.shares,
        saves: values.saved,
        engagements: values.total_interactions,
      }, values),
    };
  }

  /**
   * The IG user's online_followers (period lifetime: up to the last 30 days, each a map of local
   * hour -> followers online), averaged per hour over the days that report any hour.
   */
  async getAudienceActivity(): Promise<AudienceActivityResult> {
    const res = await this.graph("GET", `${this.config.ig_user_id}/insights`, {
      metric: "online_followers",
      period: "lifetime",
    }, OnlineFollowersSchema);
    if (!res.ok) return res;
    const sums = new Array<number>(24).fill(0);
    let days = 0;
    for (const day of res.data.data.find((m) => m.name === "online_followers")?.values ?? []) {
      const entries = Object.entries(day.value ?? {}).filter(([h]) => /^\d+$/.test(h) && +h < 24);
      if (entries.length === 0) continue;
      days++;
      for (const [h, n] of entries) sums[+h] += n;
    }
    if (days === 0) {
      return {
        ok: false,
        errorClass: "permanent",
        outcome: "not_applied",
        message: "online_followers reported no hours (the account may have under 100 followers)",
      };
    }
    return { ok: true, hours: sums.map((s) => s / days), days };
  }

  async findExisting({ content, sentAt }: ExistenceQuery): Promise<ExistenceResult> {
    const res = await this.graph("GET", `${this.config.ig_user_id}/media`, {
      fields: "id,caption,permalink,timestamp",
      limit: "25",
    }, MediaListSchema);
    if (!res.ok) return res;
    const caption = instagramCaption(content);
    const since = sentAt ? sentAt.getTime() - LOOKUP_SKEW_MS : -Infinity;
    const match = res.data.data.find((m) =>
      m.caption === caption && (!m.timestamp || Date.parse(m.timestamp) >= since)
    );
    return match
      ? { ok: true, found: true, externalId: match.id, externalUrl: match.permalink ?? "" }
      : { ok: true, found: false };
  }
}
