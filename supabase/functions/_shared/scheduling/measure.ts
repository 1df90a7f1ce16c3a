/**
 * Lengths the way each platform counts them, and the effective limit: the adapter settings
 * (settings.ts, overridable per row in publish_config.limits) capped by the row's own
 * max_content_length / max_title_length when set.
 */
import { parseTweet } from "../adapters/twitter-text.ts";
import type { PlatformKind } from "../adapters/types.ts";

export const codePoints = (text: string): number => [...text].length;
export const utf16Units = (text: string): number => text.length;
export const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;
export const xWeighted = (text: string): number => parseTweet(text).weightedLength;

/** How `platforms.max_content_length` is counted ("the platform's own units"). */
export function contentUnits(kind: PlatformKind): (text: string) => number {
  return kind === "x" ? xWeighted : kind === "tiktok" ? utf16Units : codePoints;
}

/** The stricter of the adapter's limit and the row's column (null = no column limit). */
export function capped(limit: number, column: number | null | undefined): number {
  return column == null ? limit : Math.min(limit, column);
}

/** `fits` for `measure(text) <= max`. */
export function within(measure: (text: string) => number, max: number): (text: string) => boolean {
  return (text) => measure(text) <= max;
}

/** Both predicates hold. */
export function both(
  a: (text: string) => boolean,
  b: (text: string) => boolean,
): (text: string) => boolean {
  return (text) => a(text) && b(text);
}
