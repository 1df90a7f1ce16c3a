/** Typed access to the official `twitter-text` package (it ships no TypeScript types). */
import twitterText from "twitter-text";

export interface ParsedTweet {
  weightedLength: number;
  valid: boolean;
  permillage: number;
  validRangeStart: number;
  validRangeEnd: number;
  displayRangeStart: number;
  displayRangeEnd: number;
}

interface TwitterText {
  parseTweet(text: string): ParsedTweet;
  extractUrlsWithIndices(text: string): { url: string; indices: [number, number] }[];
  extractEntitiesWithIndices(text: string): { indices: [number, number] }[];
}

const api = twitterText as unknown as TwitterText;

/** Weighted length per twitter-text v3 (NFC, URLs 23, CJK/emoji 2, ZWJ sequences once). */
export function parseTweet(text: string): ParsedTweet {
  return api.parseTweet(text);
}

/** Replace every URL (with or without scheme) by `replacement`. */
export function replaceUrls(text: string, replacement: string): string {
  let out = "";
  let last = 0;
  for (const { indices: [start, end] } of api.extractUrlsWithIndices(text)) {
    out += text.slice(last, start) + replacement;
    last = end;
  }
  return out + text.slice(last);
}

/** What a post links or tags as a whole: a URL (with or without scheme), @mention, #hashtag, $cashtag. */
export interface EntitySpan {
  /** UTF-16 offsets, end exclusive. */
  start: number;
  end: number;
  url: boolean;
}

/** Every URL, mention, hashtag and cashtag of `text`, as twitter-text (and X) finds them. */
export function entitySpans(text: string): EntitySpan[] {
  return api.extractEntitiesWithIndices(text).map((e) => ({
    start: e.indices[0],
    end: e.indices[1],
    url: "url" in e,
  }));
}
