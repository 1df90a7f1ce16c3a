// Helpers for metrics, webhook, attribution and A/B tests: published rows inserted directly.
import type postgres from "postgres";

export interface PublishedRow {
  client_id: string;
  platform_id: string;
  external_id: string;
  published_at?: Date;
  body?: string;
  title?: string;
  variant_group?: string;
  is_control?: boolean;
  variant?: string;
  metrics?: Partial<Record<"impressions" | "reach" | "engagements" | "clicks", number>>;
  cross_post_group_id?: string;
}

/** Inserts a published distribution (as an import would) and returns its id. */
export async function insertPublished(sql: postgres.Sql, r: PublishedRow): Promise<string> {
  const at = r.published_at ?? new Date(Date.now() - 3 * 3600_000);
  const [row] = await sql`
    insert into public.distributions (client_id, platform_id, content_type, title, body, status,
      scheduled_for, published_at, external_id, variant_group, is_control, platform_specific,
      impressions, reach, engagements, clicks, cross_post_group_id)
    values (${r.client_id}, ${r.platform_id}, 'manual', ${r.title ?? null},
      ${r.body ?? `post ${r.external_id}`}, 'published', ${at}, ${at}, ${r.external_id},
      ${r.variant_group ?? null}, ${r.is_control ?? false},
      ${sql.json(r.variant ? { variant: r.variant } : {})},
      ${r.metrics?.impressions ?? null}, ${r.metrics?.reach ?? null},
      ${r.metrics?.engagements ?? null}, ${r.metrics?.clicks ?? null}, ${
    r.cross_post_group_id ?? null
  })
    returning id`;
  return String(row.id);
}

export { invokeService } from "../_support/stack.ts";

/** Sets an emulator's clock (e.g. hours after a post, so it has engagement); undefined = real. */
export async function setEmulatorClock(origin: string, offsetSeconds?: number): Promise<void> {
  const res = await fetch(`${origin}/__emulator/clock`, {
    method: offsetSeconds === undefined ? "DELETE" : "POST",
    headers: { "content-type": "application/json" },
    body: offsetSeconds === undefined ? undefined : JSON.stringify({ offsetSeconds }),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`emulator clock: ${res.status}`);
}
