/**
 * WordPress REST API emulator (core posts + categories), as WordPress 6.x behaves: Basic auth with
 * an application password (spaces ignored), `rest_*` error bodies, `?rest_route=` for sites
 * without pretty permalinks (with `permalinks: "plain"` only that: `/wp-json/` answers the home
 * page, 200 HTML, as WordPress 6.1 does), `publish` <-> `future` by date_gmt, future posts flipping to publish
 * when due, trash then 410 `rest_already_trashed`, and an analytics endpoint fed by the engagement
 * model (`/wp-json/stats/v1/posts/:id`, standing in for Jetpack/GA). Media uploads as core does:
 * `POST /wp/v2/media` with the raw bytes, Content-Type and `Content-Disposition: attachment;
 * filename=...` -> 201 attachment `{id, source_url, mime_type, ...}`; 401 without a login, 403
 * for a role without `upload_files` (contributor, subscriber), `rest_upload_no_data` for an empty
 * body, `rest_upload_no_content_disposition`, `rest_upload_sideload_error` for a file type that is
 * not allowed. `GET /wp/v2/users/me` answers the signed-in user (with `context=edit` their roles and
 * capabilities: `publish_posts` for authors and up), 401 `rest_not_logged_in` without a login; the
 * default site has an administrator `admin` and a contributor `contributor` (DEFAULT_WORDPRESS_USERS).
 */
import { basicCredentials } from "./auth.ts";
import {
  DueQueue,
  type EmulatorContext,
  type EmulatorDefinition,
  json,
  type Route,
} from "./framework.ts";
import { limitsFor } from "../../supabase/functions/_shared/adapters/settings.ts";

export interface WordPressPost {
  id: number;
  title: string;
  content: string;
  excerpt: string;
  status: "publish" | "future" | "draft" | "pending" | "private" | "trash";
  date_gmt: Date;
  modified_gmt: Date;
  slug: string;
  categories: number[];
  tags: number[];
  featured_media: number;
}

export interface WordPressMedia {
  id: number;
  filename: string;
  mime_type: string;
  bytes: number;
  date_gmt: Date;
}

export type WordPressRole = "administrator" | "editor" | "author" | "contributor" | "subscriber";

export interface WordPressState {
  posts: Map<number, WordPressPost>;
  categories: Map<number, { id: number; name: string; slug: string }>;
  media: Map<number, WordPressMedia>;
  users: Map<string, string>;
  roles: Map<string, WordPressRole>;
  nextId: number;
}

export interface WordPressEmulatorOptions {
  /** username -> application password (spaces are ignored, as WordPress does). */
  users?: Record<string, string>;
  /** username -> role (default administrator). */
  roles?: Record<string, WordPressRole>;
  /**
   * `plain`: pretty permalinks off, as a site where they were never turned on: `/wp-json/...` reaches
   * no API and is answered with the home page (200, HTML, for GET and POST alike, nothing created);
   * only `/?rest_route=` is the API. Default `pretty` (both work).
   */
  permalinks?: "pretty" | "plain";
}

/** What a WordPress site answers for a URL it does not route: its home page. */
const HOME_PAGE = '<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="UTF-8">' +
  '<title>Demo Blog</title></head><body class="home blog"><h1>Demo Blog</h1>' +
  "<p>Just another WordPress site</p></body></html>\n";

const homePage = () =>
  new Response(HOME_PAGE, { status: 200, headers: { "content-type": "text/html; charset=UTF-8" } });

/** Core's allowed upload types for images (wp_get_mime_types), by extension. */
const IMAGE_MIME_TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
};

const STATUSES = ["publish", "future", "draft", "pending", "private"] as const;
const FUTURE_SECONDS = limitsFor("wordpress").futureThresholdSeconds;

function wpError(code: string, message: string, status: number, extra: object = {}): Response {
  return json({ code, message, data: { status, ...extra } }, status);
}

/** Core's block-level tags: wpautop leaves a chunk that opens with one of these unwrapped. */
const BLOCK_TAG =
  /^<\/?(?:address|article|aside|blockquote|details|div|dl|fieldset|figcaption|figure|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|table|ul)\b/i;

/**
 * `content.rendered` as WordPress' the_content gives it: a post with blocks (`<!-- wp:... -->`) as
 * written, block delimiters removed (do_blocks; wpautop is off for it); classic content through
 * wpautop, which wraps every blank-line-separated chunk that is not a block element in a paragraph,
 * an HTML comment on its own included (`<p><!-- ... --></p>`).
 */
export function renderContent(content: string): string {
  if (content.includes("<!-- wp:")) {
    return content.replace(/<!-- \/?wp:[\s\S]*?-->\n?/g, "");
  }
  return content.split(/\n\s*\n/).map((chunk) => chunk.trim()).filter(Boolean)
    .map((chunk) => BLOCK_TAG.test(chunk) ? chunk : `<p>${chunk}</p>`).join("\n") + "\n";
}

/** The default site's users: username -> application password, and their roles (others: administrator). */
export const DEFAULT_WORDPRESS_USERS: Record<string, string> = {
  admin: "abcd EFGH ijkl MNOP qrst UVWX",
  contributor: "cont RIBU tor0 pass word 1234",
};
export const DEFAULT_WORDPRESS_ROLES: Record<string, WordPressRole> = {
  contributor: "contributor",
};

/** Core's capabilities of a role, as far as publishing needs them. */
const ROLE_CAPABILITIES: Record<WordPressRole, string[]> = {
  administrator: ["read", "edit_posts", "publish_posts", "upload_files", "manage_options"],
  editor: ["read", "edit_posts", "publish_posts", "upload_files", "edit_others_posts"],
  author: ["read", "edit_posts", "publish_posts", "upload_files"],
  contributor: ["read", "edit_posts"],
  subscriber: ["read"],
};

const slugify = (s: string) =>
  s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "post";
const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function wordpressEmulator(
  options: WordPressEmulatorOptions = {},
): EmulatorDefinition<WordPressState> {
  const state: WordPressState = {
    posts: new Map(),
    categories: new Map([[1, { id: 1, name: "Uncategorized", slug: "uncategorized" }]]),
    media: new Map([[42, {
      id: 42,
      filename: "existing.jpg",
      mime_type: "image/jpeg",
      bytes: 1024,
      date_gmt: new Date(0),
    }]]),
    users: new Map(
      Object.entries(options.users ?? DEFAULT_WORDPRESS_USERS).map((
        [u, p],
      ) => [u, p.replace(/\s/g, "")]),
    ),
    roles: new Map(Object.entries(options.roles ?? (options.users ? {} : DEFAULT_WORDPRESS_ROLES))),
    nextId: 100,
  };

  /** Posts by the date_gmt they were given when they became future (re-added on every change). */
  const scheduled = new DueQueue<WordPressPost>();

  /** WordPress' cron publishes due future posts. */
  const tick = (now: Date) => {
    for (const post of scheduled.takeDue(now.getTime())) {
      if (post.status === "future" && post.date_gmt <= now) post.status = "publish";
    }
  };

  type Auth = { user: string } | { error: Response } | undefined;
  const authenticate = (headers: Headers): Auth => {
    if (!headers.has("authorization")) return undefined;
    const creds = basicCredentials(headers);
    if (!creds || !state.users.has(creds.user)) {
      return {
        error: wpError(
          "invalid_username",
          "Unknown username. Check again or try your email address.",
          401,
        ),
      };
    }
    if (state.users.get(creds.user) !== creds.password.replace(/\s/g, "")) {
      return {
        error: wpError(
          "incorrect_password",
          "The provided password is an invalid application password.",
          401,
        ),
      };
    }
    return { user: creds.user };
  };

  const serialize = (post: WordPressPost, ctx: EmulatorContext, edit: boolean) => ({
    id: post.id,
    date_gmt: post.date_gmt.toISOString().slice(0, 19),
    modified_gmt: post.modified_gmt.toISOString().slice(0, 19),
    slug: post.slug,
    status: post.status,
    type: "post",
    link: `${ctx.origin}/?p=${post.id}`,
    title: { ...(edit ? { raw: post.title } : {}), rendered: escapeHtml(post.title) },
    content: {
      ...(edit ? { raw: post.content } : {}),
      rendered: renderContent(post.content),
      protected: false,
    },
    excerpt: { ...(edit ? { raw: post.excerpt } : {}), rendered: post.excerpt },
    author: 1,
    featured_media: post.featured_media,
    categories: post.categories,
    tags: post.tags,
    meta: [],
  });

  /** Applies title/content/status/date_gmt/... from a request body; a Response on bad input. */
  const apply = (
    post: WordPressPost,
    body: Record<string, unknown>,
    now: Date,
  ): Response | void => {
    const text = (v: unknown) =>
      typeof v === "string"
        ? v
        : v && typeof v === "object" && "raw" in v && typeof v.raw === "string"
        ? v.raw
        : undefined;
    if ("title" in body) post.title = text(body.title) ?? post.title;
    if ("content" in body) post.content = text(body.content) ?? post.content;
    if ("excerpt" in body) post.excerpt = text(body.excerpt) ?? post.excerpt;
    if (body.status !== undefined) {
      if (!STATUSES.includes(body.status as typeof STATUSES[number])) {
        return wpError("rest_invalid_param", "Invalid parameter(s): status", 400, {
          params: { status: `status is not one of ${STATUSES.join(", ")}.` },
        });
      }
      post.status = body.status as WordPressPost["status"];
    }
    if (body.date_gmt !== undefined) {
      const parsed = typeof body.date_gmt === "string"
        ? Date.parse(body.date_gmt.endsWith("Z") ? body.date_gmt : `${body.date_gmt}Z`)
        : NaN;
      if (!Number.isFinite(parsed)) {
        return wpError("rest_invalid_param", "Invalid parameter(s): date_gmt", 400, {
          params: { date_gmt: "Invalid date." },
        });
      }
      post.date_gmt = new Date(parsed);
    }
    for (const key of ["categories", "tags"] as const) {
      if (Array.isArray(body[key])) post[key] = (body[key] as unknown[]).map(Number);
    }
    // An unknown featured_media id is silently ignored, as WordPress does on create.
    if (typeof body.featured_media === "number" && state.media.has(body.featured_media)) {
      post.featured_media = body.featured_media;
    }
    const ahead = (post.date_gmt.getTime() - now.getTime()) / 1000;
    if (post.status === "publish" && ahead >= FUTURE_SECONDS) post.status = "future";
    else if (post.status === "future" && ahead < FUTURE_SECONDS) post.status = "publish";
    if (post.status === "future") scheduled.add(post.date_gmt.getTime(), post);
    post.modified_gmt = now;
  };

  const withPost = (
    handler: (
      post: WordPressPost,
      user: string | undefined,
      ...rest: Parameters<Route["handle"]>
    ) => Response,
    needsAuth: { code: string; message: string } | undefined,
  ): Route["handle"] =>
  (req, ctx) => {
    tick(ctx.now());
    const auth = authenticate(req.headers);
    if (auth && "error" in auth) return auth.error;
    if (needsAuth && !auth) return wpError(needsAuth.code, needsAuth.message, 401);
    const post = state.posts.get(Number(req.params.id));
    if (!post || (post.status !== "publish" && !auth)) {
      return wpError("rest_post_invalid_id", "Invalid post ID.", 404);
    }
    return handler(post, auth?.user, req, ctx);
  };

  const routes: Route[] = [
    { method: "GET", path: "/", handle: homePage },
    { method: "POST", path: "/", handle: homePage },
    {
      method: "POST",
      path: "/wp-json/wp/v2/posts",
      handle(req, ctx) {
        const now = ctx.now();
        tick(now);
        const auth = authenticate(req.headers);
        if (auth && "error" in auth) return auth.error;
        if (!auth) {
          return wpError(
            "rest_cannot_create",
            "Sorry, you are not allowed to create posts as this user.",
            401,
          );
        }
        if (!req.body || typeof req.body !== "object") {
          return wpError("rest_invalid_json", "Invalid JSON body passed.", 400);
        }
        const body = req.body as Record<string, unknown>;
        const post: WordPressPost = {
          id: state.nextId++,
          title: "",
          content: "",
          excerpt: "",
          status: "draft",
          date_gmt: now,
          modified_gmt: now,
          slug: "",
          categories: [1],
          tags: [],
          featured_media: 0,
        };
        const error = apply(post, body, now);
        if (error) return error;
        post.slug = slugify(post.title);
        state.posts.set(post.id, post);
        const location = `${ctx.origin}/wp-json/wp/v2/posts/${post.id}`;
        return json(serialize(post, ctx, true), 201, { location });
      },
    },
    {
      method: "GET",
      path: "/wp-json/wp/v2/posts",
      handle(req, ctx) {
        tick(ctx.now());
        const auth = authenticate(req.headers);
        if (auth && "error" in auth) return auth.error;
        const edit = req.query.get("context") === "edit";
        if (edit && !auth) {
          return wpError(
            "rest_forbidden_context",
            "Sorry, you are not allowed to edit posts in this post type.",
            401,
          );
        }
        const statuses = (req.query.get("status") ?? "publish").split(",");
        if (!auth && statuses.some((s) => s !== "publish")) {
          return wpError("rest_invalid_param", "Invalid parameter(s): status", 400);
        }
        const search = req.query.get("search")?.toLowerCase();
        const perPage = Math.min(Number(req.query.get("per_page") ?? 10) || 10, 100);
        const matches = [...state.posts.values()]
          .filter((p) => statuses.includes(p.status))
          .filter((p) =>
            !search || `${p.title} ${p.excerpt} ${p.content}`.toLowerCase().includes(search)
          )
          .sort((a, b) => b.date_gmt.getTime() - a.date_gmt.getTime());
        return json(matches.slice(0, perPage).map((p) => serialize(p, ctx, edit)), 200, {
          "x-wp-total": String(matches.length),
          "x-wp-totalpages": String(Math.max(1, Math.ceil(matches.length / perPage))),
        });
      },
    },
    {
      method: "GET",
      path: "/wp-json/wp/v2/posts/:id",
      handle: withPost(
        (post, user, req, ctx) =>
          json(serialize(post, ctx, !!user && req.query.get("context") === "edit")),
        undefined,
      ),
    },
    {
      method: "POST",
      path: "/wp-json/wp/v2/posts/:id",
      handle: withPost((post, _user, req, ctx) => {
        const error = apply(post, (req.body ?? {}) as Record<string, unknown>, ctx.now());
        return error ?? json(serialize(post, ctx, true));
      }, { code: "rest_cannot_edit", message: "Sorry, you are not allowed to edit this post." }),
    },
    {
      method: "DELETE",
      path: "/wp-json/wp/v2/posts/:id",
      handle: withPost((post, _user, req, ctx) => {
        if (req.query.get("force") === "true") {
          state.posts.delete(post.id);
          return json({ deleted: true, previous: serialize(post, ctx, true) });
        }
        if (post.status === "trash") {
          return wpError("rest_already_trashed", "The post has already been deleted.", 410);
        }
        post.status = "trash";
        return json(serialize(post, ctx, true));
      }, {
        code: "rest_cannot_delete",
        message: "Sorry, you are not allowed to delete this post.",
      }),
    },
    {
      method: "POST",
      path: "/wp-json/wp/v2/media",
      handle(req, ctx) {
        const auth = authenticate(req.headers);
        if (auth && "error" in auth) return auth.error;
        const role = auth ? state.roles.get(auth.user) ?? "administrator" : undefined;
        if (!role || role === "contributor" || role === "subscriber") {
          return wpError(
            "rest_cannot_create",
            "Sorry, you are not allowed to upload media on this site.",
            auth ? 403 : 401,
          );
        }
        if (req.bytes.length === 0) return wpError("rest_upload_no_data", "No data supplied.", 400);
        const type = req.headers.get("content-type")?.split(";")[0].trim();
        if (!type) {
          return wpError("rest_upload_no_content_type", "No Content-Type supplied.", 400);
        }
        const disposition = req.headers.get("content-disposition") ?? "";
        const filename = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
        if (!filename) {
          return wpError(
            "rest_upload_no_content_disposition",
            "No Content-Disposition supplied.",
            400,
          );
        }
        const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? "";
        if (IMAGE_MIME_TYPES[ext] === undefined || IMAGE_MIME_TYPES[ext] !== type) {
          return wpError(
            "rest_upload_sideload_error",
            "Sorry, you are not allowed to upload this file type.",
            500,
          );
        }
        const now = ctx.now();
        const media: WordPressMedia = {
          id: state.nextId++,
          filename: decodeURIComponent(filename),
          mime_type: type,
          bytes: req.bytes.length,
          date_gmt: now,
        };
        state.media.set(media.id, media);
        const month = now.toISOString().slice(0, 7).replace("-", "/");
        const slug = slugify(media.filename.replace(/\.[^.]+$/, ""));
        return json(
          {
            id: media.id,
            date_gmt: now.toISOString().slice(0, 19),
            slug,
            status: "inherit",
            type: "attachment",
            link: `${ctx.origin}/?attachment_id=${media.id}`,
            title: { raw: slug, rendered: slug },
            author: 1,
            media_type: "image",
            mime_type: type,
            source_url: `${ctx.origin}/wp-content/uploads/${month}/${media.filename}`,
            media_details: { filesize: media.bytes, sizes: {} },
          },
          201,
          { location: `${ctx.origin}/wp-json/wp/v2/media/${media.id}` },
        );
      },
    },
    {
      method: "GET",
      path: "/wp-json/wp/v2/users/me",
      handle(req, ctx) {
        const auth = authenticate(req.headers);
        if (auth && "error" in auth) return auth.error;
        if (!auth) return wpError("rest_not_logged_in", "You are not currently logged in.", 401);
        const role = state.roles.get(auth.user) ?? "administrator";
        const id = [...state.users.keys()].indexOf(auth.user) + 1;
        const name = auth.user.charAt(0).toUpperCase() + auth.user.slice(1);
        const user = {
          id,
          name,
          url: "",
          description: "",
          link: `${ctx.origin}/?author=${id}`,
          slug: slugify(auth.user),
          avatar_urls: {},
          meta: [],
        };
        if (req.query.get("context") !== "edit") return json(user);
        return json({
          ...user,
          username: auth.user,
          first_name: "",
          last_name: "",
          email: `${auth.user}@example.com`,
          nickname: auth.user,
          roles: [role],
          capabilities: {
            ...Object.fromEntries(ROLE_CAPABILITIES[role].map((c) => [c, true])),
            [role]: true,
          },
          extra_capabilities: { [role]: true },
        });
      },
    },
    {
      method: "GET",
      path: "/wp-json/wp/v2/categories",
      handle(req) {
        const search = req.query.get("search")?.toLowerCase() ?? "";
        return json(
          [...state.categories.values()].filter((c) => c.name.toLowerCase().includes(search))
            .map((c) => ({ ...c, name: escapeHtml(c.name), taxonomy: "category" })),
        );
      },
    },
    {
      method: "POST",
      path: "/wp-json/wp/v2/categories",
      handle(req) {
        const auth = authenticate(req.headers);
        if (auth && "error" in auth) return auth.error;
        if (!auth) {
          return wpError(
            "rest_cannot_create",
            "Sorry, you are not allowed to create terms in this taxonomy.",
            401,
          );
        }
        const name = (req.body as { name?: unknown } | undefined)?.name;
        if (typeof name !== "string" || !name.trim()) {
          return wpError("rest_missing_callback_param", "Missing parameter(s): name", 400);
        }
        const existing = [...state.categories.values()].find((c) =>
          c.name.toLowerCase() === name.toLowerCase()
        );
        if (existing) {
          return wpError(
            "term_exists",
            "A term with the name provided already exists in this taxonomy.",
            400,
            {
              term_id: existing.id,
            },
          );
        }
        const category = { id: state.nextId++, name, slug: slugify(name) };
        state.categories.set(category.id, category);
        return json({ ...category, taxonomy: "category" }, 201);
      },
    },
    {
      method: "GET",
      path: "/wp-json/stats/v1/posts/:id",
      handle(req, ctx) {
        const post = state.posts.get(Number(req.params.id));
        if (!post) return wpError("rest_post_invalid_id", "Invalid post ID.", 404);
        const m = ctx.engagement.metrics("wordpress", String(post.id), post.date_gmt, ctx.now());
        return json({ post_id: post.id, views: m.impressions, ...m });
      },
    },
  ];

  return {
    name: "wordpress",
    state,
    routes,
    persist: {
      keys: ["posts", "categories", "media", "nextId"],
      restored() {
        for (const post of state.posts.values()) {
          if (post.status === "future") scheduled.add(post.date_gmt.getTime(), post);
        }
      },
    },
    routePath: (url) => {
      const route = url.search && url.searchParams.get("rest_route");
      if (route) return `/wp-json${route}`;
      // Plain permalinks: WordPress routes only the query string; any other path is the home page.
      if (options.permalinks === "plain" && url.pathname.startsWith("/wp-json")) return "/";
      return url.pathname;
    },
    faults: {
      rateLimited: (resetAt, ctx) =>
        new Response(
          JSON.stringify({
            code: "too_many_requests",
            message: "Too Many Requests",
            data: { status: 429 },
          }),
          {
            status: 429,
            headers: {
              "content-type": "application/json",
              "retry-after": String(Math.ceil((resetAt.getTime() - ctx.now().getTime()) / 1000)),
            },
          },
        ),
      revokedToken: () =>
        wpError(
          "incorrect_password",
          "The provided password is an invalid application password.",
          401,
        ),
      serverError: (status) =>
        wpError(
          "internal_server_error",
          "<p>There has been a critical error on this website.</p>",
          status,
        ),
    },
  };
}
