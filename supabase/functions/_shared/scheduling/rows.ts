/**
 * The rows scheduling reads, through the caller's transaction (so RLS decides what a user sees),
 * validated with zod at the boundary.
 */
import { z } from "zod";
import type { Tx } from "../db.ts";
import { AdaptPlatformSchema, type SourceContent } from "./adapt.ts";
import { CONTENT_TYPES } from "./request.ts";

const strings = z.array(z.string()).catch([]);

/** generated_content.metadata: keywords, topics, media_urls, canonical_url (+ free-form extras). */
export const ContentMetadataSchema = z.looseObject({
  keywords: strings.default([]),
  topics: strings.default([]),
  media_urls: strings.default([]),
  canonical_url: z.string().nullable().catch(null).default(null),
});

export const GeneratedContentRowSchema = z.object({
  id: z.string(),
  client_id: z.string(),
  title: z.string().nullable(),
  content: z.string(),
  content_type: z.enum(CONTENT_TYPES),
  metadata: ContentMetadataSchema,
  business_unit: z.string().nullable(),
  vertical_id: z.string().nullable(),
  priority: z.enum(["normal", "high"]),
  target_platform_ids: z.array(z.string()),
});
export type GeneratedContentRow = z.infer<typeof GeneratedContentRowSchema>;

export const SchedulingPlatformSchema = AdaptPlatformSchema.extend({
  timezone: z.string(),
  is_active: z.boolean(),
});
export type SchedulingPlatform = z.infer<typeof SchedulingPlatformSchema>;

export async function loadContent(tx: Tx, id: string): Promise<GeneratedContentRow | undefined> {
  const [row] = await tx`
    select id, client_id, title, content, content_type, metadata, business_unit, vertical_id,
           priority, target_platform_ids
      from public.generated_content where id = ${id}::uuid`;
  return row ? GeneratedContentRowSchema.parse(row) : undefined;
}

export function sourceOf(row: GeneratedContentRow): SourceContent {
  return {
    title: row.title,
    body: row.content,
    mediaUrls: row.metadata.media_urls,
    linkUrl: row.metadata.canonical_url,
    keywords: row.metadata.keywords,
    topics: row.metadata.topics,
  };
}

export async function loadPlatforms(
  tx: Tx,
  ids: string[],
): Promise<Map<string, SchedulingPlatform>> {
  const rows = await tx`
    select id, client_id, kind, name, timezone, is_active, publish_config, credentials_secret_id,
           max_content_length, max_title_length
      from public.platforms where id = any(${ids}::uuid[])`;
  return new Map(rows.map((r) => {
    const platform = SchedulingPlatformSchema.parse(r);
    return [platform.id, platform];
  }));
}

export async function clientTimezone(tx: Tx, clientId: string): Promise<string | undefined> {
  const [row] = await tx`select default_timezone from public.clients where id = ${clientId}::uuid`;
  return row ? z.string().parse(row.default_timezone) : undefined;
}
