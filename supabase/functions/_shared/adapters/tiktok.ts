/**
 * TikTok Content Posting API, direct post: query creator_info for the privacy levels this creator
 * allows, init the post, then poll status/fetch through PROCESSING_* until PUBLISH_COMPLETE (with the
 * public post id) or FAILED. The video goes by PULL_FROM_URL (TikTok fetches it: its host must be
 * verified with TikTok) or, with `video_source: "file_upload"`, by FILE_UPLOAD: read from its host a
 * chunk at a time and PUT to the upload_url in TikTok's chunks (5-64 MB, the last up to 128 MB).
 * creator_info is queried once per adapter instance (one publish run; concurrent posts share the
 * query) and checked against every post; a refused init drops it, so the next post asks again.
 *
 * No update, delete or native scheduling in the API: typed Unsupported.
 * Metrics: /v2/video/query/ (scope video.list); TikTok's view_count is both its exposure count
 * (impressions) and video views. Existence lookup: /v2/video/list/ matched on the exact title
 * posted at or after the attempt (captions are public, so no marker is embedded).
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
import { type HttpClient, httpClientFor, type HttpOk } from "../net/api-client.ts";
import { MEDIA_WINDOW_BYTES, type MediaFile, openMedia } from "../media/fetch.ts";
import { longerThan } from "../media/mp4.ts";
import { oauth2TokenErrors, withOAuth2 } from "../platforms/oauth2.ts";
import { HTTP_SETTINGS, type LimitsFor, limitsFor } from "./settings.ts";
import type {
  DeleteResult,
  DistributionContent,
  ErrorClass,
  ExistenceResult,
  Failure,
  MetricsResult,
  PlatformRow,
  PublishResult,
  UpdateResult,
  ValidationError,
  ValidationResult,
} from "./types.ts";
import { nextMidnight } from "./zoned-time.ts";

export const TIKTOK_ERRORS: ErrorProfile = {
  platform: "TikTok",
  messagePaths: ["error.message"],
  codePaths: ["error.code"],
  rules: [
    { path: "error.code", equals: "access_token_invalid", errorClass: "auth" },
    { path: "error.code", equals: "scope_not_authorized", errorClass: "auth" },
    { path: "error.code", equals: "rate_limit_exceeded", errorClass: "rate_limited" },
    // The creator's daily post cap: TikTok does not say when it lifts (unverified: UTC midnight).
    {
      path: "error.code",
      equals: "spam_risk_too_many_posts",
      errorClass: "rate_limited",
      reset: { kind: "midnight", timeZone: "UTC" },
    },
  ],
  // init allows 6 requests per minute per user token.
  rateLimitReset: { kind: "after", seconds: 60 },
};

const MB = 1024 * 1024;

/**
 * TikTok's chunks for a video of `size` bytes (`chunkBytes` is 5 to 64 MB): under 5 MB, or up to a
 * chunk, whole; else chunks of `chunkBytes` (larger if it would take over 1,000), as many as fit whole,
 * the last one taking the rest; a video over 64 MB in two at least.
 */
export function tiktokChunks(
  size: number,
  chunkBytes: number,
): { chunkSize: number; count: number } {
  if (size < 5 * MB || size <= chunkBytes) return { chunkSize: size, count: 1 };
  const chunkSize = Math.max(chunkBytes, Math.ceil(size / 1000));
  if (size > 64 * MB && size < 2 * chunkSize) return { chunkSize: Math.floor(size / 2), count: 2 };
  return { chunkSize, count: Math.floor(size / chunkSize) };
}

export const PRIVACY_LEVELS = [
  "PUBLIC_TO_EVERYONE",
  "MUTUAL_FOLLOW_FRIENDS",
  "FOLLOWER_OF_CREATOR",
  "SELF_ONLY",
] as const;
const PrivacyLevelSchema = z.enum(PRIVACY_LEVELS);

export const TikTokConfigSchema = z.object({
  base_url: z.string().url().default("https://open.tiktokapis.com"),
  /** Used when a post does not choose one (TikTok wants the creator's explicit choice). */
  default_privacy_level: PrivacyLevelSchema.optional(),
  timeout_ms: z.number().int().positive().optional(),
  /**
   * Publish status polling after init: 15 x 3 s, well inside a worker's send window. A publish still
   * processing after it is an unknown outcome, settled later by asking about its publish_id.
   */
  poll_interval_ms: z.number().int().nonnegative().default(3000),
  poll_attempts: z.number().int().positive().default(15),
  /** How TikTok gets the video: it pulls it from its URL, or we upload it (no verified domain needed). */
  video_source: z.enum(["pull_from_url", "file_upload"]).default("pull_from_url"),
  /** FILE_UPLOAD chunk size: TikTok takes 5 MB to 64 MB. */
  upload_chunk_bytes: z.number().int().min(5 * MB).max(64 * MB).default(MEDIA_WINDOW_BYTES),
  /** For the chunk uploads. */
  upload_timeout_ms: z.number().int().positive().default(HTTP_SETTINGS.uploadTimeoutMs),
});
type TikTokConfig = z.infer<typeof TikTokConfigSchema>;

const TikTokExtrasSchema = z.object({
  privacy_level: PrivacyLevelSchema.optional(),
  disable_comment: z.boolean().optional(),
  disable_duet: z.boolean().optional(),
  disable_stitch: z.boolean().optional(),
  video_cover_timestamp_ms: z.number().int().nonnegative().optional(),
});

/** TikTok's envelope: `data` plus `error.code === "ok"` on success. */
const envelope = <T extends z.ZodType>(data: T) =>
  z.object({
    data,
    error: z.object({ code: z.literal("ok"), message: z.string().optional() }),
  });

const CreatorInfoSchema = envelope(z.object({
  creator_username: z.string(),
  privacy_level_options: z.array(z.string()),
  max_video_post_duration_sec: z.number().optional(),
}));
type CreatorInfo = z.infer<typeof CreatorInfoSchema>;
const InitSchema = envelope(
  z.object({ publish_id: z.string(), upload_url: z.string().optional() }),
);
const StatusSchema = envelope(z.object({
  status: z.enum([
    "PROCESSING_UPLOAD",
    "PROCESSING_DOWNLOAD",
    "SEND_TO_USER_INBOX",
    "PUBLISH_COMPLETE",
    "FAILED",
  ]),
  fail_reason: z.string().optional(),
  publicaly_available_post_id: z.array(z.union([z.number(), z.string()])).optional(),
}));
const VideoSchema = z.object({
  id: z.string(),
  title: z.string().optional(),
  create_time: z.number().optional(),
  share_url: z.string().optional(),
  view_count: z.number().optional(),
  like_count: z.number().optional(),
  comment_count: z.number().optional(),
  share_count: z.number().optional(),
});
const VideosSchema = envelope(z.object({ videos: z.array(VideoSchema) }));

const METRIC_FIELDS = "id,view_count,like_count,comment_count,share_count";
const LIST_FIELDS = "id,title,create_time,share_url";
/** findExisting accepts videos created this long before the attempt's send time (clock skew). */
const LOOKUP_SKEW_MS = 5 * 60_000;
/** FAILED reasons that are not the post's fault. */
const FAIL_REASON_CLASS: Record<string, ErrorClass> = {
  internal: "transient",
  video_pull_failed: "transient",
  auth_removed: "auth",
  spam_risk_too_many_posts: "rate_limited",
};

type PublishStatus = z.infer<typeof StatusSchema>["data"];

/** The publish's status once it will not change: FAILED, or live with its post id. */
function finalStatus(data: PublishStatus): PublishStatus | undefined {
  const live = data.status === "PUBLISH_COMPLETE" && data.publicaly_available_post_id?.length;
  return data.status === "FAILED" || live ? data : undefined;
}

/** A FILE_UPLOAD: the video at its host, and TikTok's chunks of it. */
interface Upload {
  file: MediaFile;
  chunkSize: number;
  count: number;
}

function videoUrl(username: string, id: string | number): string {
  return `https://www.tiktok.com/@${username}/video/${id}`;
}

function privacyOf(content: DistributionContent, config: TikTokConfig) {
  const extras = TikTokExtrasSchema.safeParse(content.platformSpecific ?? {}).data;
  return extras?.privacy_level ?? config.default_privacy_level;
}

export class TikTokAdapter implements PlatformAdapter {
  readonly kind = "tiktok" as const;
  private readonly config: TikTokConfig;
  private readonly limits: LimitsFor<"tiktok">;
  private readonly http: HttpClient;
  /** The video's host and TikTok's upload_url: no TikTok credentials go there. */
  private readonly mediaHttp: HttpClient;
  private readonly base: string;
  /** This run's creator_info answer (or the query in flight); dropped when it fails. */
  private creator?: Promise<HttpOk<CreatorInfo> | Failure>;

  constructor(
    platform: PlatformRow,
    credentials: CredentialsFor<"tiktok">,
    deps: AdapterDeps = {},
  ) {
    this.config = TikTokConfigSchema.parse(platform.publish_config);
    this.limits = limitsFor("tiktok", platform);
    this.base = this.config.base_url.replace(/\/+$/, "");
    // Access tokens expire within a day and refresh tokens rotate: renewed under the platform's
    // credential lock when there is a store (see platforms/oauth2.ts).
    this.mediaHttp = httpClientFor(this.config, deps, TIKTOK_ERRORS);
    this.http = withOAuth2(
      this.mediaHttp,
      { ...credentials, client_id: credentials.client_key },
      { tokenUrl: `${this.base}/v2/oauth/token/`, clientIdField: "client_key" },
      oauth2TokenErrors("TikTok OAuth"),
      this.config,
      deps,
    );
  }

  private post<T>(path: string, json: unknown, schema: z.ZodType<T>, fields?: string) {
    return this.http.request({
      method: "POST",
      url: `${this.base}${path}${fields ? `?fields=${fields}` : ""}`,
      json,
    }, { json: schema });
  }

  validate(content: DistributionContent): ValidationResult {
    const errors: ValidationError[] = [];
    // TikTok counts the title in UTF-16 code units: JavaScript's string length.
    const units = content.body.length;
    if (units > this.limits.maxTitleUtf16) {
      errors.push({
        field: "body",
        message: `${units} UTF-16 units, TikTok allows ${this.limits.maxTitleUtf16}`,
      });
    }
    const media = content.mediaUrls ?? [];
    if (media.length !== 1) {
      errors.push({
        field: "mediaUrls",
        message: `${media.length} videos, TikTok posts exactly 1`,
      });
    } else if (this.config.video_source === "pull_from_url" && !/^https:\/\//.test(media[0])) {
      errors.push({ field: "mediaUrls.0", message: "must be a public https URL TikTok can pull" });
    }
    const extras = TikTokExtrasSchema.safeParse(content.platformSpecific ?? {});
    for (const issue of extras.error?.issues ?? []) {
      errors.push({ field: `platformSpecific.${issue.path.join(".")}`, message: issue.message });
    }
    if (extras.success && !privacyOf(content, this.config)) {
      errors.push({
        field: "platformSpecific.privacy_level",
        message: `required: one of ${PRIVACY_LEVELS.join(", ")} that the creator allows`,
      });
    }
    return validation(errors);
  }

  async publish(content: DistributionContent, _options?: PublishOptions): Promise<PublishResult> {
    // the video's host stream, let go of however the publish ends
    const opened: MediaFile[] = [];
    try {
      return await this.publishOpening(content, opened);
    } finally {
      for (const file of opened) file.close();
    }
  }

  /** Publish; a media file opened is added to `opened`. */
  private async publishOpening(
    content: DistributionContent,
    opened: MediaFile[],
  ): Promise<PublishResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const privacy = privacyOf(content, this.config)!;
    const creator = await this.creatorInfo();
    if (!creator.ok) return creator;
    const { creator_username: username, privacy_level_options: allowed } = creator.data.data;
    if (!allowed.includes(privacy)) {
      return {
        ok: false,
        errorClass: "permanent",
        outcome: "not_applied",
        message: `privacy_level: ${privacy} is not allowed for @${username} (allowed: ${
          allowed.join(", ")
        })`,
      };
    }
    const extras = TikTokExtrasSchema.parse(content.platformSpecific ?? {});
    let upload: Upload | undefined;
    if (this.config.video_source === "file_upload") {
      const chunkBytes = this.config.upload_chunk_bytes;
      const file = await openMedia(this.mediaHttp, content.mediaUrls![0], chunkBytes, {
        maxBytes: this.limits.maxVideoBytes,
        name: "TikTok's limit",
      });
      if (!file.ok) return { ...file, message: `fetching the video failed: ${file.message}` };
      opened.push(file);
      // (with PULL_FROM_URL, TikTok itself checks the length of the video it fetched)
      const maxSeconds = creator.data.data.max_video_post_duration_sec;
      const tooLong = maxSeconds && await longerThan(file, maxSeconds, `@${username}'s limit`);
      if (tooLong) return { ...tooLong, message: `TikTok: ${tooLong.message}` };
      upload = { file, ...tiktokChunks(file.size, chunkBytes) };
    }
    const init = await this.post("/v2/post/publish/video/init/", {
      post_info: {
        title: content.body,
        privacy_level: privacy,
        disable_comment: extras.disable_comment ?? false,
        disable_duet: extras.disable_duet ?? false,
        disable_stitch: extras.disable_stitch ?? false,
        video_cover_timestamp_ms: extras.video_cover_timestamp_ms,
      },
      source_info: upload
        ? {
          source: "FILE_UPLOAD",
          video_size: upload.file.size,
          chunk_size: upload.chunkSize,
          total_chunk_count: upload.count,
        }
        : { source: "PULL_FROM_URL", video_url: content.mediaUrls![0] },
    }, InitSchema);
    if (!init.ok) {
      // The creator's settings may have changed (privacy options, a revoked scope): ask again.
      this.creator = undefined;
      if (init.platformCode !== "url_ownership_unverified") return init;
      return {
        ...init,
        message: `${init.message} (TikTok pulls a video only from a host verified with it; ` +
          `publish_config.video_source "file_upload" sends it from here instead)`,
      };
    }
    const { publish_id: publishId, upload_url: uploadUrl } = init.data.data;
    if (upload) {
      if (!uploadUrl) {
        return notApplied("transient", `TikTok gave no upload_url for publish ${publishId}`);
      }
      const sent = await this.sendChunks(upload, uploadUrl, publishId);
      if (sent) return sent;
    }
    return this.awaitPublished(publishId, username);
  }

  /** PUT the chunks in order; a failure, or undefined once TikTok has them all. */
  private async sendChunks(
    { file, chunkSize, count }: Upload,
    uploadUrl: string,
    publishId: string,
  ): Promise<Failure | undefined> {
    for (let i = 0; i < count; i++) {
      const start = i * chunkSize;
      const end = i === count - 1 ? file.size : start + chunkSize;
      const bytes = await file.read(start, end);
      if (!bytes.ok) return { ...bytes, message: `fetching the video failed: ${bytes.message}` };
      const sent = await this.mediaHttp.request({
        method: "PUT",
        url: uploadUrl,
        headers: {
          "content-type": file.type ?? "video/mp4",
          "content-range": `bytes ${start}-${end - 1}/${file.size}`,
        },
        body: bytes.bytes,
        timeoutMs: this.config.upload_timeout_ms,
      }, { empty: true });
      if (sent.ok) continue;
      // Only the last chunk can complete the upload (TikTok drops an incomplete one): if its answer was
      // lost, the look-up asks about this publish_id.
      const last = i === count - 1 && sent.outcome === "unknown";
      return last ? { ...sent, acceptedRef: publishId } : {
        ...sent,
        outcome: "not_applied",
        message: `uploading chunk ${i + 1} of ${count}: ${sent.message}`,
      };
    }
    return undefined;
  }

  /** creator_info, queried once per instance; a failed query is not kept. */
  private creatorInfo(): Promise<HttpOk<CreatorInfo> | Failure> {
    if (!this.creator) {
      const query = this.post("/v2/post/publish/creator_info/query/", {}, CreatorInfoSchema);
      this.creator = query;
      const forget = () => {
        if (this.creator === query) this.creator = undefined;
      };
      query.then((res) => res.ok || forget(), forget);
    }
    return this.creator;
  }

  private publishStatus(publishId: string) {
    return this.post("/v2/post/publish/status/fetch/", { publish_id: publishId }, StatusSchema);
  }

  private async awaitPublished(publishId: string, username: string): Promise<PublishResult> {
    const settled = await pollUntil(async () => {
      const res = await this.publishStatus(publishId);
      return res.ok ? finalStatus(res.data.data) : res;
    }, { attempts: this.config.poll_attempts, intervalMs: this.config.poll_interval_ms });
    if (settled === undefined) {
      // Accepted and still processing: it may yet go live, so the outcome is unknown; the look-up
      // that settles it asks about this publish_id (a video still processing is in no list yet).
      return {
        ok: false,
        errorClass: "transient",
        outcome: "unknown",
        message: `TikTok publish ${publishId} still processing after polling`,
        acceptedRef: publishId,
      };
    }
    if ("ok" in settled) return { ...settled, outcome: "unknown", acceptedRef: publishId };
    const id = settled.publicaly_available_post_id?.[0];
    if (settled.status === "PUBLISH_COMPLETE" && id !== undefined) {
      return { ok: true, externalId: String(id), externalUrl: videoUrl(username, id) };
    }
    return this.failed(publishId, settled.fail_reason ?? "unknown");
  }

  private failed(publishId: string, reason: string): Failure {
    const errorClass = FAIL_REASON_CLASS[reason] ?? "permanent";
    const base = {
      ok: false as const,
      outcome: "not_applied" as const,
      platformCode: reason,
      message: `TikTok publish ${publishId} FAILED: ${reason}`,
    };
    if (errorClass !== "rate_limited") return { ...base, errorClass };
    return { ...base, errorClass, resetAt: nextMidnight("UTC", this.http.now()) };
  }

  update(_externalId?: string, _content?: DistributionContent): Promise<UpdateResult> {
    return Promise.resolve(
      unsupported("update", "The TikTok Content Posting API cannot edit a post"),
    );
  }

  delete(_externalId?: string): Promise<DeleteResult> {
    return Promise.resolve(
      unsupported("delete", "The TikTok Content Posting API cannot delete a post"),
    );
  }

  async getMetrics(externalId: string): Promise<MetricsResult> {
    const res = await this.post(
      "/v2/video/query/",
      { filters: { video_ids: [externalId] } },
      VideosSchema,
      METRIC_FIELDS,
    );
    if (!res.ok) return res;
    const video = res.data.data.videos.find((v) => v.id === externalId);
    // The creator's own video, asked by id, is not listed: deleted in the app (the id comes from
    // PUBLISH_COMPLETE, so it is never one still processing).
    if (!video) {
      return {
        ok: false,
        errorClass: "permanent",
        outcome: "not_applied",
        message: `TikTok video ${externalId} not found`,
        gone: true,
      };
    }
    const { id: _id, ...fields } = video;
    return {
      ok: true,
      metrics: buildMetrics({
        impressions: video.view_count,
        video_views: video.view_count,
        likes: video.like_count,
        comments: video.comment_count,
        shares: video.share_count,
      }, fields),
    };
  }

  async findExisting({ content, sentAt, acceptedRef }: ExistenceQuery): Promise<ExistenceResult> {
    if (acceptedRef) return await this.publishOutcome(acceptedRef);
    const res = await this.post("/v2/video/list/", { max_count: 20 }, VideosSchema, LIST_FIELDS);
    if (!res.ok) return res;
    const since = sentAt ? sentAt.getTime() - LOOKUP_SKEW_MS : -Infinity;
    const match = res.data.data.videos.find((v) =>
      v.title === content.body && (v.create_time === undefined || v.create_time * 1000 >= since)
    );
    return match
      ? { ok: true, found: true, externalId: match.id, externalUrl: match.share_url ?? "" }
      : { ok: true, found: false };
  }

  /**
   * What became of an accepted publish: live (found), FAILED (absent: nothing was posted, so it may
   * be sent again), or still processing (a failure, so the outcome stays unknown and is asked again).
   */
  private async publishOutcome(publishId: string): Promise<ExistenceResult> {
    const res = await this.publishStatus(publishId);
    if (!res.ok) return res;
    const settled = finalStatus(res.data.data);
    if (settled?.status === "FAILED") return { ok: true, found: false };
    const id = settled?.publicaly_available_post_id?.[0];
    if (id === undefined) {
      return {
        ok: false,
        errorClass: "transient",
        outcome: "not_applied",
        message: `TikTok publish ${publishId} is still ${res.data.data.status}`,
      };
    }
    const creator = await this.creatorInfo();
    if (!creator.ok) return creator;
    const username = creator.data.data.creator_username;
    return { ok: true, found: true, externalId: String(id), externalUrl: videoUrl(username, id) };
  }
}
