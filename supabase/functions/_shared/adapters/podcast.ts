/**
 * Podcast: the system publishes the show itself. A published episode distribution is an item of
 * the RSS feed served by the `podcast-feed` function (built from the rows on every request), so
 * publish, update and delete need no call unless the platform row configures a hosting API of
 * Transistor's shape in `publish_config.hosting`; then publish creates a draft episode and
 * publishes it, update patches it, delete unpublishes it (back to draft), metrics are downloads.
 *
 * Without hosting: the external id is the attempt id and the URL the feed's, with the episode as
 * fragment; there are no analytics (typed Unsupported).
 */
import { z } from "zod";
import {
  type AdapterDeps,
  buildMetrics,
  type ExistenceQuery,
  invalidContent,
  type PlatformAdapter,
  type PublishOptions,
  unsupported,
  validation,
} from "./adapter.ts";
import type { ErrorProfile } from "../net/classify.ts";
import type { CredentialsFor } from "../platforms/credentials.ts";
import { type HttpClient, httpClientFor } from "../net/api-client.ts";
import { type LimitsFor, limitsFor } from "./settings.ts";
import { EpisodeExtrasSchema } from "../podcast/episode.ts";
import type {
  DeleteResult,
  DistributionContent,
  ExistenceResult,
  MetricsResult,
  PlatformRow,
  PublishResult,
  UpdateResult,
  ValidationError,
  ValidationResult,
} from "./types.ts";

export const TRANSISTOR_ERRORS: ErrorProfile = {
  platform: "Podcast host",
  messagePaths: ["errors.*.title", "errors.*.detail"],
  codePaths: ["errors.*.code"],
  rules: [],
  // 10 requests per 10 s, then a 10 s block.
  rateLimitReset: { kind: "after", seconds: 10 },
};

const PodcastConfigSchema = z.object({
  /** The public feed URL; default: this project's podcast-feed function for the row. */
  feed_url: z.string().url().optional(),
  hosting: z.object({
    base_url: z.string().url().default("https://api.transistor.fm"),
    show_id: z.string().min(1),
  }).optional(),
  timeout_ms: z.number().int().positive().optional(),
});
type Hosting = NonNullable<z.infer<typeof PodcastConfigSchema>["hosting"]>;

const EpisodeSchema = z.object({
  data: z.object({
    id: z.string(),
    attributes: z.object({
      title: z.string(),
      status: z.string(),
      share_url: z.string().optional(),
      created_at: z.string().optional(),
    }),
  }),
});
const EpisodeListSchema = z.object({ data: z.array(EpisodeSchema.shape.data) });
const AnalyticsSchema = z.object({
  data: z.object({
    attributes: z.object({
      downloads: z.array(z.object({ date: z.string(), downloads: z.number() })),
    }),
  }),
});

/** The episode's enclosure: `platformSpecific.enclosure_url`, else the first media URL. */
export function enclosureOf(content: DistributionContent) {
  const extras = EpisodeExtrasSchema.safeParse(content.platformSpecific ?? {});
  if (!extras.success) return undefined;
  const url = extras.data.enclosure_url ?? content.mediaUrls?.[0];
  return url
    ? { url, length: extras.data.enclosure_length, type: extras.data.enclosure_type }
    : undefined;
}

function feedUrlFor(platform: PlatformRow, configured: string | undefined): string {
  if (configured) return configured;
  const base = Deno.env.get("SUPABASE_URL") ?? "http://127.0.0.1:54321";
  return `${base.replace(/\/+$/, "")}/functions/v1/podcast-feed/${platform.id}`;
}

export class PodcastAdapter implements PlatformAdapter {
  readonly kind = "podcast" as const;
  private readonly limits: LimitsFor<"podcast">;
  private readonly feedUrl: string;
  private readonly hosting?: Hosting;
  private readonly http: HttpClient;
  private readonly apiKey?: string;

  constructor(
    platform: PlatformRow,
    credentials: CredentialsFor<"podcast"> = {},
    deps: AdapterDeps = {},
  ) {
    const config = PodcastConfigSchema.parse(platform.publish_config);
    this.limits = limitsFor("podcast", platform);
    this.feedUrl = feedUrlFor(platform, config.feed_url);
    this.hosting = config.hosting;
    this.http = httpClientFor(config, deps, TRANSISTOR_ERRORS);
    this.apiKey = credentials.api_key;
  }

  validate(content: DistributionContent): ValidationResult {
    const errors: ValidationError[] = [];
    const { maxValueChars, maxDescriptionBytes, enclosureTypes } = this.limits;
    const title = content.title?.trim() ?? "";
    if (!title) errors.push({ field: "title", message: "an episode needs a title" });
    const titleLength = [...title].length;
    if (titleLength > maxValueChars) {
      errors.push({
        field: "title",
        message: `${titleLength} characters, Apple Podcasts allows ${maxValueChars}`,
      });
    }
    const descriptionBytes = new TextEncoder().encode(content.body).length;
    if (descriptionBytes > maxDescriptionBytes) {
      errors.push({
        field: "body",
        message: `${descriptionBytes} bytes, Apple Podcasts allows ${maxDescriptionBytes}`,
      });
    }
    const extras = EpisodeExtrasSchema.safeParse(content.platformSpecific ?? {});
    for (const issue of extras.error?.issues ?? []) {
      errors.push({ field: `platformSpecific.${issue.path.join(".")}`, message: issue.message });
    }
    if (extras.success) {
      const enclosure = enclosureOf(content);
      if (!enclosure) {
        errors.push({
          field: "platformSpecific.enclosure_url",
          message: "an episode needs an audio file URL (or a media URL)",
        });
      } else if (!/^https?:\/\//.test(enclosure.url)) {
        errors.push({ field: "platformSpecific.enclosure_url", message: "must be an http(s) URL" });
      }
      if (!enclosureTypes.includes(extras.data.enclosure_type)) {
        errors.push({
          field: "platformSpecific.enclosure_type",
          message: `${extras.data.enclosure_type} is not one of ${enclosureTypes.join(", ")}`,
        });
      }
    }
    if (this.hosting && !this.apiKey) {
      errors.push({ field: "credentials.api_key", message: "the hosting API needs an api_key" });
    }
    return validation(errors);
  }

  private host<T>(
    method: "GET" | "POST" | "PATCH",
    hosting: Hosting,
    path: string,
    schema: z.ZodType<T>,
    json?: unknown,
  ) {
    return this.http.request({
      method,
      url: `${hosting.base_url.replace(/\/+$/, "")}${path}`,
      headers: { "x-api-key": this.apiKey ?? "" },
      json,
    }, { json: schema });
  }

  private episodeFields(content: DistributionContent) {
    return {
      title: content.title,
      summary: [...content.body].slice(0, this.limits.maxValueChars).join(""),
      description: content.body,
      audio_url: enclosureOf(content)?.url,
    };
  }

  async publish(
    content: DistributionContent,
    { attemptId }: PublishOptions,
  ): Promise<PublishResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const hosting = this.hosting;
    if (!hosting) {
      return { ok: true, externalId: attemptId, externalUrl: `${this.feedUrl}#${attemptId}` };
    }
    const draft = await this.host("POST", hosting, "/v1/episodes", EpisodeSchema, {
      episode: { show_id: hosting.show_id, ...this.episodeFields(content) },
    });
    if (!draft.ok) return draft;
    return this.setStatus(hosting, draft.data.data.id, "published");
  }

  private async setStatus(
    hosting: Hosting,
    id: string,
    status: "published" | "draft",
  ): Promise<PublishResult> {
    const res = await this.host(
      "PATCH",
      hosting,
      `/v1/episodes/${encodeURIComponent(id)}/publish`,
      EpisodeSchema,
      { episode: { status } },
    );
    if (!res.ok) return res;
    return {
      ok: true,
      externalId: id,
      externalUrl: res.data.data.attributes.share_url ?? this.feedUrl,
    };
  }

  /** Feed-only: the feed is rebuilt from the row on every request, so the edit is live already. */
  async update(externalId: string, content: DistributionContent): Promise<UpdateResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    if (!this.hosting) {
      return { ok: true, externalId, externalUrl: `${this.feedUrl}#${externalId}` };
    }
    const res = await this.host(
      "PATCH",
      this.hosting,
      `/v1/episodes/${encodeURIComponent(externalId)}`,
      EpisodeSchema,
      { episode: this.episodeFields(content) },
    );
    if (!res.ok) return res;
    return {
      ok: true,
      externalId,
      externalUrl: res.data.data.attributes.share_url ?? this.feedUrl,
    };
  }

  /** Feed-only: the item leaves the feed when its row leaves status 'published'. Hosted: unpublish. */
  async delete(externalId: string): Promise<DeleteResult> {
    if (!this.hosting) return { ok: true, externalId, alreadyDeleted: false };
    const res = await this.setStatus(this.hosting, externalId, "draft");
    if (res.ok) return { ok: true, externalId, alreadyDeleted: false };
    return res.status === 404 ? { ok: true, externalId, alreadyDeleted: true } : res;
  }

  /** Downloads from the host (as impressions); a self-hosted feed has no analytics. */
  async getMetrics(externalId: string): Promise<MetricsResult> {
    if (!this.hosting) {
      return unsupported("metrics", "A self-hosted podcast feed has no download analytics");
    }
    const res = await this.host(
      "GET",
      this.hosting,
      `/v1/analytics/episodes/${encodeURIComponent(externalId)}`,
      AnalyticsSchema,
    );
    if (!res.ok) return res;
    const days = res.data.data.attributes.downloads;
    const downloads = days.length ? days.reduce((sum, d) => sum + d.downloads, 0) : undefined;
    return { ok: true, metrics: buildMetrics({ impressions: downloads }, { downloads }) };
  }

  /**
   * Hosted: a published episode of the show with this title, created at or after the attempt.
   * Feed-only: publishing makes no call, so nothing can exist outside the database.
   */
  async findExisting({ content, sentAt }: ExistenceQuery): Promise<ExistenceResult> {
    if (!this.hosting) return { ok: true, found: false };
    const query = new URLSearchParams({
      show_id: this.hosting.show_id,
      query: content.title ?? "",
    });
    const res = await this.host("GET", this.hosting, `/v1/episodes?${query}`, EpisodeListSchema);
    if (!res.ok) return res;
    const since = sentAt?.getTime() ?? -Infinity;
    const match = res.data.data.find((e) =>
      e.attributes.title === content.title && e.attributes.status === "published" &&
      (!e.attributes.created_at || Date.parse(e.attributes.created_at) >= since)
    );
    return match
      ? {
        ok: true,
        found: true,
        externalId: match.id,
        externalUrl: match.attributes.share_url ?? "",
      }
      : { ok: true, found: false };
  }
}
