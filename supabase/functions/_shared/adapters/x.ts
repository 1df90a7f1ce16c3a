/**
 * X (Twitter) API v2 through the `twitter-api-v2` library, OAuth 1.0a user context.
 *
 * - No edit (update -> Unsupported) and no native scheduling (no `schedule`).
 * - Existence lookup: a tweet cannot carry a hidden marker, but the API lists the account's own
 *   recent tweets (GET /2/users/:id/tweets, with start_time), so findExisting compares their text
 *   with ours after normalising what X rewrites (URLs become t.co links, & < > are escaped).
 * - The library hard-codes https://api.x.com; a plugin rewrites each request to the row's
 *   `base_url` (an emulator). The library sends through node's `https` module with the agent it
 *   is given: the adapter owns a keep-alive agent (http for a plain-http base) so one run's posts
 *   share connections instead of opening one per request.
 */
import { Buffer } from "node:buffer";
import {
  ApiPartialResponseError,
  ApiRequestError,
  ApiResponseError,
  type ITwitterApiClientPlugin,
  TwitterApi,
} from "twitter-api-v2";
import { z } from "zod";
import {
  type AdapterDeps,
  buildMetrics,
  type ExistenceQuery,
  invalidContent,
  type PlatformAdapter,
  type PublishOptions,
  sumPresent,
  unsupported,
  urlExtension,
  validation,
} from "./adapter.ts";
import {
  classifyNetworkError,
  classifyResponse,
  type ErrorProfile,
  type HttpAnswer,
  malformedSuccess,
} from "./classify.ts";
import type { CredentialsFor } from "./credentials.ts";
import {
  defaultHttpDeps,
  HttpClient,
  type HttpDeps,
  type KeepAliveAgent,
  keepAliveAgent,
} from "./http.ts";
import { type LimitsFor, limitsFor } from "./settings.ts";
import { parseTweet, replaceUrls } from "./twitter-text.ts";
import type {
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

export const X_ERRORS: ErrorProfile = {
  platform: "X",
  messagePaths: ["detail", "errors.*.message", "title"],
  codePaths: ["errors.*.code", "type"],
  rules: [
    // Duplicate text: permanent, never retry (403 is permanent anyway; named for clarity).
    { status: 403, path: "detail", includes: "duplicate content", errorClass: "permanent" },
    { path: "errors.*.code", equals: 88, errorClass: "rate_limited" },
    // v1.1-style "Invalid or expired token".
    { path: "errors.*.code", equals: 89, errorClass: "auth" },
  ],
  thrownRules: [
    // twitter-api-v2 throws a plain Error when STATUS reports processing_info.state = "failed"
    // (an unusable video): X said no, and no post was created.
    { includes: "Media processing failed", errorClass: "permanent", outcome: "not_applied" },
  ],
  rateLimitReset: { kind: "after", seconds: 15 * 60 },
};

const XConfigSchema = z.object({
  base_url: z.string().url().default("https://api.x.com"),
  timeout_ms: z.number().int().positive().optional(),
  /** Public URL of a status, `{id}` replaced. */
  status_url: z.string().default("https://x.com/i/status/{id}"),
});

const TweetSchema = z.object({ id: z.string(), text: z.string() });
const CreatedSchema = z.object({ data: TweetSchema });
const DeletedSchema = z.object({ data: z.object({ deleted: z.boolean() }) });
const MeSchema = z.object({ data: z.object({ id: z.string() }) });
const TimelineSchema = z.object({ data: z.array(TweetSchema).optional() });
const Counts = z.record(z.string(), z.number()).optional();
const LookupSchema = z.object({
  data: TweetSchema.extend({ public_metrics: Counts, non_public_metrics: Counts }).optional(),
  errors: z.array(z.looseObject({ title: z.string().optional(), detail: z.string().optional() }))
    .optional(),
});

const MEDIA_KINDS: Record<string, "image" | "gif" | "video"> = {
  jpg: "image",
  jpeg: "image",
  png: "image",
  webp: "image",
  gif: "gif",
  mp4: "video",
  mov: "video",
};

function mediaKind(url: string): "image" | "gif" | "video" | undefined {
  const ext = urlExtension(url);
  return ext ? MEDIA_KINDS[ext] : undefined;
}

/** What X changes in a stored tweet's text, undone so texts compare. */
export function normalizeTweetText(text: string): string {
  const unescaped = text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  return replaceUrls(unescaped.normalize("NFC"), "<url>").replace(/\s+/g, " ").trim();
}

type Answerable<T> = { ok: true; data: T } | Failure;

/**
 * The socket error behind an ApiRequestError. twitter-api-v2 1.29 stores it as `_options.error` but
 * its `requestError` getter reads `_options.requestError`, so the getter is always undefined and a
 * refused connection or a timeout would read as "network error: undefined".
 */
function requestCause(error: ApiRequestError): unknown {
  if (error.requestError) return error.requestError;
  const options: unknown = Reflect.get(error, "_options");
  return typeof options === "object" && options !== null && "error" in options
    ? options.error
    : error;
}

export class XAdapter implements PlatformAdapter {
  readonly kind = "x" as const;
  private readonly client: TwitterApi;
  private readonly limits: LimitsFor<"x">;
  private readonly config: z.infer<typeof XConfigSchema>;
  private readonly deps: HttpDeps;
  /** Downloads media to upload (the URLs are ours or a CDN's, not X's). */
  private readonly mediaSource: HttpClient;
  /** Connections kept alive between this instance's calls (one publish run). */
  private readonly agent: KeepAliveAgent;
  private userId?: string;

  constructor(platform: PlatformRow, credentials: CredentialsFor<"x">, deps: AdapterDeps = {}) {
    this.config = XConfigSchema.parse(platform.publish_config);
    this.limits = limitsFor("x", platform);
    this.deps = defaultHttpDeps({ ...deps, timeoutMs: deps.timeoutMs ?? this.config.timeout_ms });
    this.userId = credentials.user_id;
    this.mediaSource = new HttpClient(this.deps, { ...X_ERRORS, platform: "X media source" });
    const base = this.config.base_url.replace(/\/+$/, "");
    const timeout = this.deps.timeoutMs;
    const redirect: ITwitterApiClientPlugin = {
      onBeforeRequestConfig({ params }) {
        params.url = params.url.replace(/^https:\/\/(api|upload)\.(x|twitter)\.com/, base);
        params.timeout = timeout;
      },
    };
    this.agent = keepAliveAgent(base);
    this.client = new TwitterApi({
      appKey: credentials.app_key,
      appSecret: credentials.app_secret,
      accessToken: credentials.access_token,
      accessSecret: credentials.access_secret,
    }, { plugins: [redirect], httpAgent: this.agent });
  }

  /** Close the kept-alive connections (idle ones also close by themselves, see keepAliveAgent). */
  close(): void {
    this.agent.destroy();
  }

  validate(content: DistributionContent): ValidationResult {
    const errors: ValidationError[] = [];
    const media = content.mediaUrls ?? [];
    const { weightedLength } = parseTweet(content.body);
    if (weightedLength > this.limits.maxWeightedLength) {
      errors.push({
        field: "body",
        message: `${weightedLength} weighted characters, X allows ${this.limits.maxWeightedLength}`,
      });
    }
    if (content.body.trim() === "" && media.length === 0) {
      errors.push({ field: "body", message: "empty, X needs text or media" });
    }
    const kinds = media.map(mediaKind);
    kinds.forEach((kind, i) => {
      if (!kind) {
        errors.push({
          field: `mediaUrls[${i}]`,
          message: "unknown media type, X takes jpg, png, webp, gif, mp4 or mov",
        });
      }
    });
    const n = (k: string) => kinds.filter((x) => x === k).length;
    const [images, gifs, videos] = [n("image"), n("gif"), n("video")];
    if (images > this.limits.maxImages) {
      errors.push({
        field: "mediaUrls",
        message: `${images} images, X allows ${this.limits.maxImages}`,
      });
    }
    if (gifs > this.limits.maxGifs || videos > this.limits.maxVideos) {
      errors.push({
        field: "mediaUrls",
        message: `${gifs} GIFs and ${videos} videos, X allows ${this.limits.maxGifs} GIF or ` +
          `${this.limits.maxVideos} video`,
      });
    }
    if ([images, gifs, videos].filter((c) => c > 0).length > 1) {
      errors.push({
        field: "mediaUrls",
        message: "mixes images, GIFs and videos, X takes one kind per post",
      });
    }
    return validation(errors);
  }

  /** Run one library call; errors and unexpected bodies become classified failures. */
  private async run<T>(
    method: string,
    call: () => Promise<unknown>,
    schema: z.ZodType<T>,
  ): Promise<Answerable<T>> {
    const ctx = { method, now: this.deps.now() };
    let data: unknown;
    try {
      data = await call();
    } catch (error) {
      if (error instanceof ApiResponseError) {
        const headers = new Headers();
        for (const [k, v] of Object.entries(error.headers ?? {})) {
          if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : String(v));
        }
        const body = typeof error.data === "object" ? error.data : undefined;
        const answer: HttpAnswer = {
          status: error.code,
          headers,
          body,
          text: JSON.stringify(error.data),
        };
        return classifyResponse(X_ERRORS, answer, ctx);
      }
      const cause = error instanceof ApiRequestError
        ? requestCause(error)
        : error instanceof ApiPartialResponseError
        ? error.responseError
        : error;
      const timedOut = error instanceof ApiRequestError && cause instanceof Error &&
        /timeout/i.test(cause.message);
      return classifyNetworkError(X_ERRORS, cause, { ...ctx, timedOut });
    }
    const parsed = schema.safeParse(data);
    if (parsed.success) return { ok: true, data: parsed.data };
    const text = typeof data === "string" ? data : JSON.stringify(data) ?? "";
    const answer: HttpAnswer = { status: 200, headers: new Headers(), body: undefined, text };
    return malformedSuccess(X_ERRORS, answer, ctx, "the body is not the expected JSON");
  }

  private statusUrl(id: string): string {
    return this.config.status_url.replace("{id}", id);
  }

  /** X has nowhere to put the attempt id; findExisting matches by text instead. */
  async publish(content: DistributionContent, _options: PublishOptions): Promise<PublishResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const mediaIds: string[] = [];
    for (const url of content.mediaUrls ?? []) {
      const uploaded = await this.uploadMedia(url);
      if (!uploaded.ok) return uploaded;
      mediaIds.push(uploaded.data);
    }
    const payload = mediaIds.length
      ? { text: content.body, media: { media_ids: mediaIds as [string] } }
      : { text: content.body };
    const res = await this.run("POST", () => this.client.v2.tweet(payload), CreatedSchema);
    if (!res.ok) return res;
    const id = res.data.data.id;
    return { ok: true, externalId: id, externalUrl: this.statusUrl(id) };
  }

  /**
   * Fetch a media URL and upload it (v2 initialize/append/finalize, then the library polls STATUS
   * while processing is pending); an orphan expires in 24 h. A failed processing state surfaces
   * as a thrown Error that X_ERRORS.thrownRules classify as permanent.
   */
  private async uploadMedia(url: string): Promise<Answerable<string>> {
    const file = await this.mediaSource.download(url);
    if (!file.ok) return { ...file, message: `fetching ${url} failed: ${file.message}` };
    const type = file.headers.get("content-type")?.split(";")[0] ?? "application/octet-stream";
    return await this.run(
      "POST",
      () =>
        this.client.v2.uploadMedia(Buffer.from(file.data), {
          media_type: type as Parameters<TwitterApi["v2"]["uploadMedia"]>[1]["media_type"],
        }),
      z.string(),
    );
  }

  update(_externalId: string, _content: DistributionContent): Promise<UpdateResult> {
    return Promise.resolve(unsupported("update", "X does not let most API tiers edit a post"));
  }

  /** A tweet that no longer exists (404) counts as already deleted. */
  async delete(externalId: string): Promise<DeleteResult> {
    const res = await this.run(
      "DELETE",
      () => this.client.v2.deleteTweet(externalId),
      DeletedSchema,
    );
    if (res.ok) return { ok: true, externalId, alreadyDeleted: !res.data.data.deleted };
    if (res.status === 404) return { ok: true, externalId, alreadyDeleted: true };
    return res;
  }

  private async ownUserId(): Promise<Answerable<string>> {
    if (this.userId) return { ok: true, data: this.userId };
    const me = await this.run("GET", () => this.client.v2.me(), MeSchema);
    if (!me.ok) return me;
    this.userId = me.data.data.id;
    return { ok: true, data: this.userId };
  }

  async findExisting({ content, sentAt }: ExistenceQuery): Promise<ExistenceResult> {
    const user = await this.ownUserId();
    if (!user.ok) return user;
    const windowMs = this.limits.lookupWindowHours * 3_600_000;
    const since = new Date((sentAt ?? this.deps.now()).getTime() - windowMs);
    const res = await this.run("GET", () =>
      this.client.v2.get(`users/${user.data}/tweets`, {
        max_results: this.limits.lookupMaxResults,
        start_time: since.toISOString(),
      }), TimelineSchema);
    if (!res.ok) return res;
    const wanted = normalizeTweetText(content.body);
    const tweet = res.data.data?.find((t) => normalizeTweetText(t.text) === wanted);
    return tweet
      ? { ok: true, found: true, externalId: tweet.id, externalUrl: this.statusUrl(tweet.id) }
      : { ok: true, found: false };
  }

  /** public_metrics, plus non_public_metrics when X allows (own posts under 30 days). */
  async getMetrics(externalId: string): Promise<MetricsResult> {
    const lookup = (fields: string) =>
      this.run(
        "GET",
        () => this.client.v2.singleTweet(externalId, { "tweet.fields": fields }),
        LookupSchema,
      );
    let res = await lookup("public_metrics,non_public_metrics");
    if (res.ok && !res.data.data) res = await lookup("public_metrics");
    if (!res.ok) return res;
    const tweet = res.data.data;
    if (!tweet) {
      const error = res.data.errors?.[0];
      return {
        ok: false,
        errorClass: "permanent",
        outcome: "not_applied",
        message: error?.detail ?? error?.title ?? `X returned no tweet ${externalId}`,
      };
    }
    const pub = tweet.public_metrics ?? {};
    const priv = tweet.non_public_metrics ?? {};
    const shares = pub.retweet_count ?? pub.repost_count;
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(pub)) extra[`public_${k}`] = v;
    for (const [k, v] of Object.entries(priv)) extra[`non_public_${k}`] = v;
    const derived = sumPresent(pub.like_count, shares, pub.reply_count, pub.quote_count);
    if (priv.engagements === undefined && derived !== undefined) {
      extra.engagements_derived_from_public = true;
    }
    return {
      ok: true,
      metrics: buildMetrics({
        impressions: priv.impression_count ?? pub.impression_count,
        engagements: priv.engagements ?? derived,
        clicks: priv.url_link_clicks,
        likes: pub.like_count,
        shares,
        comments: pub.reply_count,
        saves: pub.bookmark_count,
      }, extra),
    };
  }
}
