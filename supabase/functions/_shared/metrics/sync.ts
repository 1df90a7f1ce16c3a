// A metrics run: claim due posts (SQL decides by age and read budgets), read each through its
// platform's adapter (at most `concurrency` at once per platform), record the batch in one statement,
// and loop until nothing is due or the budget is spent.
import type { Sql } from "../db.ts";
import { KeyedLimiter } from "../platforms/limiter.ts";
import type { PlatformDirectory } from "../platforms/directory.ts";
import { claimMetricsDue, recordMetrics } from "./queue.ts";
import { readMetrics } from "./read.ts";

export interface SyncOptions {
  budgetMs: number;
  batchSize: number;
  perPlatform: number;
  leaseSeconds: number;
  /** Reads in flight per platform (publish_config.max_concurrency wins when set lower). */
  concurrency: number;
  now: () => Date;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  budgetMs: 55_000,
  batchSize: 200,
  perPlatform: 50,
  leaseSeconds: 300,
  concurrency: 4,
  now: () => new Date(),
};

export interface SyncReport {
  claimed: number;
  recorded: number;
  failed: number;
  ignored: number;
  feedback: number;
  batches: number;
  durationMs: number;
}

export async function runMetricsSync(
  sql: Sql,
  platforms: PlatformDirectory,
  options: SyncOptions,
): Promise<SyncReport> {
  const started = Date.now();
  const deadline = started + options.budgetMs;
  const limiter = new KeyedLimiter();
  const report: SyncReport = {
    claimed: 0,
    recorded: 0,
    failed: 0,
    ignored: 0,
    feedback: 0,
    batches: 0,
    durationMs: 0,
  };
  while (Date.now() < deadline) {
    const batch = await claimMetricsDue(sql, {
      limit: options.batchSize,
      perPlatform: options.perPlatform,
      leaseSeconds: options.leaseSeconds,
    });
    if (batch.length === 0) break;
    report.claimed += batch.length;
    // Each row settles to a result of its own: one platform that cannot be loaded, or a read that throws,
    // never drops the batch's other results.
    const elements = await Promise.all(batch.map(async (row) => {
      try {
        const entry = await platforms.get(row.platform_id);
        const capacity = Math.min(options.concurrency, entry.concurrency);
        return await limiter.run(
          row.platform_id,
          capacity,
          () => readMetrics(entry, row, options.now),
        );
      } catch (error) {
        return {
          distribution_id: row.distribution_id,
          ok: false as const,
          error: error instanceof Error ? error.message : String(error),
          error_class: "transient" as const,
        };
      }
    }));
    const reply = await recordMetrics(sql, elements);
    report.batches++;
    report.recorded += reply.recorded;
    report.failed += reply.failed;
    report.ignored += reply.ignored.length;
    report.feedback += reply.feedback;
  }
  report.durationMs = Date.now() - started;
  return report;
}
