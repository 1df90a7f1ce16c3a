/**
 * UTM parameters on a distribution's link so clicks and conversions can be attributed to the post,
 * its platform and its campaign.
 * The URL is edited as text: its existing query string (order, encoding) and fragment are kept
 * byte for byte, and UTM parameters it already carries win over ours.
 */
import type { PlatformKind } from "../adapters/types.ts";

export type UtmMedium = "social" | "email" | "blog" | "video" | "podcast";

export const UTM_MEDIUM: Record<PlatformKind, UtmMedium> = {
  wordpress: "blog",
  x: "social",
  linkedin: "social",
  instagram: "social",
  tiktok: "social",
  youtube: "video",
  email: "email",
  podcast: "podcast",
};

export interface Utm {
  source: string;
  medium: string;
  campaign: string;
  /**
   * The distribution's id: public.record_conversion matches utm_content to the exact post first
   * (A/B variants are distinct distributions, so this tells them apart too).
   */
  content?: string;
}

/** The UTM set for a platform kind: source = kind, medium by kind, content = distribution id. */
export function utmFor(kind: PlatformKind, campaign: string, content?: string): Utm {
  return { source: kind, medium: UTM_MEDIUM[kind], campaign, content };
}

/** `url` with the UTM parameters it lacks appended; a URL that is not http(s) is returned as is. */
export function withUtm(url: string, utm: Utm): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return url;
  const hash = url.indexOf("#");
  const [base, fragment] = hash === -1 ? [url, ""] : [url.slice(0, hash), url.slice(hash)];
  const pairs = Object.entries({
    utm_source: utm.source,
    utm_medium: utm.medium,
    utm_campaign: utm.campaign,
    utm_content: utm.content,
  }).filter(([name, value]) => value && !parsed.searchParams.has(name)) as [string, string][];
  if (pairs.length === 0) return url;
  const added = new URLSearchParams(pairs).toString();
  const separator = !base.includes("?") ? "?" : /[?&]$/.test(base) ? "" : "&";
  return `${base}${separator}${added}${fragment}`;
}

/**
 * Tags links to `linkUrl`'s host (the post's own site) with `utm`; other links, and anything that
 * is not an http(s) URL, stay as they are.
 */
export function sameSiteLinks(linkUrl: string, utm: Utm): (href: string) => string {
  let host: string;
  try {
    host = new URL(linkUrl).host;
  } catch {
    return (href) => href;
  }
  return (href) => {
    try {
      return new URL(href).host === host ? withUtm(href, utm) : href;
    } catch {
      return href;
    }
  };
}
