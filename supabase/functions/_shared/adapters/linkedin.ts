/**
 * LinkedIn Posts API (/rest/posts) through the shared HttpClient.
 *
 * Client choice (for the README): the shared HttpClient over npm `linkedin-api-client`. The official client
 * is a thin Rest.li wrapper on axios; it would add axios and its own error type to translate,
 * while this adapter needs five calls, two headers and Rest.li URN encoding. This way every
 * response goes through the shared net/api-client.ts and net/classify.ts path like the other adapters, and the base
 * URL is just `publish_config.base_url`.
 *
 * Existence lookup: commentary cannot carry a hidden marker, but the API lists an author's posts
 * (GET /rest/posts?q=author&author=...), so findExisting compares the escaped commentary.
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
  undecidedLookup,
  validation,
} from "./adapter.ts";
import type { ErrorProfile } from "../net/classify.ts";
import type { CredentialsFor } from "../platforms/credentials.ts";
import type { HttpClient, HttpRequest } from "../net/api-client.ts";
import { oauth2TokenErrors, withOAuth2 } from "../platforms/oauth2.ts";
import { type LimitsFor, QUOTA_TIME_ZONES } from "./settings.ts";
import type {
  DeleteResult,
  DistributionContent,
  ExistenceResult,
  MetricsResult,
  PlatformRow,
  PublishResult,
  UpdateResult,
  ValidationResult,
} from "./types.ts";

export const LINKEDIN_ERRORS: ErrorProfile = {
  platform: "LinkedIn",
  messagePaths: ["errorDetails.inputErrors.*.description", "message"],
  codePaths: ["errorDetails.inputErrors.*.code", "code", "serviceErrorCode"],
  rules: [
    {
      status: 422,
      path: "errorDetails.inputErrors.*.code",
      equals: "DUPLICATE_POST",
      errorClass: "permanent",
    },
    // Missing OAuth scope: the member must reconnect and grant it.
    { status: 403, path: "serviceErrorCode", equals: 100, errorClass: "auth" },
    { path: "code", equals: "REVOKED_ACCESS_TOKEN", errorClass: "auth" },
  ],
  // Daily limits reset at midnight UTC; LinkedIn's 429 carries no headers.
  rateLimitReset: { kind: "midnight", timeZone: QUOTA_TIME_ZONES.linkedin },
};

export const LinkedInConfigSchema = z.object({
  base_url: z.string().url().default("https://api.linkedin.com"),
  /** Where a refresh token (approved apps only) renews the 60-day access token. */
  token_url: z.string().url().default("https://www.linkedin.com/oauth/v2/accessToken"),
  timeout_ms: z.number().int().positive().optional(),
  /** `urn:li:person:...` or `urn:li:organization:...` */
  author_urn: z.string().regex(/^urn:li:(person|organization):[A-Za-z0-9_-]+$/),
  /** LinkedIn-Version (YYYYMM); LinkedIn sunsets versions after about a year. */
  api_version: z.string().regex(/^\d{6}$/).default("202610"),
  visibility: z.enum(["PUBLIC", "CONNECTIONS", "LOGGED_IN"]).default("PUBLIC"),
});

const RESERVED = /[|{}@[\]()<>#*_~\\]/g;

/** Backslash-escape LinkedIn's "little" text format reserved characters. */
export function escapeCommentary(text: string): string {
  return text.replace(RESERVED, (c) => `\\${c}`);
}

const PostListSchema = z.object({
  elements: z.array(z.looseObject({ id: z.string(), commentary: z.string().optional() })),
  paging: z.looseObject({ total: z.number().optional() }).optional(),
});
const SocialActionsSchema = z.looseObject({
  likesSummary: z.looseObject({ totalLikes: z.number().optional() }).optional(),
  commentsSummary: z.looseObject({
    totalFirstLevelComments: z.number().optional(),
    aggregatedTotalComments: z.number().optional(),
  }).optional(),
});
const ShareStatsSchema = z.object({
  elements: z.array(z.object({
    totalShareStatistics: z.record(z.string(), z.number()),
  })),
});

export class LinkedInAdapter implements PlatformAdapter {
  readonly kind = "linkedin" as const;
  private readonly config: z.infer<typeof LinkedInConfigSchema>;
  private readonly limits: LimitsFor<"linkedin">;
  private readonly http: HttpClient;

  constructor(
    platform: PlatformRow,
    credentials: CredentialsFor<"linkedin">,
    deps: AdapterDeps = {},
  ) {
    const setup = setupAdapter("linkedin", platform, LinkedInConfigSchema, LINKEDIN_ERRORS, deps);
    ({ config: this.config, limits: this.limits } = setup);
    // Access tokens last 60 days; with a refresh token they are renewed (see platforms/oauth2.ts).
    this.http = withOAuth2(
      setup.http,
      credentials,
      { tokenUrl: this.config.token_url },
      oauth2TokenErrors("LinkedIn OAuth"),
      this.config,
      deps,
    );
  }

  private req(
    req: Omit<HttpRequest, "url"> & { path: string; extraHeaders?: Record<string, string> },
  ): HttpRequest {
    return {
      ...req,
      url: `${this.config.base_url.replace(/\/+$/, "")}/rest/${req.path}`,
      headers: {
        "linkedin-version": this.config.api_version,
        "x-restli-protocol-version": "2.0.0",
        ...req.extraHeaders,
      },
    };
  }

  private postUrl(urn: string): string {
    return `https://www.linkedin.com/feed/update/${urn}`;
  }

  validate(content: DistributionContent): ValidationResult {
    const commentary = escapeCommentary(content.body);
    const max = this.limits.maxCommentaryChars;
    return validation(
      commentary.length > max
        ? [{
          field: "body",
          message: `${commentary.length} characters after escaping, LinkedIn allows ${max}`,
        }]
        : content.body.trim() === ""
        ? [{ field: "body", message: "empty, LinkedIn needs commentary" }]
        : [],
    );
  }

  async publish(content: DistributionContent, _options: PublishOptions): Promise<PublishResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const res = await this.http.request(
      this.req({
        method: "POST",
        path: "posts",
        json: {
          author: this.config.author_urn,
          commentary: escapeCommentary(content.body),
          visibility: this.config.visibility,
          distribution: {
            feedDistribution: "MAIN_FEED",
            targetEntities: [],
            thirdPartyDistributionChannels: [],
          },
          lifecycleState: "PUBLISHED",
          isReshareDisabledByAuthor: false,
        },
      }),
      { empty: true },
    );
    if (!res.ok) return res;
    const urn = res.headers.get("x-restli-id");
    if (!urn) {
      return {
        ok: false,
        errorClass: "transient",
        outcome: "unknown",
        status: res.status,
        message: `LinkedIn answered ${res.status} without an x-restli-id header`,
      };
    }
    return { ok: true, externalId: urn, externalUrl: this.postUrl(urn) };
  }

  async update(externalId: string, content: DistributionContent): Promise<UpdateResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const res = await this.http.request(
      this.req({
        method: "POST",
        path: `posts/${encodeURIComponent(externalId)}`,
        extraHeaders: { "x-restli-method": "PARTIAL_UPDATE" },
        json: { patch: { $set: { commentary: escapeCommentary(content.body) } } },
      }),
      { empty: true },
    );
    return res.ok ? { ok: true, externalId, externalUrl: this.postUrl(externalId) } : res;
  }

  /** 204 and idempotent: LinkedIn does not say whether the post existed. */
  async delete(externalId: string): Promise<DeleteResult> {
    const res = await this.http.request(
      this.req({
        method: "DELETE",
        path: `posts/${encodeURIComponent(externalId)}`,
      }),
      { empty: true },
    );
    return res.ok ? { ok: true, externalId, alreadyDeleted: false } : res;
  }

  async findExisting({ content }: ExistenceQuery): Promise<ExistenceResult> {
    const commentary = escapeCommentary(content.body);
    const count = this.limits.lookupMaxResults;
    // Page through the author's posts, last modified first: a busy author has more than a page.
    for (let page = 0; page < this.limits.lookupMaxPages; page++) {
      const query = new URLSearchParams({
        q: "author",
        author: this.config.author_urn,
        count: String(count),
        start: String(page * count),
        sortBy: "LAST_MODIFIED",
      });
      const res = await this.http.request(
        this.req({ method: "GET", path: `posts?${query}` }),
        { json: PostListSchema },
      );
      if (!res.ok) return res;
      const post = res.data.elements.find((p) => p.commentary === commentary);
      if (post) {
        return { ok: true, found: true, externalId: post.id, externalUrl: this.postUrl(post.id) };
      }
      const total = res.data.paging?.total;
      const more = total === undefined
        ? res.data.elements.length === count
        : (page + 1) * count < total;
      if (!more) return { ok: true, found: false };
    }
    return undecidedLookup(this.limits.lookupMaxPages * count);
  }

  /** socialActions for everyone; share statistics too when the author is an organization. */
  /**
   * socialActions answers 404 for a post a person deleted; the post itself is then looked up, and only
   * its own 404 marks the read `gone` (any other answer is the read's failure as it was).
   */
  async getMetrics(externalId: string): Promise<MetricsResult> {
    const social = await this.http.request(
      this.req({ method: "GET", path: `socialActions/${encodeURIComponent(externalId)}` }),
      { json: SocialActionsSchema },
    );
    if (!social.ok && social.status === 404) {
      const post = await this.http.request(
        this.req({ method: "GET", path: `posts/${encodeURIComponent(externalId)}` }),
        { empty: true },
      );
      return !post.ok && post.status === 404
        ? { ...post, message: `LinkedIn post ${externalId}: ${post.message}`, gone: true }
        : social;
    }
    if (!social.ok) return social;
    const likes = social.data.likesSummary?.totalLikes;
    const comments = social.data.commentsSummary?.aggregatedTotalComments ??
      social.data.commentsSummary?.totalFirstLevelComments;
    if (!this.config.author_urn.startsWith("urn:li:organization:")) {
      return { ok: true, metrics: buildMetrics({ likes, comments }) };
    }
    const param = externalId.startsWith("urn:li:ugcPost:") ? "ugcPosts" : "shares";
    // Rest.li 2.0: List(...) with each URN percent-encoded inside.
    const query = `q=organizationalEntity&organizationalEntity=${
      encodeURIComponent(this.config.author_urn)
    }&${param}=List(${encodeURIComponent(externalId)})`;
    const stats = await this.http.request(
      this.req({ method: "GET", path: `organizationalEntityShareStatistics?${query}` }),
      { json: ShareStatsSchema },
    );
    if (!stats.ok) return stats;
    const s = stats.data.elements[0]?.totalShareStatistics ?? {};
    return {
      ok: true,
      metrics: buildMetrics({
        impressions: s.impressionCount,
        reach: s.uniqueImpressionsCount,
        clicks: s.clickCount,
        likes: s.likeCount ?? likes,
        comments: s.commentCount ?? comments,
        shares: s.shareCount,
      }, { engagement_rate: s.engagement }),
    };
  }
}
