/**
 * Hashtags from content keywords, added only while the post still fits its platform's limit.
 * "personal finance" -> "#PersonalFinance" (CamelCase reads better and screen readers split it).
 */

/** One keyword as a hashtag, or undefined when nothing usable is left. */
export function toHashtag(keyword: string): string | undefined {
  const words = keyword.replace(/^#+/, "").split(/[^\p{L}\p{N}_]+/u).filter(Boolean);
  if (words.length === 0) return undefined;
  const tag = words.length === 1
    ? words[0]
    : words.map((w) => w[0].toLocaleUpperCase() + w.slice(1)).join("");
  // A tag of digits only is not a hashtag on any platform.
  return /^\d+$/.test(tag) ? undefined : `#${tag}`;
}

/** Distinct hashtags for `keywords` (case-insensitive), skipping those already in `text`. */
export function hashtagsFor(keywords: readonly string[], text = ""): string[] {
  const present = new Set(
    (text.match(/#[\p{L}\p{N}_]+/gu) ?? []).map((t) => t.toLocaleLowerCase()),
  );
  const out: string[] = [];
  for (const keyword of keywords) {
    const tag = toHashtag(keyword);
    if (!tag || present.has(tag.toLocaleLowerCase())) continue;
    present.add(tag.toLocaleLowerCase());
    out.push(tag);
  }
  return out;
}

/**
 * Greedily keeps the tags (in keyword order) for which `fits(kept)` still holds, at most `max`.
 * A tag that does not fit is skipped; a shorter one after it may still fit.
 */
export function fittingHashtags(
  tags: readonly string[],
  fits: (kept: string[]) => boolean,
  max = Infinity,
): string[] {
  const kept: string[] = [];
  for (const tag of tags) {
    if (kept.length >= max) break;
    if (fits([...kept, tag])) kept.push(tag);
  }
  return kept;
}
