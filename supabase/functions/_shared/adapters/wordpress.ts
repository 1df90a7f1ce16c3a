/**
 * WordPress REST API (core), authenticated with an Application Password (HTTP Basic).
 *
 * Existence lookup: WordPress keeps post content verbatim, so publish appends an invisible HTML
 * comment `<!-- dist-attempt-<id> -->` and findExisting searches for it (`?search=` matches raw
 * content, with `context=edit` and every status so drafts and future posts count). Post `meta`
 * would be cleaner but only works for keys a plugin registered with show_in_rest.
 *
 * Rendering: the body (HTML) is sent as one Custom HTML block (`<!-- wp:html -->`). WordPress
 * renders a post with blocks as written, without wpautop, so the marker stays an invisible comment;
 * classic content would get it wrapped in an empty paragraph readers see
 * (`<p><!-- dist-attempt-... --></p>`). The block editor shows the post as one Custom HTML block.
 *
 * Featured image: `platformSpecific.featured_media` (an existing media id), else the first image in
 * `mediaUrls` is fetched and uploaded (`POST /wp/v2/media`, raw bytes with Content-Type and
 * Content-Disposition) and the new id used. The attempt marker stays in the post, so the
 * existence lookup is unchanged; a resend after an unknown outcome may upload the image again
 * (an unattached media item, never a second post).
 */
import { z } from "zod";
import {
  type AdapterDeps,
  attemptMarker,
  buildMetrics,
  type ExistenceQuery,
  IMAGE_TYPES,
  invalidContent,
  type PlatformAdapter,
  type PublishOptions,
  setupAdapter,
  urlExtension,
  validation,
} from "./adapter.ts";
import type { ErrorProfile } from "../net/classify.ts";
import type { CredentialsFor } from "../platforms/credentials.ts";
import type { HttpClient, HttpOk, HttpRequest } from "../net/api-client.ts";
import { HTTP_SETTINGS, type LimitsFor } from "./settings.ts";
import type {
  DeleteResult,
  DistributionContent,
  ExistenceResult,
  Failure,
  MetricsResult,
  PlatformRow,
  PublishResult,
  Result,
  ScheduleResult,
  UpdateResult,
  ValidationError,
  ValidationResult,
} from "./types.ts";

export const WORDPRESS_ERRORS: ErrorProfile = {
  platform: "WordPress",
  messagePaths: ["message"],
  codePaths: ["code"],
  rules: [
    // The user behind the application password may not post: reconnect with another account.
    { status: 403, path: "code", equals: "rest_cannot_create", errorClass: "auth" },
    { status: 403, path: "code", equals: "rest_cannot_publish", errorClass: "auth" },
    // A file type the site does not allow: WordPress answers 500, but retrying cannot help.
    { path: "code", equals: "rest_upload_sideload_error", errorClass: "permanent" },
  ],
  rateLimitReset: { kind: "after", seconds: HTTP_SETTINGS.fallbackRateLimitSeconds },
};

const WordPressConfigSchema = z.object({
  /** Site root, e.g. https://blog.example.com */
  base_url: z.string().url(),
  /** `query` for sites without pretty permalinks (`/?rest_route=`). */
  rest_style: z.enum(["pretty", "query"]).default("pretty"),
  /** DELETE with force=true (skip the trash). */
  force_delete: z.boolean().default(false),
  timeout_ms: z.number().int().positive().optional(),
  /**
   * Core WordPress has no analytics. An analytics source (Jetpack/GA proxy) that answers JSON per
   * post: `url` with `{id}`, and which of its numeric fields map to which common metric.
   */
  analytics: z.object({
    url: z.string(),
    auth: z.enum(["wordpress", "none"]).default("wordpress"),
    fields: z.record(z.string(), z.string()).default({}),
  }).optional(),
});

const WordPressExtrasSchema = z.object({
  category_ids: z.array(z.number().int()).optional(),
  tag_ids: z.array(z.number().int()).optional(),
  featured_media: z.number().int().optional(),
  excerpt: z.string().optional(),
});

const PostSchema = z.object({
  id: z.number().int(),
  link: z.string(),
  status: z.string(),
  date_gmt: z.string().nullable().optional(),
  content: z.object({ raw: z.string().optional(), rendered: z.string().optional() }).optional(),
});
const DeletedSchema = z.union([
  z.object({ deleted: z.literal(true), previous: PostSchema }),
  PostSchema,
]);
const TermSchema = z.object({ id: z.number().int(), name: z.string() });
const MediaSchema = z.object({
  id: z.number().int(),
  source_url: z.string(),
  mime_type: z.string().optional(),
});

type Post = z.infer<typeof PostSchema>;

/** `GET /wp/v2/users/me?context=edit`: who the application password belongs to, and what they may do. */
const UserSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  slug: z.string().optional(),
  roles: z.array(z.string()).optional(),
  capabilities: z.record(z.string(), z.unknown()).optional(),
});

/** The WordPress user the credentials sign in as (their id and display name). */
export interface WordPressAccount {
  account_id: string;
  account_name: string;
}

/**
 * Why a site refuses the credentials, by the request field at fault (`credentials.username`,
 * `credentials.application_password`, `publish_config.base_url`, `publish_config.rest_style`):
 * `status` 400 for an answer that settles it, 502 when the site could not be asked.
 */
export interface AccountRefusal {
  ok: false;
  status: 400 | 502;
  field: string;
  message: string;
}

/** WordPress wants `date_gmt` without a zone designator. */
function wpDate(at: Date): string {
  return at.toISOString().slice(0, 19);
}

/** An ASCII file name for Content-Disposition, with the extension of the image type. */
function mediaFilename(url: string, type: string): string {
  const last = new URL(url).pathname.split("/").pop() ?? "";
  const base = decodeURIComponent(last).replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9_-]+/g, "-");
  const ext = Object.keys(IMAGE_TYPES).find((e) => IMAGE_TYPES[e] === type) ?? "jpg";
  return `${base.replace(/^-+|-+$/g, "") || "image"}.${ext}`;
}

/**
 * Post content as WordPress renders it untouched: the body in a Custom HTML block (a body that already
 * has blocks as it is), then the attempt marker, if any, as a bare comment.
 */
export function postContent(body: string, attemptId?: string): string {
  const marker = attemptId ? `\n<!-- ${attemptMarker(attemptId)} -->` : "";
  if (body.includes("<!-- wp:")) return `${body}${marker}`;
  return `<!-- wp:html -->\n${body}${marker}\n<!-- /wp:html -->`;
}

function decodeEntities(text: string): string {
  return text.replace(/&amp;/g, "&").replace(/&#039;/g, "'").replace(/&quot;/g, '"');
}

/** A 2xx answer that is not the REST API's JSON (WordPress' HTML home page, a cache's page). */
const notRestApi = (f: Failure) => f.status !== undefined && f.status >= 200 && f.status < 300;

export class WordPressAdapter implements PlatformAdapter {
  readonly kind = "wordpress" as const;
  /** A created post is in the database when WordPress answers, and `?search=` sees it at once. */
  readonly createsSynchronously = true;
  private readonly config: z.infer<typeof WordPressConfigSchema>;
  private readonly limits: LimitsFor<"wordpress">;
  private readonly http: HttpClient;
  private readonly auth: string;

  constructor(
    platform: PlatformRow,
    credentials: CredentialsFor<"wordpress">,
    deps: AdapterDeps = {},
  ) {
    ({ config: this.config, limits: this.limits, http: this.http } = setupAdapter(
      "wordpress",
      platform,
      WordPressConfigSchema,
      WORDPRESS_ERRORS,
      deps,
    ));
    this.auth = "Basic " + btoa(`${credentials.username}:${credentials.application_password}`);
  }

  private url(
    route: string,
    query: Record<string, string> = {},
    style = this.config.rest_style,
  ): string {
    const base = this.config.base_url.replace(/\/+$/, "");
    const qs = new URLSearchParams(query);
    if (style === "query") {
      qs.set("rest_route", `/wp/v2/${route}`);
      return `${base}/?${qs}`;
    }
    return `${base}/wp-json/wp/v2/${route}${qs.size ? `?${qs}` : ""}`;
  }

  private call<T>(req: Omit<HttpRequest, "headers">, schema: z.ZodType<T>) {
    return this.http.request({ ...req, headers: { authorization: this.auth } }, { json: schema });
  }

  validate(content: DistributionContent): ValidationResult {
    const errors: ValidationError[] = [];
    if (this.limits.titleRequired && !content.title?.trim()) {
      errors.push({ field: "title", message: "WordPress posts need a title" });
    }
    const length = [...content.body].length;
    if (length < this.limits.minBodyChars) {
      errors.push({
        field: "body",
        message: `${length} characters, WordPress requires at least ${this.limits.minBodyChars}`,
      });
    }
    const extras = WordPressExtrasSchema.safeParse(content.platformSpecific ?? {});
    if (!extras.success) {
      for (const issue of extras.error.issues) {
        errors.push({ field: `platformSpecific.${issue.path.join(".")}`, message: issue.message });
      }
    }
    return validation(errors);
  }

  private postBody(content: DistributionContent, attemptId: string, featuredMedia?: number) {
    const extras = WordPressExtrasSchema.parse(content.platformSpecific ?? {});
    return {
      title: content.title,
      content: postContent(content.body, attemptId),
      excerpt: extras.excerpt,
      categories: extras.category_ids,
      tags: extras.tag_ids,
      featured_media: featuredMedia,
    };
  }

  /**
   * The featured image id: `platformSpecific.featured_media`, else the first image of `mediaUrls`
   * uploaded to the media library, else none. Nothing here creates a post, so a failure is
   * `not_applied` whatever happened to the upload request.
   */
  private async featuredMedia(
    content: DistributionContent,
  ): Promise<{ ok: true; id?: number } | Failure> {
    const given = WordPressExtrasSchema.parse(content.platformSpecific ?? {}).featured_media;
    if (given !== undefined) return { ok: true, id: given };
    const url = content.mediaUrls?.find((u) => IMAGE_TYPES[urlExtension(u) ?? ""]);
    if (!url) return { ok: true };
    const file = await this.http.download(url);
    if (!file.ok) {
      return {
        ...file,
        outcome: "not_applied",
        message: `fetching ${url} failed: ${file.message}`,
      };
    }
    const served = file.headers.get("content-type")?.split(";")[0].trim().toLowerCase();
    const type = served?.startsWith("image/") ? served : IMAGE_TYPES[urlExtension(url) ?? ""];
    const res = await this.http.request({
      method: "POST",
      url: this.url("media"),
      headers: {
        authorization: this.auth,
        "content-type": type,
        "content-disposition": `attachment; filename="${mediaFilename(url, type)}"`,
      },
      body: file.data,
    }, { json: MediaSchema });
    if (!res.ok) {
      return {
        ...res,
        outcome: "not_applied",
        message: `uploading the featured image failed: ${res.message}`,
      };
    }
    return { ok: true, id: res.data.id };
  }

  /** Validate, upload the featured image if needed, create the post. */
  private async createPost(
    content: DistributionContent,
    attemptId: string,
    fields: { status: "publish" | "future"; date_gmt?: string },
  ): Promise<HttpOk<Post> | Failure> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const featured = await this.featuredMedia(content);
    if (!featured.ok) return featured;
    const res = await this.call({
      method: "POST",
      url: this.url("posts"),
      json: { ...this.postBody(content, attemptId, featured.id), ...fields },
    }, PostSchema);
    if (res.ok || !notRestApi(res) || this.config.rest_style !== "pretty") return res;
    // WordPress without pretty permalinks answers /wp-json/... with its home page (200, HTML).
    return {
      ...res,
      message: `${res.message} -- ${this.url("posts")} is not the REST API: with plain ` +
        `permalinks WordPress answers it with its home page. Set publish_config.rest_style to ` +
        `"query" (the API at /?rest_route=), or turn on pretty permalinks on the site.`,
    };
  }

  private published(post: Post): PublishResult {
    return {
      ok: true,
      externalId: String(post.id),
      externalUrl: post.link,
      scheduledFor: post.status === "future" && post.date_gmt
        ? new Date(`${post.date_gmt}Z`)
        : undefined,
    };
  }

  async publish(
    content: DistributionContent,
    { attemptId }: PublishOptions,
  ): Promise<PublishResult> {
    const res = await this.createPost(content, attemptId, { status: "publish" });
    return res.ok ? this.published(res.data) : res;
  }

  /** Native scheduling: status `future` with `date_gmt`; WordPress publishes it when due. */
  async schedule(
    content: DistributionContent,
    at: Date,
    { attemptId }: PublishOptions,
  ): Promise<ScheduleResult> {
    const res = await this.createPost(content, attemptId, {
      status: "future",
      date_gmt: wpDate(at),
    });
    if (!res.ok) return res;
    return {
      ok: true,
      externalId: String(res.data.id),
      externalUrl: res.data.link,
      scheduledFor: at,
    };
  }

  async update(externalId: string, content: DistributionContent): Promise<UpdateResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const res = await this.call({
      method: "POST",
      url: this.url(`posts/${encodeURIComponent(externalId)}`),
      json: { title: content.title, content: postContent(content.body) },
    }, PostSchema);
    return res.ok ? { ok: true, externalId, externalUrl: res.data.link } : res;
  }

  /** Moves to the trash (or deletes with `force_delete`); an already trashed post is success. */
  async delete(externalId: string): Promise<DeleteResult> {
    const res = await this.call({
      method: "DELETE",
      url: this.url(
        `posts/${encodeURIComponent(externalId)}`,
        this.config.force_delete ? { force: "true" } : {},
      ),
    }, DeletedSchema);
    if (res.ok) return { ok: true, externalId, alreadyDeleted: false };
    // Trashed before (410), or removed for good before (404 with force): either way it is gone.
    if (
      res.platformCode === "rest_already_trashed" || res.platformCode === "rest_post_invalid_id"
    ) {
      return { ok: true, externalId, alreadyDeleted: true };
    }
    return res;
  }

  /**
   * The user the credentials sign in as, checked as saving them needs (the platforms function): the
   * site answers `users/me` (a REST API of WordPress, at the row's rest_style), accepts the password,
   * and the user may publish posts (`publish_posts`: authors, editors, administrators). With pretty
   * permalinks off, `/wp-json/` is the home page: then `/?rest_route=` is asked, and the refusal says
   * to set rest_style "query". Sent through the adapter's client, so egress rules apply.
   */
  async verifyAccount(): Promise<{ ok: true; account: WordPressAccount } | AccountRefusal> {
    const me = (style: "pretty" | "query") =>
      this.call(
        { method: "GET", url: this.url("users/me", { context: "edit" }, style) },
        UserSchema,
      );
    const res = await me(this.config.rest_style);
    if (res.ok) {
      const user = res.data;
      if (user.capabilities?.publish_posts !== true) {
        const roles = user.roles?.length ? ` (${user.roles.join(", ")})` : "";
        return {
          ok: false,
          status: 400,
          field: "credentials.username",
          message: `the WordPress user ${user.slug ?? user.name}${roles} cannot publish posts ` +
            `(no publish_posts capability): use an author, editor or administrator`,
        };
      }
      return { ok: true, account: { account_id: String(user.id), account_name: user.name } };
    }
    const refusal = (field: string, message: string): AccountRefusal => ({
      ok: false,
      status: 400,
      field,
      message,
    });
    if (res.status === 401 || res.status === 403) {
      return res.platformCode === "invalid_username" || res.platformCode === "invalid_email"
        ? refusal("credentials.username", `WordPress does not know this user: ${res.message}`)
        : refusal(
          "credentials.application_password",
          `WordPress refused the application password: ${res.message}`,
        );
    }
    const notApi = res.status !== undefined && (notRestApi(res) || res.status === 404);
    if (notApi && this.config.rest_style === "pretty") {
      const again = await me("query");
      if (again.ok || again.status === 401 || again.status === 403) {
        return refusal(
          "publish_config.rest_style",
          `${this.url("users/me")} is not the REST API (pretty permalinks are off on the site): ` +
            `set publish_config.rest_style to "query" (the API at /?rest_route=)`,
        );
      }
    }
    if (notApi) {
      return refusal(
        "publish_config.base_url",
        `${this.config.base_url} is not a WordPress site with the REST API: ` +
          `${this.url("users/me")} answered ${res.status} (${res.message})`,
      );
    }
    if (res.errorClass === "permanent" && res.status === undefined) {
      return refusal("publish_config.base_url", res.message);
    }
    return {
      ok: false,
      status: 502,
      field: "publish_config.base_url",
      message: `the WordPress site could not be asked to check the credentials: ${res.message}`,
    };
  }

  /**
   * Searches for the attempt's marker. A site whose `/wp-json/` answers something other than the API
   * (plain permalinks: its home page) is asked again at `/?rest_route=`, which every WordPress
   * serves, so the answer is authoritative either way.
   */
  async findExisting({ attemptId }: ExistenceQuery): Promise<ExistenceResult> {
    const marker = attemptMarker(attemptId);
    const search = (style: "pretty" | "query") =>
      this.call({
        method: "GET",
        url: this.url("posts", {
          search: marker,
          status: "publish,future,draft,pending,private",
          context: "edit",
          per_page: "10",
        }, style),
      }, z.array(PostSchema));
    let res = await search(this.config.rest_style);
    if (!res.ok && notRestApi(res) && this.config.rest_style === "pretty") {
      res = await search("query");
    }
    if (!res.ok) return res;
    const post = res.data.find((p) => p.content?.raw?.includes(marker));
    return post
      ? { ok: true, found: true, externalId: String(post.id), externalUrl: post.link }
      : { ok: true, found: false };
  }

  /**
   * The post is looked up first: one deleted for good (404 `rest_post_invalid_id`) or in the trash
   * is `gone`. Its metrics come from the configured analytics source; without one, nothing (not
   * zeros).
   */
  async getMetrics(externalId: string): Promise<MetricsResult> {
    const post = await this.call({
      method: "GET",
      url: this.url(`posts/${encodeURIComponent(externalId)}`, { context: "edit" }),
    }, PostSchema);
    if (!post.ok) {
      return post.platformCode === "rest_post_invalid_id" ? { ...post, gone: true } : post;
    }
    if (post.data.status === "trash") {
      return {
        ok: false,
        errorClass: "permanent",
        outcome: "not_applied",
        message: `WordPress post ${externalId} is in the trash`,
        gone: true,
      };
    }
    const source = this.config.analytics;
    if (!source) return { ok: true, metrics: buildMetrics({}) };
    const res = await this.http.request({
      method: "GET",
      url: source.url.replace("{id}", encodeURIComponent(externalId)),
      headers: source.auth === "wordpress" ? { authorization: this.auth } : {},
    }, { json: z.record(z.string(), z.unknown()) });
    if (!res.ok) return res;
    const common = Object.fromEntries(
      Object.entries(source.fields).map(([metric, field]) => [metric, res.data[field]]),
    );
    return { ok: true, metrics: buildMetrics(common, res.data) };
  }

  /** Category ids for names, creating the missing ones (for later use by content adaptation). */
  async ensureCategories(
    names: string[],
    { create = true }: { create?: boolean } = {},
  ): Promise<Result<{ ids: number[] }>> {
    const ids: number[] = [];
    for (const name of names) {
      let id = await this.findCategory(name);
      // Lookup only: a category that does not exist is left out.
      if (typeof id === "undefined" && !create) continue;
      if (typeof id === "undefined") {
        const created = await this.call({
          method: "POST",
          url: this.url("categories"),
          json: { name },
        }, TermSchema);
        // term_exists: another writer created it meanwhile.
        id = created.ok
          ? created.data.id
          : created.platformCode === "term_exists"
          ? await this.findCategory(name)
          : created;
      }
      if (typeof id === "undefined") {
        return {
          ok: false,
          errorClass: "permanent",
          outcome: "not_applied",
          message: `category ${name} not found`,
        };
      }
      if (typeof id !== "number") return id;
      ids.push(id);
    }
    return { ok: true, ids };
  }

  private async findCategory(name: string): Promise<number | undefined | Failure> {
    const found = await this.call({
      method: "GET",
      url: this.url("categories", { search: name, per_page: "100" }),
    }, z.array(TermSchema));
    if (!found.ok) return found;
    return found.data.find((t) => decodeEntities(t.name).toLowerCase() === name.toLowerCase())?.id;
  }
}
