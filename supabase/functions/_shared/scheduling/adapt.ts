/**
 * The seed's adaptContentForPlatform, done right: one piece of source content (Markdown) becomes
 * the DistributionContent one platform publishes, within that platform's limits measured its way,
 * then checked by the platform adapter's own validate() before anything is written.
 *
 * - wordpress: sanitized HTML; topics -> category ids (WordPress API, see categories.ts).
 * - email: sanitized HTML with a "Read more" link to link_url and `*|UNSUB|*` (a footer is added
 *   when missing); subject and preview.
 * - x, linkedin: plain text, cut at a sentence/word boundary so text + link + hashtags fit
 *   (X weighted length, LinkedIn length after escaping); hashtags only while the whole fits.
 * - instagram: plain text caption; hashtags separately (platformSpecific.hashtags) up to the
 *   hashtag limit and while the caption fits; no link (captions do not link).
 * - tiktok: plain text caption with hashtags, in UTF-16 units.
 * - youtube: title and description without < >, description in UTF-8 bytes with the link;
 *   keywords become video tags.
 * - podcast: plain text description in bytes; no hashtags.
 * Every link_url gets UTM parameters (utm_source = kind, utm_medium by kind, utm_campaign, and
 * utm_content = the distribution's id, so a conversion is attributed to the exact post), and so do
 * the body's links to the same site (host) as link_url where readers can click them
 * (TAGGED_BODY_LINKS); links elsewhere are left as they are.
 */
import { z } from "zod";
import { instagramCaption } from "../adapters/instagram.ts";
import { escapeCommentary } from "../adapters/linkedin.ts";
import { limitsFor } from "../adapters/settings.ts";
import {
  type DistributionContent,
  type PlatformKind,
  PlatformRowSchema,
  type ValidationError,
  type ValidationResult,
} from "../adapters/types.ts";
import { fittingHashtags, hashtagsFor } from "./hashtags.ts";
import {
  hasUnsubscribeTag,
  type LinkRewriter,
  markdownToHtml,
  markdownToText,
  titleAsHtml,
  titleAsText,
} from "./markdown.ts";
import {
  both,
  capped,
  codePoints,
  contentUnits,
  utf16Units,
  utf8Bytes,
  within,
} from "./measure.ts";
import { truncateSmartly } from "./truncate.ts";
import { sameSiteLinks, utmFor, withUtm } from "./utm.ts";

/** The content as written (Markdown body), before any platform touched it. */
export const SourceContentSchema = z.object({
  title: z.string().nullable().default(null),
  body: z.string(),
  mediaUrls: z.array(z.string()).default([]),
  linkUrl: z.string().nullable().default(null),
  keywords: z.array(z.string()).default([]),
  topics: z.array(z.string()).default([]),
});
export type SourceContent = z.infer<typeof SourceContentSchema>;

/** A platforms row as adaptation needs it. */
export const AdaptPlatformSchema = PlatformRowSchema.extend({
  max_content_length: z.number().int().nullable().default(null),
  max_title_length: z.number().int().nullable().default(null),
});
export type AdaptPlatform = z.infer<typeof AdaptPlatformSchema>;

export type Validator = (content: DistributionContent) => ValidationResult;

/** Topic names -> WordPress category ids, or why not. */
export type CategoryResolver = (
  platform: AdaptPlatform,
  topics: string[],
) => Promise<{ ok: true; ids: number[]; warnings?: string[] } | { ok: false; message: string }>;

export interface AdaptOptions {
  /** utm_campaign: the cross-post group id, else the content id. */
  campaign: string;
  /**
   * utm_content: the id the distribution will have, so public.record_conversion attributes a
   * conversion to this very post (A/B variants, being distinct distributions, differ by it too).
   */
  distributionId?: string;
  /** The platform adapter's validate(); absent only for a kind without an adapter yet. */
  validate?: Validator;
  categories?: CategoryResolver;
}

export interface Adapted {
  content: DistributionContent;
  /** The adapter's validation errors: when any, nothing may be written for this item. */
  errors: ValidationError[];
  /** Things that did not stop the post (a category that could not be resolved...). */
  warnings: string[];
}

interface Context {
  source: SourceContent;
  platform: AdaptPlatform;
  link?: string;
  /** Links in the body to the link's own site get the link's UTM parameters too. */
  bodyLinks?: LinkRewriter;
  options: AdaptOptions;
  warnings: string[];
}

const PARAGRAPH = "\n\n";
const joinParts = (...parts: (string | undefined)[]) =>
  parts.filter((p) => p && p.trim() !== "").join(PARAGRAPH);

/**
 * A plain-text post: the text cut so that text + link (+ hashtags, while they fit) stays within
 * `fits`. Hashtags never push text out: they are added after the text is settled.
 */
function textPost(
  text: string,
  link: string | undefined,
  fits: (body: string) => boolean,
  tags: string[] = [],
): string {
  const core = truncateSmartly(text, (t) => fits(joinParts(t, link)));
  const body = joinParts(core, link);
  const kept = fittingHashtags(tags, (k) => fits(joinParts(body, k.join(" "))));
  return joinParts(body, kept.join(" "));
}

const titleOf = (ctx: Context) => ctx.source.title?.trim() || undefined;
const plain = (ctx: Context) =>
  markdownToText(ctx.source.body, { title: titleOf(ctx), links: ctx.bodyLinks });
const bodyLimit = (ctx: Context, limit: number) => capped(limit, ctx.platform.max_content_length);
const titleLimit = (ctx: Context, limit: number) => capped(limit, ctx.platform.max_title_length);
/** The row's content column in the kind's units, combined with the adapter's own measure. */
const bodyFits = (ctx: Context, fits: (text: string) => boolean) =>
  ctx.platform.max_content_length == null
    ? fits
    : both(fits, within(contentUnits(ctx.platform.kind), ctx.platform.max_content_length));
const cutTitle = (title: string | undefined, max: number, measure = codePoints) =>
  title === undefined ? undefined : truncateSmartly(title, within(measure, max)) || undefined;
const noAngles = (text: string) => text.replace(/[<>]/g, "");

/** A link as an HTML attribute value. */
const attribute = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The email's link to the full piece (with its UTM parameters), like social posts carry it. */
const readMore = (link: string) => `<p><a href="${attribute(link)}">Read more</a></p>`;

const UNSUBSCRIBE_FOOTER = '<hr><p style="font-size:12px;color:#666666">' +
  "You are receiving this email because you subscribed. " +
  '<a href="*|UNSUB|*">Unsubscribe</a></p>';

type KindAdapter = (ctx: Context) => Promise<DistributionContent> | DistributionContent;

const ADAPTERS: Record<AdaptPlatform["kind"], KindAdapter> = {
  async wordpress(ctx) {
    const title = titleOf(ctx);
    const platformSpecific: Record<string, unknown> = {};
    if (ctx.source.topics.length) {
      platformSpecific.topics = ctx.source.topics;
      const resolved = ctx.options.categories
        ? await ctx.options.categories(ctx.platform, ctx.source.topics)
        : { ok: false as const, message: "no category lookup configured" };
      if (resolved.ok) {
        platformSpecific.category_ids = resolved.ids;
        ctx.warnings.push(...(resolved.warnings ?? []).map((w) => `category not assigned: ${w}`));
      } else {
        ctx.warnings.push(`categories not assigned: ${resolved.message}`);
      }
    }
    const shown = title && titleAsHtml(title);
    return {
      title: shown ? cutTitle(shown, titleLimit(ctx, Number.MAX_SAFE_INTEGER)) : undefined,
      body: markdownToHtml(ctx.source.body, { title, links: ctx.bodyLinks }),
      platformSpecific,
    };
  },

  email(ctx) {
    const limits = limitsFor("email", ctx.platform);
    const text = plain(ctx);
    const content = markdownToHtml(ctx.source.body, {
      title: titleOf(ctx),
      mergeTags: true,
      links: ctx.bodyLinks,
    });
    const html = ctx.link ? `${content}\n${readMore(ctx.link)}` : content;
    const title = titleOf(ctx);
    const subject = (title && titleAsText(title)) || text.split("\n")[0];
    return {
      title: cutTitle(subject, titleLimit(ctx, limits.maxSubjectChars)),
      body: hasUnsubscribeTag(html) ? html : `${html}\n${UNSUBSCRIBE_FOOTER}`,
      platformSpecific: {
        preview_text: truncateSmartly(text, within(codePoints, limits.maxPreviewTextChars)),
      },
    };
  },

  x(ctx) {
    const max = bodyLimit(ctx, limitsFor("x", ctx.platform).maxWeightedLength);
    const fits = bodyFits(ctx, within(contentUnits("x"), max));
    const tags = hashtagsFor(ctx.source.keywords, ctx.source.body);
    return { title: titleOf(ctx), body: textPost(plain(ctx), ctx.link, fits, tags) };
  },

  linkedin(ctx) {
    const max = bodyLimit(ctx, limitsFor("linkedin", ctx.platform).maxCommentaryChars);
    const fits = bodyFits(ctx, (t) => escapeCommentary(t).length <= max);
    const tags = hashtagsFor(ctx.source.keywords, ctx.source.body);
    return { title: titleOf(ctx), body: textPost(plain(ctx), ctx.link, fits, tags) };
  },

  instagram(ctx) {
    const limits = limitsFor("instagram", ctx.platform);
    const max = bodyLimit(ctx, limits.maxCaptionChars);
    const caption = (body: string, hashtags: string[]) =>
      instagramCaption({ body, platformSpecific: { hashtags } });
    const fits = (body: string, hashtags: string[] = []) =>
      codePoints(caption(body, hashtags)) <= max;
    const body = truncateSmartly(plain(ctx), (t) => fits(t));
    const inBody = body.match(/#[\p{L}\p{N}_]+/gu)?.length ?? 0;
    const hashtags = fittingHashtags(
      hashtagsFor(ctx.source.keywords, body),
      (kept) => fits(body, kept),
      Math.max(0, limits.maxHashtags - inBody),
    );
    return { title: titleOf(ctx), body, platformSpecific: hashtags.length ? { hashtags } : {} };
  },

  tiktok(ctx) {
    const max = bodyLimit(ctx, limitsFor("tiktok", ctx.platform).maxTitleUtf16);
    const tags = hashtagsFor(ctx.source.keywords, ctx.source.body);
    return {
      title: titleOf(ctx),
      body: textPost(plain(ctx), undefined, within(utf16Units, max), tags),
    };
  },

  youtube(ctx) {
    const limits = limitsFor("youtube", ctx.platform);
    const title = titleOf(ctx) && noAngles(titleOf(ctx)!);
    const description = noAngles(plain(ctx));
    const fits = bodyFits(ctx, within(utf8Bytes, limits.maxDescriptionBytes));
    const draft: DistributionContent = {
      title: cutTitle(title, titleLimit(ctx, limits.maxTitleChars)),
      body: textPost(description, ctx.link && noAngles(ctx.link), fits),
    };
    const tags = fittingHashtags(
      ctx.source.keywords.map((k) => noAngles(k).trim()).filter(Boolean),
      (kept) => tagsFit(ctx, { ...draft, platformSpecific: { tags: kept } }),
    );
    return { ...draft, platformSpecific: tags.length ? { tags } : {} };
  },

  podcast(ctx) {
    const limits = limitsFor("podcast", ctx.platform);
    const fits = bodyFits(ctx, within(utf8Bytes, limits.maxDescriptionBytes));
    return {
      title: cutTitle(titleOf(ctx), titleLimit(ctx, limits.maxValueChars)),
      body: textPost(plain(ctx), ctx.link, fits),
    };
  },
};

/** Video tags fit when the adapter finds nothing wrong with them (it reserves its own tag). */
function tagsFit(ctx: Context, content: DistributionContent): boolean {
  const validate = ctx.options.validate;
  if (!validate) return false;
  return !validate(content).errors.some((e) => e.field.startsWith("platformSpecific.tags"));
}

/**
 * Kinds whose body links readers can follow, so a tagged link attributes a click: HTML bodies
 * (WordPress, email), and text where the platform links URLs (X, LinkedIn, YouTube descriptions,
 * podcast show notes). Instagram and TikTok captions link nothing: a tagged URL there would only
 * be longer text, so their body links stay as written.
 */
export const TAGGED_BODY_LINKS: ReadonlySet<PlatformKind> = new Set<PlatformKind>([
  "wordpress",
  "email",
  "x",
  "linkedin",
  "youtube",
  "podcast",
]);

/** Adapt `source` for `platform` and validate it with the platform's adapter. */
export async function adaptContent(
  source: SourceContent,
  platform: AdaptPlatform,
  options: AdaptOptions,
): Promise<Adapted> {
  const utm = utmFor(platform.kind, options.campaign, options.distributionId);
  const link = source.linkUrl ? withUtm(source.linkUrl, utm) : undefined;
  const bodyLinks = source.linkUrl && TAGGED_BODY_LINKS.has(platform.kind)
    ? sameSiteLinks(source.linkUrl, utm)
    : undefined;
  const ctx: Context = { source, platform, link, bodyLinks, options, warnings: [] };
  const adapted = await ADAPTERS[platform.kind](ctx);
  const content: DistributionContent = {
    ...adapted,
    mediaUrls: source.mediaUrls,
    linkUrl: link,
    platformSpecific: adapted.platformSpecific ?? {},
  };
  const errors = options.validate?.(content).errors ?? [];
  return { content, errors, warnings: ctx.warnings };
}
