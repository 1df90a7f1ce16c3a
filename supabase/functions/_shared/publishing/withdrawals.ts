// Withdrawing handed-off posts from their platform once their distribution was cancelled, moved or
// deleted: a batch of them claimed, each deleted through its platform's send slots, the results
// recorded in one statement.
import type { Sql } from "../db.ts";
import type { PlatformDirectory } from "../platforms/directory.ts";
import { sendSlots } from "../platforms/limiter.ts";
import { claimCancellations, recordCancellations } from "./queue.ts";

/** Withdraws up to `limit` posts; returns how many were withdrawn. */
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
        () => adapter.delete(item.external_id),
      );
      return result.ok
        ? { id: item.id, ok: true }
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
