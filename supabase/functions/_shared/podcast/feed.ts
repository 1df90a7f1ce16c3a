/**
 * The podcast's RSS 2.0 feed as Apple Podcasts requires it, built with xmlbuilder2 (escaping and
 * namespaces by the library, never string concatenation). A pure function: channel + episodes in,
 * XML out. Deterministic: the same input gives the same bytes (no build timestamp), and each
 * item's guid is the distribution id, so it never changes across rebuilds.
 */
import { create } from "xmlbuilder2";
import { z } from "zod";
import type { EpisodeExtras } from "./episode.ts";

export const ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd";
const ATOM_NS = "http://www.w3.org/2005/Atom";
const CONTENT_NS = "http://purl.org/rss/1.0/modules/content/";

const bytes = (s: string) => new TextEncoder().encode(s).length;

/** Channel fields from `platforms.publish_config` of a podcast row. */
export function channelSchema(limits: { maxDescriptionBytes: number; maxValueChars: number }) {
  const value = z.string().trim().min(1).max(limits.maxValueChars);
  return z.object({
    title: value,
    description: z.string().trim().min(1).refine(
      (s) => bytes(s) <= limits.maxDescriptionBytes,
      `at most ${limits.maxDescriptionBytes} bytes`,
    ),
    /** 1400-3000 px square JPEG or PNG. */
    image_url: z.string().url(),
    /** ISO 639 (optionally with a region: en, en-us). */
    language: z.string().regex(/^[a-z]{2,3}(-[a-zA-Z]{2,8})?$/, "an ISO 639 language code"),
    /** Apple category, a subcategory after " > ": "Society & Culture > Documentary". */
    category: value,
    explicit: z.boolean().default(false),
    author: value.optional(),
    link: z.string().url().optional(),
    owner: z.object({ name: value, email: z.string().email() }).optional(),
    type: z.enum(["episodic", "serial"]).default("episodic"),
  });
}
export type Channel = z.infer<ReturnType<typeof channelSchema>>;

export interface Episode {
  /** The distribution id: the item's guid, stable forever. */
  guid: string;
  title: string;
  description?: string;
  link?: string;
  publishedAt: Date;
  enclosure: { url: string; length: number; type: string };
  extras?: Omit<EpisodeExtras, "enclosure_url" | "enclosure_length" | "enclosure_type">;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 2822 date in UTC: `Tue, 03 Mar 2026 09:00:00 +0000`. */
export function rfc2822(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[at.getUTCDay()]}, ${pad(at.getUTCDate())} ${MONTHS[at.getUTCMonth()]} ` +
    `${at.getUTCFullYear()} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:` +
    `${pad(at.getUTCSeconds())} +0000`;
}

/** Newest first; ties broken by guid so rebuilds are byte-identical. */
function ordered(episodes: Episode[]): Episode[] {
  return [...episodes].sort((a, b) =>
    b.publishedAt.getTime() - a.publishedAt.getTime() || a.guid.localeCompare(b.guid)
  );
}

/** The feed page size: `publish_config.feed_page_size` of the podcast row, 1-1000 (default 300). */
export const FeedPageSizeSchema = z.number().int().min(1).max(1000);
export const DEFAULT_FEED_PAGE_SIZE = 300;

/** Links of one page of a paged feed (RFC 5005): the page itself and its neighbours. */
export interface FeedLinks {
  self: string;
  first?: string;
  last?: string;
  next?: string;
  previous?: string;
}

/**
 * The links of page `page` (1-based) of `pageCount` pages whose first page is `feedUrl` and whose
 * page N is `feedUrl?page=N`: podcast apps that read only the feed URL get the newest episodes.
 */
export function pageLinks(feedUrl: string, page: number, pageCount: number): FeedLinks {
  const at = (n: number) => (n === 1 ? feedUrl : `${feedUrl}?page=${n}`);
  if (pageCount <= 1) return { self: feedUrl };
  return {
    self: at(page),
    first: at(1),
    last: at(pageCount),
    ...(page > 1 ? { previous: at(page - 1) } : {}),
    ...(page < pageCount ? { next: at(page + 1) } : {}),
  };
}

export function buildFeed(
  channel: Channel,
  episodes: Episode[],
  selfUrl?: string | FeedLinks,
): string {
  const links: FeedLinks | undefined = typeof selfUrl === "string" ? { self: selfUrl } : selfUrl;
  const rss = create({ version: "1.0", encoding: "UTF-8" }).ele("rss", {
    version: "2.0",
    "xmlns:itunes": ITUNES_NS,
    "xmlns:atom": ATOM_NS,
    "xmlns:content": CONTENT_NS,
  });
  const ch = rss.ele("channel");
  if (links) {
    for (const rel of ["self", "first", "previous", "next", "last"] as const) {
      const href = links[rel];
      if (href) ch.ele(ATOM_NS, "atom:link", { href, rel, type: "application/rss+xml" });
    }
  }
  ch.ele("title").txt(channel.title);
  if (channel.link) ch.ele("link").txt(channel.link);
  ch.ele("description").txt(channel.description);
  ch.ele("language").txt(channel.language);
  ch.ele(ITUNES_NS, "itunes:image", { href: channel.image_url });
  const [category, subcategory] = channel.category.split(/\s*>\s*/);
  const cat = ch.ele(ITUNES_NS, "itunes:category", { text: category });
  if (subcategory) cat.ele(ITUNES_NS, "itunes:category", { text: subcategory });
  ch.ele(ITUNES_NS, "itunes:explicit").txt(String(channel.explicit));
  if (channel.author) ch.ele(ITUNES_NS, "itunes:author").txt(channel.author);
  if (channel.owner) {
    const owner = ch.ele(ITUNES_NS, "itunes:owner");
    owner.ele(ITUNES_NS, "itunes:name").txt(channel.owner.name);
    owner.ele(ITUNES_NS, "itunes:email").txt(channel.owner.email);
  }
  ch.ele(ITUNES_NS, "itunes:type").txt(channel.type);
  const items = ordered(episodes);
  if (items[0]) ch.ele("lastBuildDate").txt(rfc2822(items[0].publishedAt));

  for (const episode of items) {
    const item = ch.ele("item");
    item.ele("title").txt(episode.title);
    item.ele(ITUNES_NS, "itunes:title").txt(episode.title);
    if (episode.description) {
      item.ele("description").txt(episode.description);
    }
    if (episode.link) item.ele("link").txt(episode.link);
    item.ele("enclosure", {
      url: episode.enclosure.url,
      length: String(episode.enclosure.length),
      type: episode.enclosure.type,
    });
    item.ele("guid", { isPermaLink: "false" }).txt(episode.guid);
    item.ele("pubDate").txt(rfc2822(episode.publishedAt));
    const extras = episode.extras ?? {};
    if (extras.duration !== undefined) {
      item.ele(ITUNES_NS, "itunes:duration").txt(String(extras.duration));
    }
    if (extras.episode !== undefined) {
      item.ele(ITUNES_NS, "itunes:episode").txt(String(extras.episode));
    }
    if (extras.season !== undefined) {
      item.ele(ITUNES_NS, "itunes:season").txt(String(extras.season));
    }
    if (extras.episode_type) item.ele(ITUNES_NS, "itunes:episodeType").txt(extras.episode_type);
    if (extras.explicit !== undefined) {
      item.ele(ITUNES_NS, "itunes:explicit").txt(String(extras.explicit));
    }
    if (extras.image_url) item.ele(ITUNES_NS, "itunes:image", { href: extras.image_url });
  }
  return rss.end({ prettyPrint: true });
}
