// The RSS feed of a podcast platform row, at a stable public URL:
//   GET /functions/v1/podcast-feed/<platform_id>
// Channel fields come from the row's publish_config; items are its published distributions, each
// with the distribution id as guid. Public (verify_jwt = false): it serves only what is published,
// and only for an active platform (an inactive one is a 404, like an unknown one).
// Long shows are paged (RFC 5005): the feed URL is page 1 with the newest `feed_page_size`
// episodes (publish_config, default 300), `?page=N` the older ones, each page with atom:link
// rel="self", "first", "last", "previous" and "next". A page past the last is a 404.
import { z } from "zod";
import { db } from "../_shared/db.ts";
import { handle } from "../_shared/endpoint.ts";
import { HttpError } from "../_shared/http-error.ts";
import { limitsFor } from "../_shared/adapters/settings.ts";
import {
  buildFeed,
  channelSchema,
  DEFAULT_FEED_PAGE_SIZE,
  type Episode,
  FeedPageSizeSchema,
  pageLinks,
} from "../_shared/podcast/feed.ts";
import { EpisodeExtrasSchema } from "../_shared/podcast/episode.ts";

const PlatformIdSchema = z.uuid();

interface EpisodeRow {
  id: string;
  title: string | null;
  body: string;
  media_urls: string[] | null;
  link_url: string | null;
  platform_specific: Record<string, unknown>;
  published_at: Date;
}

function platformIdOf(url: URL): string | undefined {
  const parts = url.pathname.split("/").filter(Boolean);
  const at = parts.lastIndexOf("podcast-feed");
  return at >= 0 && parts.length === at + 2 ? parts[at + 1] : undefined;
}

function episodeOf(row: EpisodeRow): Episode | undefined {
  const extras = EpisodeExtrasSchema.safeParse(row.platform_specific ?? {});
  const url = extras.data?.enclosure_url ?? row.media_urls?.[0];
  if (!extras.success || !url || !row.title) {
    console.warn(`podcast-feed: distribution ${row.id} has no valid enclosure or title, left out`);
    return undefined;
  }
  const { enclosure_url: _u, enclosure_length: length, enclosure_type: type, ...rest } =
    extras.data;
  return {
    guid: row.id,
    title: row.title,
    description: row.body,
    link: row.link_url ?? undefined,
    publishedAt: new Date(row.published_at),
    enclosure: { url, length, type },
    extras: rest,
  };
}

/** `?page=N` (1-based; absent is 1), else a 400 naming `page`. */
function pageOf(url: URL): number {
  const raw = url.searchParams.get("page");
  if (raw === null) return 1;
  if (!/^[1-9]\d{0,6}$/.test(raw)) {
    throw new HttpError(400, "Invalid page", [
      { field: "page", message: "a positive whole number, 1 for the newest episodes" },
    ]);
  }
  return Number(raw);
}

/** The row's feed_page_size, or the default when it is missing or not a valid size. */
function pageSizeOf(publishConfig: unknown): number {
  const raw = (publishConfig as { feed_page_size?: unknown } | null)?.feed_page_size;
  if (raw === undefined) return DEFAULT_FEED_PAGE_SIZE;
  const size = FeedPageSizeSchema.safeParse(raw);
  if (!size.success) {
    console.warn("podcast-feed: publish_config.feed_page_size is invalid, default used");
  }
  return size.success ? size.data : DEFAULT_FEED_PAGE_SIZE;
}

/**
 * The feed's public URL, as the podcast adapter gives it to hosting and directories: the project's
 * URL (SUPABASE_URL; hosted, its https address, whatever scheme reaches the function inside) below
 * `/functions/v1`. Inside a function the path starts at its name (`/podcast-feed/<id>`), as on
 * Supabase. Without SUPABASE_URL, the origin the request came to.
 */
function publicFeedUrl(url: URL): string {
  const base = (Deno.env.get("SUPABASE_URL") || url.origin).replace(/\/+$/, "");
  const path = url.pathname.startsWith("/functions/v1/")
    ? url.pathname.slice("/functions/v1".length)
    : url.pathname;
  return `${base}/functions/v1${path}`;
}

Deno.serve(handle(async (req) => {
  if (req.method !== "GET" && req.method !== "HEAD") {
    throw new HttpError(405, "Only GET is supported");
  }
  const url = new URL(req.url);
  const id = PlatformIdSchema.safeParse(platformIdOf(url));
  if (!id.success) throw new HttpError(404, "No such podcast");
  const page = pageOf(url);
  const sql = db();
  const [platform] = await sql<{ id: string; publish_config: unknown }[]>`
    select id, publish_config from public.platforms
     where id = ${id.data} and kind = 'podcast' and is_active
  `;
  if (!platform) throw new HttpError(404, "No such podcast");
  const limits = limitsFor("podcast");
  const channel = channelSchema(limits).safeParse(platform.publish_config);
  if (!channel.success) {
    const fields = channel.error.issues.map((i) => `publish_config.${i.path.join(".")}`);
    throw new HttpError(500, "The podcast's channel settings are incomplete", fields);
  }
  const pageSize = pageSizeOf(platform.publish_config);
  const [{ total }] = await sql<{ total: number }[]>`
    select count(*)::int as total from public.distributions
     where platform_id = ${id.data} and status = 'published' and published_at is not null
       and unpublish_state is distinct from 'unpublished'
  `;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  if (page > pageCount) throw new HttpError(404, `No page ${page}: the feed has ${pageCount}`);
  const rows = await sql<EpisodeRow[]>`
    select id, title, body, media_urls, link_url, platform_specific, published_at
      from public.distributions
     where platform_id = ${id.data} and status = 'published' and published_at is not null
       and unpublish_state is distinct from 'unpublished'
     order by published_at desc, id
     limit ${pageSize} offset ${(page - 1) * pageSize}
  `;
  const episodes = rows.map(episodeOf).filter((e): e is Episode => e !== undefined);
  const feedUrl = publicFeedUrl(url);
  const xml = buildFeed(channel.data, episodes, pageLinks(feedUrl, page, pageCount));
  return new Response(req.method === "HEAD" ? null : xml, {
    status: 200,
    headers: {
      "content-type": "application/rss+xml; charset=utf-8",
      "cache-control": "public, max-age=300",
    },
  });
}));
