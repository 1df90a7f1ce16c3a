/**
 * Truncation at a sentence, else a word, boundary, measured the platform's way: the caller passes
 * `fits(candidate)` (X weighted length, LinkedIn escaped length, UTF-8 bytes...). Boundaries come
 * from Intl.Segmenter, so abbreviations, CJK and emoji are never cut in half.
 */

export const ELLIPSIS = "…";

export interface TruncateOptions {
  /** Appended after a word cut (never after a whole sentence). */
  ellipsis?: string;
  /** A sentence cut is preferred while it keeps at least this share of what a word cut keeps. */
  sentenceMinShare?: number;
  locale?: string;
}

/** End offsets of every segment of `text` at a granularity. */
function boundaries(text: string, granularity: "sentence" | "word" | "grapheme", locale?: string) {
  const ends: number[] = [];
  for (const s of new Intl.Segmenter(locale, { granularity }).segment(text)) {
    ends.push(s.index + s.segment.length);
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

  const prefix = (end: number) => text.slice(0, end).trimEnd();
  const sentence = longestFitting(boundaries(text, "sentence", locale), prefix, fits);
  const word = longestFitting(boundaries(text, "word", locale), (end) => {
    const cut = tidyWordCut(prefix(end));
    return cut && cut + ellipsis;
  }, fits);

  if (sentence && (!word || sentence.length >= word.length * sentenceMinShare)) return sentence;
  if (word) return word;
  const grapheme = longestFitting(boundaries(text, "grapheme", locale), (end) => {
    const cut = prefix(end);
    return cut && cut + ellipsis;
  }, fits);
  return grapheme ?? "";
}
