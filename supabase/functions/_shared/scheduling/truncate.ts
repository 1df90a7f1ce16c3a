/**
 * Truncation at a sentence, else a word, boundary, measured the platform's way: the caller passes
 * `fits(candidate)` (X weighted length, LinkedIn escaped length, UTF-8 bytes...). Boundaries come
 * from Intl.Segmenter, so abbreviations, CJK and emoji sequences (ZWJ families, flags, skin tones,
 * keycaps: one grapheme each) are never cut in half. Nor is a URL, @mention, #hashtag or $cashtag
 * (`protectedSpans`): a cut inside one would leave a broken link or another tag, so it is kept
 * whole or left out. An ellipsis after a URL is set apart by a space, so no client reads it as
 * part of the link.
 */
import { type EntitySpan, entitySpans } from "../adapters/twitter-text.ts";

/** A run that reads as a URL though X may not link it (a scheme, `www.`, or host.name/path). */
const URL_LIKE = /(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s]+|[\w-]+(?:\.[\w-]+)+\/[^\s]*/giu;

/**
 * The spans no cut may enter, in text order and disjoint: every URL, mention, hashtag and cashtag
 * as X finds them (twitter-text), and every run that reads as a URL though X does not link it (an
 * unknown top-level domain like `.local`): a reader still sees a broken address.
 */
export function protectedSpans(text: string): EntitySpan[] {
  const spans = [
    ...entitySpans(text),
    ...[...text.matchAll(URL_LIKE)].map((m) => ({
      start: m.index,
      end: m.index + m[0].length,
      url: true,
    })),
  ].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: EntitySpan[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span.start < last.end) {
      if (span.end > last.end) merged[merged.length - 1] = { ...last, end: span.end };
      else if (span.url && span.end === last.end) last.url = true;
    } else {
      merged.push({ ...span });
    }
  }
  return merged;
}

export const ELLIPSIS = "…";

export interface TruncateOptions {
  /** Appended after a word cut (never after a whole sentence). */
  ellipsis?: string;
  /** A sentence cut is preferred while it keeps at least this share of what a word cut keeps. */
  sentenceMinShare?: number;
  locale?: string;
}

/** End offsets of every segment of `text` at a granularity, except those inside an entity. */
function boundaries(
  text: string,
  granularity: "sentence" | "word" | "grapheme",
  entities: EntitySpan[],
  locale?: string,
) {
  const ends: number[] = [];
  let next = 0; // entities are in text order, and so are the ends
  for (const s of new Intl.Segmenter(locale, { granularity }).segment(text)) {
    const end = s.index + s.segment.length;
    while (next < entities.length && entities[next].end <= end) next++;
    const inside = next < entities.length && entities[next].start < end;
    if (!inside) ends.push(end);
  }
  return ends;
}

/**
 * The longest `candidate(end)` over increasing `ends` that fits (`fits` taken as monotone in the
 * length), by binary search; candidates are built lazily, so long texts stay cheap.
 */
function longestFitting(
  ends: number[],
  candidate: (end: number) => string,
  fits: (s: string) => boolean,
): string | undefined {
  let lo = 0;
  let hi = ends.length - 1;
  let best: string | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = candidate(ends[mid]);
    if (c && fits(c)) {
      best = c;
      lo = mid + 1;
    } else if (!c) {
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/** Strips a trailing punctuation run that would sit badly before an ellipsis ("word, …"). */
function tidyWordCut(prefix: string): string {
  return prefix.replace(/[\s,;:\-–—(\[{"'“‘]+$/u, "");
}

/**
 * `text` unchanged when it fits, else its longest sentence prefix (when that keeps enough), else
 * its longest word prefix plus an ellipsis, else a grapheme cut plus an ellipsis, else "".
 */
export function truncateSmartly(
  text: string,
  fits: (candidate: string) => boolean,
  options: TruncateOptions = {},
): string {
  if (fits(text)) return text;
  const { ellipsis = ELLIPSIS, sentenceMinShare = 0.5, locale } = options;

  const entities = protectedSpans(text);
  const urlEnds = new Set(entities.filter((e) => e.url).map((e) => e.end));
  const prefix = (end: number) => text.slice(0, end).trimEnd();
  const inside = (at: number) => entities.some((e) => e.start < at && at < e.end);
  /** The word cut tidied of trailing punctuation, unless that would end it inside an entity. */
  const wordCut = (end: number) => {
    const cut = prefix(end);
    const tidy = tidyWordCut(cut);
    return inside(tidy.length) ? cut : tidy;
  };
  /** A cut with its ellipsis; a space between a URL and the ellipsis. */
  const elided = (cut: string) =>
    cut && (urlEnds.has(cut.length) ? `${cut} ${ellipsis}` : cut + ellipsis);
  const sentence = longestFitting(boundaries(text, "sentence", entities, locale), prefix, fits);
  const word = longestFitting(
    boundaries(text, "word", entities, locale),
    (end) => elided(wordCut(end)),
    fits,
  );

  if (sentence && (!word || sentence.length >= word.length * sentenceMinShare)) return sentence;
  if (word) return word;
  const grapheme = longestFitting(
    boundaries(text, "grapheme", entities, locale),
    (end) => elided(prefix(end)),
    fits,
  );
  return grapheme ?? "";
}
