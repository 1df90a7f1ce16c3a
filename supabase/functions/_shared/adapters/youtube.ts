/**
 * YouTube Data API v3 through the shared HttpClient: resumable upload (session POST, then PUT bytes, resumed
 * with `Content-Range: bytes *\/TOTAL` -> 308 `Range`), native scheduling via status.publishAt
 * (privacyStatus private), videos.update/delete/list.
 *
 * Client choice (for the README): the shared HttpClient over npm `@googleapis/youtube`. The official client
 * brings googleapis-common + gaxios (large for an edge function), retries on its own (which must
 * not happen to an upload whose outcome is unknown) and hides the upload session, which we need
 * for resuming. Our own client keeps the session, the 308 protocol and the quota errors in our hands
 * and goes through the shared classifier; `publish_config.base_url` points it at an emulator.
 *
 * Auth: Google access tokens expire after an hour. With a refresh token (and its OAuth client) in
 * the credentials, a 401 (or a missing access token) refreshes it at `publish_config.token_url`
 * and the call is sent once more (platforms/oauth2.ts); a refused refresh (400 invalid_grant) is `auth`.
 * A 401 on the byte upload refreshes and resumes the same upload session, never starts another.
 *
 * Existence lookup: publish adds an owner-visible tag `dist-attempt-<id>`; findExisting reads the
 * channel's uploads playlist (channels.list mine -> playlistItems.list -> videos.list, 1 unit each)
 * and looks for the tag. (search.list costs 100 units and lags, so it is not used.)
 */
import { z } from "zod";
import {
  type AdapterDeps,
  attemptMarker,
  buildMetrics,
  count,
  type ExistenceQuery,
  invalidContent,
  notApplied,
  type PlatformAdapter,
  type PublishOptions,
  setupAdapter,
  validation,
} from "./adapter.ts";
import type { ErrorProfile } from "../net/classify.ts";
import type { CredentialsFor } from "../platforms/credentials.ts";
import type { HttpClient, HttpOk } from "../net/api-client.ts";
import type { HeaderReader } from "../net/transport.ts";
import { MEDIA_WINDOW_BYTES, type MediaFile, openMedia } from "../media/fetch.ts";
import { oauth2TokenErrors, withOAuth2 } from "../platforms/oauth2.ts";
import { HTTP_SETTINGS, type LimitsFor, QUOTA_TIME_ZONES } from "./settings.ts";
import type {
  DeleteResult,
  DistributionContent,
  ExistenceResult,
  Failure,
  MetricsResult,
  PlatformRow,
  PublishResult,
  ScheduleResult,
  UpdateResult,
  ValidationError,
  ValidationResult,
} from "./types.ts";

const QUOTA_RESET = { kind: "midnight", timeZone: QUOTA_TIME_ZONES.youtube } as const;

export const YOUTUBE_ERRORS: ErrorProfile = {
  platform: "YouTube",
  messagePaths: ["error.errors.*.message", "error.message"],
  codePaths: ["error.errors.*.reason", "error.status"],
  rules: [
    // Daily quota: wait until it resets at midnight Pacific, do not hammer.
    {
      path: "error.errors.*.reason",
      equals: "quotaExceeded",
      errorClass: "rate_limited",
      reset: QUOTA_RESET,
    },
    {
      path: "error.errors.*.reason",
      equals: "uploadLimitExceeded",
      errorClass: "rate_limited",
      reset: QUOTA_RESET,
    },
    { path: "error.errors.*.reason", equals: "rateLimitExceeded", errorClass: "rate_limited" },
    { path: "error.errors.*.reason", equals: "userRateLimitExceeded", errorClass: "rate_limited" },
  ],
  rateLimitReset: QUOTA_RESET,
};

/** Google keeps an upload's bytes in units of 256 KiB until the last one. */
const UPLOAD_UNIT = 256 * 1024;

/** Where the next chunk starts: after the session's `Range: bytes=0-N` (none yet: 0). */
function rangeEnd(headers: HeaderReader): number {
  const range = /bytes=0-(\d+)/.exec(headers.get("range") ?? "");
  return range ? Number(range[1]) + 1 : 0;
}

export const YouTubeConfigSchema = z.object({
  base_url: z.string().url().default("https://www.googleapis.com"),
  /** Google's OAuth2 token endpoint, for refreshing access tokens. */
  token_url: z.string().url().default("https://oauth2.googleapis.com/token"),
  timeout_ms: z.number().int().positive().optional(),
  /** For the byte upload itself (large files). */
  upload_timeout_ms: z.number().int().positive().default(HTTP_SETTINGS.uploadTimeoutMs),
  /** A larger video is read from its host and sent this many bytes at a time (whole 256 KiB units). */
  upload_chunk_bytes: z.number().int().positive().multipleOf(UPLOAD_UNIT).default(
    MEDIA_WINDOW_BYTES,
  ),
  category_id: z.string().default("22"),
  privacy_status: z.enum(["public", "unlisted", "private"]).default("public"),
  made_for_kids: z.boolean().default(false),
});

const TagsSchema = z.object({ tags: z.array(z.string()).default([]) });
const VideoSchema = z.looseObject({ id: z.string() });
const VideoListSchema = z.object({
  items: z.array(z.looseObject({
    id: z.string(),
    snippet: z.looseObject({ tags: z.array(z.string()).optional() }).optional(),
    statistics: z.record(z.string(), z.string()).optional(),
  })),
});
const ChannelsSchema = z.object({
  items: z.array(z.object({
    contentDetails: z.object({ relatedPlaylists: z.object({ uploads: z.string() }) }),
  })),
});
const PlaylistItemsSchema = z.object({
  items: z.array(z.object({ contentDetails: z.object({ videoId: z.string() }) })),
});

const MARKER_LENGTH = attemptMarker(crypto.randomUUID()).length;
const utf8Length = (s: string) => new TextEncoder().encode(s).length;
/** YouTube counts a tag with spaces as if quoted, and a comma between tags. */
const tagsLength = (tags: string[]) =>
  tags.reduce((n, t) => n + t.length + (t.includes(" ") ? 2 : 0), 0) + Math.max(0, tags.length - 1);

export class YouTubeAdapter implements PlatformAdapter {
  readonly kind = "youtube" as const;
  private readonly config: z.infer<typeof YouTubeConfigSchema>;
  private readonly limits: LimitsFor<"youtube">;
  private readonly http: HttpClient;

  constructor(
    platform: PlatformRow,
    credentials: CredentialsFor<"youtube">,
    deps: AdapterDeps = {},
  ) {
    const setup = setupAdapter("youtube", platform, YouTubeConfigSchema, YOUTUBE_ERRORS, deps);
    ({ config: this.config, limits: this.limits } = setup);
    // A renewed token is stored with the platform's credentials when there is a store; see platforms/oauth2.ts.
    this.http = withOAuth2(
      setup.http,
      credentials,
      { tokenUrl: this.config.token_url },
      oauth2TokenErrors("Google OAuth"),
      this.config,
      deps,
    );
  }

  private api(path: string, query: Record<string, string>): string {
    return `${this.config.base_url.replace(/\/+$/, "")}${path}?${new URLSearchParams(query)}`;
  }

  validate(content: DistributionContent): ValidationResult {
    const errors: ValidationError[] = [];
    const title = content.title ?? "";
    const titleChars = [...title].length;
    if (!title.trim()) errors.push({ field: "title", message: "YouTube videos need a title" });
    if (titleChars > this.limits.maxTitleChars) {
      errors.push({
        field: "title",
        message: `${titleChars} characters, YouTube allows ${this.limits.maxTitleChars}`,
      });
    }
    const bytes = utf8Length(content.body);
    if (bytes > this.limits.maxDescriptionBytes) {
      errors.push({
        field: "body",
        message:
          `${bytes} bytes, YouTube allows ${this.limits.maxDescriptionBytes} in a description`,
      });
    }
    for (const [field, text] of [["title", title], ["body", content.body]] as const) {
      if (/[<>]/.test(text)) {
        errors.push({ field, message: "contains < or >, YouTube rejects them" });
      }
    }
    if (!content.mediaUrls?.[0]) {
      errors.push({ field: "mediaUrls", message: "a video is required (mediaUrls[0])" });
    }
    const tags = TagsSchema.safeParse(content.platformSpecific ?? {});
    if (!tags.success) {
      errors.push({ field: "platformSpecific.tags", message: "must be a list of strings" });
    } else {
      const length = tagsLength(tags.data.tags) + MARKER_LENGTH + 1;
      if (length > this.limits.maxTagsChars) {
        errors.push({
          field: "platformSpecific.tags",
          message:
            `${length} characters with the attempt tag, YouTube allows ${this.limits.maxTagsChars}`,
        });
      }
    }
    return validation(errors);
  }

  private snippet(content: DistributionContent, extraTags: string[] = []) {
    return {
      title: content.title,
      description: content.body,
      categoryId: this.config.category_id,
      tags: [...TagsSchema.parse(content.platformSpecific ?? {}).tags, ...extraTags],
    };
  }

  async publish(content: DistributionContent, options: PublishOptions): Promise<PublishResult> {
    return await this.upload(content, options, undefined);
  }

  /** Native scheduling: private until `publishAt`, then YouTube makes it public. */
  async schedule(
    content: DistributionContent,
    at: Date,
    options: PublishOptions,
  ): Promise<ScheduleResult> {
    const res = await this.upload(content, options, at);
    return res.ok ? { ...res, scheduledFor: at } : res;
  }

  private async upload(
    content: DistributionContent,
    { attemptId }: PublishOptions,
    publishAt: Date | undefined,
  ): Promise<PublishResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const video = await openMedia(
      this.http,
      content.mediaUrls![0],
      this.config.upload_chunk_bytes,
      {
        maxBytes: this.limits.maxVideoBytes,
        name: "YouTube's limit",
      },
    );
    if (!video.ok) {
      return { ...video, message: `fetching the video failed: ${video.message}` };
    }
    try {
      return await this.uploadFile(video, content, attemptId, publishAt);
    } finally {
      video.close();
    }
  }

  /** Open an upload session for `video` and send its bytes. */
  private async uploadFile(
    video: MediaFile,
    content: DistributionContent,
    attemptId: string,
    publishAt: Date | undefined,
  ): Promise<PublishResult> {
    const type = video.type ?? "video/*";
    const session = await this.http.request(
      {
        method: "POST",
        url: this.api("/upload/youtube/v3/videos", {
          uploadType: "resumable",
          part: "snippet,status",
        }),
        headers: {
          "x-upload-content-length": String(video.size),
          "x-upload-content-type": type,
        },
        json: {
          snippet: this.snippet(content, [attemptMarker(attemptId)]),
          status: {
            privacyStatus: publishAt ? "private" : this.config.privacy_status,
            selfDeclaredMadeForKids: this.config.made_for_kids,
            ...(publishAt ? { publishAt: publishAt.toISOString() } : {}),
          },
        },
      },
      { empty: true },
    );
    if (!session.ok) return session;
    const location = session.headers.get("location");
    if (!location) {
      return {
        ok: false,
        errorClass: "transient",
        outcome: "not_applied",
        status: session.status,
        message: "YouTube opened no upload session (no Location header)",
      };
    }
    const uploaded = await this.sendBytes(location, video, type);
    if (!uploaded.ok) return uploaded;
    const id = uploaded.data.id;
    return {
      ok: true,
      externalId: id,
      externalUrl: `https://www.youtube.com/watch?v=${id}`,
      scheduledFor: publishAt,
    };
  }

  /**
   * PUT the bytes, a chunk (`upload_chunk_bytes`) at a time when the video is larger, each from where
   * the session's 308 `Range` says it got to (it keeps whole 256 KiB units only). After a transient
   * failure ask the session how far it got and resume; failures, not chunks, use up
   * `uploadResumeAttempts`. A 401 (the access token expired mid-upload) refreshes the token once and
   * resumes the same session: bytes are never sent blindly again and no second session is opened.
   * Only a chunk with the last byte can complete the video, so an upload that gives up is `unknown`
   * only if such a chunk went unanswered.
   */
  private async sendBytes(
    location: string,
    video: MediaFile,
    type: string,
  ): Promise<HttpOk<z.infer<typeof VideoSchema>> | Failure> {
    const total = video.size;
    let from = 0;
    let failures = 0;
    let ask = false;
    let renewed = false;
    let lastUnanswered = false;
    let last: Failure | undefined;
    const giveUp = (failure: Failure | undefined): Failure => ({
      ...(failure ?? { ok: false, errorClass: "transient", message: "upload incomplete" }),
      outcome: lastUnanswered ? "unknown" : "not_applied",
    });
    const failed = (failure: Failure) => {
      last = failure;
      failures++;
      ask = true;
      return failure.errorClass === "transient" && failures <= this.limits.uploadResumeAttempts;
    };
    for (;;) {
      if (ask) {
        const status = await this.http.send(
          { method: "PUT", url: location, headers: { "content-range": `bytes */${total}` } },
          [308],
        );
        if ("ok" in status) {
          if (failed(status)) continue;
          return giveUp(last);
        }
        if (status.status !== 308) return this.http.expectJson("PUT", status, VideoSchema);
        from = rangeEnd(status.headers);
        ask = false;
        lastUnanswered = false;
      }
      const end = Math.min(total, from + this.config.upload_chunk_bytes);
      const chunk = await video.read(from, end);
      if (!chunk.ok) {
        return giveUp({ ...chunk, message: `fetching the video failed: ${chunk.message}` });
      }
      const whole = from === 0 && end === total;
      const answer = await this.http.send(
        {
          method: "PUT",
          url: location,
          headers: {
            "content-type": type,
            ...(whole ? {} : { "content-range": `bytes ${from}-${end - 1}/${total}` }),
          },
          body: chunk.bytes,
          timeoutMs: this.config.upload_timeout_ms,
          retryOnAuthRenewal: false,
        },
        [308],
      );
      if (!("ok" in answer)) {
        if (answer.status !== 308) return this.http.expectJson("PUT", answer, VideoSchema);
        const kept = rangeEnd(answer.headers);
        if (kept > from) {
          from = kept;
          continue;
        }
        const stalled = `YouTube kept none of bytes ${from}-${end - 1} (308 Range ends at ${kept})`;
        if (
          !failed(notApplied("transient", stalled))
        ) {
          return giveUp(last);
        }
        continue;
      }
      if (answer.status === 401 && !renewed) {
        const renewal = await this.http.renewAuth();
        if (renewal === true) {
          // Resume (status query, then the missing bytes); the renewal uses up no attempt.
          renewed = true;
          ask = true;
          continue;
        }
        // No new token: nothing completed unless an earlier chunk with the last byte may have.
        if (renewal !== false) return giveUp(renewal);
      }
      if (end === total && answer.outcome === "unknown") lastUnanswered = true;
      if (!failed(answer)) return giveUp(last);
    }
  }

  async update(externalId: string, content: DistributionContent): Promise<UpdateResult> {
    const errors = this.validate(content).errors.filter((e) => e.field !== "mediaUrls");
    const invalid = invalidContent(validation(errors));
    if (invalid) return invalid;
    const res = await this.http.request(
      {
        method: "PUT",
        url: this.api("/youtube/v3/videos", { part: "snippet" }),
        json: { id: externalId, snippet: this.snippet(content) },
      },
      { json: VideoSchema },
    );
    return res.ok
      ? { ok: true, externalId, externalUrl: `https://www.youtube.com/watch?v=${externalId}` }
      : res;
  }

  /** A video that is already gone (404 videoNotFound) counts as deleted. */
  async delete(externalId: string): Promise<DeleteResult> {
    const res = await this.http.request(
      {
        method: "DELETE",
        url: this.api("/youtube/v3/videos", { id: externalId }),
      },
      { empty: true },
    );
    if (res.ok) return { ok: true, externalId, alreadyDeleted: false };
    if (res.status === 404) return { ok: true, externalId, alreadyDeleted: true };
    return res;
  }

  async findExisting({ attemptId }: ExistenceQuery): Promise<ExistenceResult> {
    const channels = await this.http.request(
      {
        method: "GET",
        url: this.api("/youtube/v3/channels", { part: "contentDetails", mine: "true" }),
      },
      { json: ChannelsSchema },
    );
    if (!channels.ok) return channels;
    const uploads = channels.data.items[0]?.contentDetails.relatedPlaylists.uploads;
    if (!uploads) return { ok: true, found: false };
    const items = await this.http.request(
      {
        method: "GET",
        url: this.api("/youtube/v3/playlistItems", {
          part: "contentDetails",
          playlistId: uploads,
          maxResults: String(this.limits.lookupMaxResults),
        }),
      },
      { json: PlaylistItemsSchema },
    );
    if (!items.ok) return items;
    const ids = items.data.items.map((i) => i.contentDetails.videoId);
    if (ids.length === 0) return { ok: true, found: false };
    const videos = await this.http.request(
      {
        method: "GET",
        url: this.api("/youtube/v3/videos", { part: "snippet", id: ids.join(",") }),
      },
      { json: VideoListSchema },
    );
    if (!videos.ok) return videos;
    const marker = attemptMarker(attemptId);
    const video = videos.data.items.find((v) => v.snippet?.tags?.includes(marker));
    return video
      ? {
        ok: true,
        found: true,
        externalId: video.id,
        externalUrl: `https://www.youtube.com/watch?v=${video.id}`,
      }
      : { ok: true, found: false };
  }

  /** statistics: counts arrive as strings; a hidden like count stays absent. */
  async getMetrics(externalId: string): Promise<MetricsResult> {
    const res = await this.http.request(
      {
        method: "GET",
        url: this.api("/youtube/v3/videos", { part: "statistics", id: externalId }),
      },
      { json: VideoListSchema },
    );
    if (!res.ok) return res;
    const stats = res.data.items[0]?.statistics;
    if (!stats) {
      return {
        ok: false,
        errorClass: "permanent",
        outcome: "not_applied",
        status: 404,
        message: `YouTube has no video ${externalId}`,
        gone: true,
      };
    }
    return {
      ok: true,
      metrics: buildMetrics({
        video_views: stats.viewCount,
        likes: stats.likeCount,
        comments: stats.commentCount,
      }, { favorite_count: count(stats.favoriteCount) }),
    };
  }
}
