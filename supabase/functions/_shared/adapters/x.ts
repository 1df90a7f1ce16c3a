/**
 * X (Twitter) API v2 through npm `twitter-api-v2`, as the user: OAuth 1.0a, every request signed
 * by the SDK as it is sent, or OAuth 2.0 bearer tokens renewed with a rotating refresh token
 * (platforms/oauth2.ts; a confidential client authenticates with HTTP Basic).
 *
 * - No edit (update -> Unsupported) and no native scheduling (no `schedule`).
 * - Existence lookup: a tweet cannot carry a hidden marker, but the API lists the account's own
 *   recent tweets (GET /2/users/:id/tweets, with start_time), so findExisting compares their text
 *   with ours after normalising what X rewrites (URLs become t.co links, & < > are escaped).
 * - Media: fetched from their URLs, then media upload v2 (x-media.ts), then attached by id.
 *
 * Client: npm `twitter-api-v2` (x-api.ts), over net/node-agent.ts's Agent: kept-alive connections,
 * a POST never sent twice by the runtime, every connection checked by the egress rules. Its answers
 * and errors go through the one classifier (X_ERRORS), and the base URL is
 * `publish_config.base_url` (an emulator). The OAuth 2.0 token refresh goes through the shared
 * HttpClient (platforms/oauth2.ts).
 */
import { z } from "zod";
import {
  type AdapterDeps,
  buildMetrics,
  type ExistenceQuery,
  invalidContent,
  type PlatformAdapter,
  type PublishOptions,
  setupAdapter,
  sumPresent,
  undecidedLookup,
  unsupported,
  urlExtension,
  validation,
} from "./adapter.ts";
import type { ErrorProfile } from "../net/classify.ts";
import type { CredentialsFor } from "../platforms/credentials.ts";
import { type HttpClient, httpClientFor } from "../net/api-client.ts";
import { sharedSendOnceAgent } from "../net/node-agent.ts";
import { HTTP_SETTINGS } from "./settings.ts";
import { XApi } from "./x-api.ts";
import { openMedia } from "../media/fetch.ts";
import { longerThan } from "../media/mp4.ts";
import { OAuth2Bearer, oauth2TokenErrors } from "../platforms/oauth2.ts";
import type { LimitsFor } from "./settings.ts";
import { parseTweet, replaceUrls } from "./twitter-text.ts";
import { uploadXMedia } from "./x-media.ts";
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
  rateLimitReset: { kind: "after", seconds: 15 * 60 },
};

/** X's token endpoint: a used, revoked or unknown refresh token is `invalid_request`. */
export const X_TOKEN_ERRORS = oauth2TokenErrors("X OAuth", [{
  path: "error_description",
  equals: "Value passed for the token was invalid.",
  errorClass: "auth",
}]);

export const XConfigSchema = z.object({
  base_url: z.string().url().default("https://api.x.com"),
  timeout_ms: z.number().int().positive().optional(),
  /** Public URL of a status, `{id}` replaced. */
  status_url: z.string().default("https://x.com/i/status/{id}"),
  /**
   * How long to wait for X to process a video or GIF before giving up (transient, nothing posted):
   * well inside a publish worker's send window, so a slow transcode never posts after the row's
   * claim could have lapsed.
   */
  media_processing_max_wait_ms: z.number().int().nonnegative().default(30_000),
});

const TweetSchema = z.object({ id: z.string(), text: z.string() });
const CreatedSchema = z.object({ data: TweetSchema });
const DeletedSchema = z.object({ data: z.object({ deleted: z.boolean() }) });
const MeSchema = z.object({ data: z.object({ id: z.string() }) });
const TimelineSchema = z.object({
  data: z.array(TweetSchema).optional(),
  meta: z.looseObject({ next_token: z.string().optional() }).optional(),
});
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

export class XAdapter implements PlatformAdapter {
  readonly kind = "x" as const;
  private readonly config: z.infer<typeof XConfigSchema>;
  private readonly limits: LimitsFor<"x">;
  /** The X API as the account (OAuth 1.0a signature or OAuth 2.0 bearer), through the SDK. */
  private readonly api: XApi;
  /** Downloads media to upload (the URLs are ours or a CDN's, not X's). */
  private readonly mediaSource: HttpClient;
  /** `<base_url>/2`, the API root every path hangs off. */
  private readonly apiRoot: string;
  private userId?: string;

  constructor(platform: PlatformRow, credentials: CredentialsFor<"x">, deps: AdapterDeps = {}) {
    const setup = setupAdapter("x", platform, XConfigSchema, X_ERRORS, deps);
    ({ config: this.config, limits: this.limits } = setup);
    const base = this.config.base_url.replace(/\/+$/, "");
    this.api = new XApi(
      "app_key" in credentials ? { kind: "oauth1", credentials } : {
        kind: "oauth2",
        bearer: new OAuth2Bearer(
          credentials,
          { tokenUrl: `${base}/2/oauth2/token`, clientAuth: "basic", store: deps.credentialStore },
          httpClientFor(this.config, deps, X_TOKEN_ERRORS),
        ),
      },
      sharedSendOnceAgent(base, "never"),
      X_ERRORS,
      deps.timeoutMs ?? this.config.timeout_ms ?? HTTP_SETTINGS.timeoutMs,
      deps.now ?? (() => new Date()),
    );
    this.mediaSource = httpClientFor(this.config, deps, {
      ...X_ERRORS,
      platform: "X media source",
    });
    this.apiRoot = `${base}/2`;
    this.userId = credentials.user_id;
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

  private url(path: string, query?: Record<string, string>): string {
    return `${this.apiRoot}/${path}${query ? `?${new URLSearchParams(query)}` : ""}`;
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
      mediaIds.push(uploaded.id);
    }
    const res = await this.api.request({
      method: "POST",
      url: this.url("tweets"),
      json: mediaIds.length
        ? { text: content.body, media: { media_ids: mediaIds } }
        : { text: content.body },
    }, { json: CreatedSchema });
    if (!res.ok) return res;
    const id = res.data.data.id;
    return { ok: true, externalId: id, externalUrl: this.statusUrl(id) };
  }

  private async uploadMedia(url: string): Promise<{ ok: true; id: string } | Failure> {
    const file = await openMedia(this.mediaSource, url);
    if (!file.ok) return { ...file, message: `fetching ${url} failed: ${file.message}` };
    try {
      const type = file.type ?? "application/octet-stream";
      if (type.startsWith("video/")) {
        const tooLong = await longerThan(file, this.limits.maxVideoSeconds, "X's limit");
        if (tooLong) return { ...tooLong, message: `X: ${url}: ${tooLong.message}` };
      }
      return await uploadXMedia(this.api, this.apiRoot, file, type, {
        maxWaitMs: this.config.media_processing_max_wait_ms,
      });
    } finally {
      // the host's stream, when it ignores Range
      file.close();
    }
  }

  update(_externalId: string, _content: DistributionContent): Promise<UpdateResult> {
    return Promise.resolve(unsupported("update", "X does not let most API tiers edit a post"));
  }

  /** A tweet that no longer exists (404) counts as already deleted. */
  async delete(externalId: string): Promise<DeleteResult> {
    const res = await this.api.request(
      { method: "DELETE", url: this.url(`tweets/${encodeURIComponent(externalId)}`) },
      { json: DeletedSchema },
    );
    if (res.ok) return { ok: true, externalId, alreadyDeleted: !res.data.data.deleted };
    if (res.status === 404) return { ok: true, externalId, alreadyDeleted: true };
    return res;
  }

  private async ownUserId(): Promise<{ ok: true; id: string } | Failure> {
    if (this.userId) return { ok: true, id: this.userId };
    const me = await this.api.request(
      { method: "GET", url: this.url("users/me") },
      { json: MeSchema },
    );
    if (!me.ok) return me;
    this.userId = me.data.data.id;
    return { ok: true, id: this.userId };
  }

  async findExisting({ content, sentAt }: ExistenceQuery): Promise<ExistenceResult> {
    const user = await this.ownUserId();
    if (!user.ok) return user;
    const windowMs = this.limits.lookupWindowHours * 3_600_000;
    const since = new Date((sentAt ?? this.api.now()).getTime() - windowMs);
    const wanted = normalizeTweetText(content.body);
    // Page through the window, newest first: a busy account posts more than a page in it.
    let token: string | undefined;
    for (let page = 0; page < this.limits.lookupMaxPages; page++) {
      const res = await this.api.request({
        method: "GET",
        url: this.url(`users/${encodeURIComponent(user.id)}/tweets`, {
          max_results: String(this.limits.lookupMaxResults),
          start_time: since.toISOString(),
          ...(token ? { pagination_token: token } : {}),
        }),
      }, { json: TimelineSchema });
      if (!res.ok) return res;
      const tweet = res.data.data?.find((t) => normalizeTweetText(t.text) === wanted);
      if (tweet) {
        return {
          ok: true,
          found: true,
          externalId: tweet.id,
          externalUrl: this.statusUrl(tweet.id),
        };
      }
      token = res.data.meta?.next_token;
      if (!token) return { ok: true, found: false };
    }
    return undecidedLookup(this.limits.lookupMaxPages * this.limits.lookupMaxResults);
  }

  /** public_metrics, plus non_public_metrics when X allows (own posts under 30 days). */
  async getMetrics(externalId: string): Promise<MetricsResult> {
    const lookup = (fields: string) =>
      this.api.request({
        method: "GET",
        url: this.url(`tweets/${encodeURIComponent(externalId)}`, { "tweet.fields": fields }),
      }, { json: LookupSchema });
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
        // resource-not-found: deleted (or never there); other problems (authorization) are not.
        gone: String(error?.type ?? "").endsWith("/resource-not-found"),
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
