/**
 * A podcast episode's fields in `distributions.platform_specific`. Apart from the feed (feed.ts) so
 * that the podcast adapter, which validates them on every publish, does not load xmlbuilder2 (about
 * 50 ms of CPU at each cold start of a function that builds adapters).
 */
import { z } from "zod";

/** Episode fields kept in `distributions.platform_specific`. */
export const EpisodeExtrasSchema = z.object({
  enclosure_url: z.string().url().optional(),
  /** File size in bytes. */
  enclosure_length: z.number().int().positive(),
  enclosure_type: z.string(),
  /** Seconds, or HH:MM:SS. */
  duration: z.union([z.number().int().nonnegative(), z.string().regex(/^(\d+:)?\d{1,2}:\d{2}$/)])
    .optional(),
  episode: z.number().int().positive().optional(),
  season: z.number().int().positive().optional(),
  episode_type: z.enum(["full", "trailer", "bonus"]).optional(),
  explicit: z.boolean().optional(),
  image_url: z.string().url().optional(),
});
export type EpisodeExtras = z.infer<typeof EpisodeExtrasSchema>;
