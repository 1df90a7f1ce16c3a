// Changing posts a platform holds: withdrawing handed-off posts once their distribution was cancelled,
// moved or deleted, taking live posts down (unpublish), and editing live posts. A batch claimed, each
// deleted (or updated) through its platform's send slots, the results recorded in one statement. Both
// calls are idempotent on the platform: a delete whose answer was lost meets "already gone" next time,
// and an edit sent again sets the same content.
import type { Sql } from "../db.ts";
import type { PlatformDirectory } from "../platforms/directory.ts";
import { sendSlots } from "../platforms/limiter.ts";
import { type Cancellation, claimCancellations, recordCancellations } from "./queue.ts";
import type { PlatformAdapter } from "../adapters/adapter.ts";

async function apply(
  adapter: PlatformAdapter,
  item: Cancellation,
): Promise<{ ok: true; externalUrl?: string } | { ok: false; message: string }> {
  if (item.reason !== "edited") {
    const result = await adapter.delete(item.external_id);
    return result.ok ? { ok: true } : { ok: false, message: result.message };
  }
  if (!item.content) return { ok: false, message: "the edit has no content" };
  const c = item.content;
  const result = await adapter.update(item.external_id, {
    title: c.title ?? undefined,
    body: c.body,
    mediaUrls: c.media_urls ?? undefined,
    linkUrl: c.link_url ?? undefined,
    platformSpecific: c.platform_specific,
  });
  return result.ok
    ? { ok: true, externalUrl: result.externalUrl }
    : { ok: false, message: result.message };
}

/** Withdraws (or edits) up to `limit` posts; returns how many the platform confirmed. */
export async function withdrawCancelled(
  sql: Sql,
  platforms: PlatformDirectory,
  limit: number,
): Promise<number> {
  const items = await claimCancellations(sql, limit);
  const results = await Promise.all(items.map(async (item) => {
    const entry = await platforms.get(item.platform_id);
    if ("error" in entry.adapter) return { id: item.id, ok: false, message: entry.adapter.error };
    const adapter = entry.adapter;
    try {
      const result = await sendSlots.run(
        item.platform_id,
        entry.concurrency,
        () => apply(adapter, item),
      );
      return result.ok
        ? { id: item.id, ok: true, external_url: result.externalUrl }
        : { id: item.id, ok: false, message: result.message };
    } catch (error) {
      return {
        id: item.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }));
  await recordCancellations(sql, results);
  return results.filter((r) => r.ok).length;
}
