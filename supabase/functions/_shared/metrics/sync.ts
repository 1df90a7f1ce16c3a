// A metrics run: claim due posts (SQL decides by age and read budgets), read each through its
// platform's adapter (at most `concurrency` at once per platform), record the batch in one statement,
// and loop until nothing is due, the wall-clock budget is spent, or the CPU budget has room for no
// more reads (../cpu-budget.ts; the caller hands what is left to a successor).
import {
  type CpuClockKind,
  CpuMeter,
  DEFAULT_CPU_BUDGET_MS,
  type StopReason,
} from "../cpu-budget.ts";
import type { Sql } from "../db.ts";
import { KeyedLimiter } from "../platforms/limiter.ts";
import type { PlatformDirectory } from "../platforms/directory.ts";
import { claimMetricsDue, recordMetrics } from "./queue.ts";
import { readMetrics } from "./read.ts";
import { type AudienceReport, syncAudienceActivity } from "./audience.ts";

export interface SyncOptions {
  budgetMs: number;
  batchSize: number;
  perPlatform: number;
  leaseSeconds: number;
  /** Reads in flight per platform (publish_config.max_concurrency wins when set lower). */
  concurrency: number;
  now: () => Date;
  /** CPU the run may spend (ms; none: not counted); past what fits, it claims no more. */
  cpuBudgetMs?: number;
  /** CPU a read is taken to cost where the runtime has no CPU clock (hosted), and until one is done. */
  cpuMsPerRead?: number;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  budgetMs: 55_000,
  batchSize: 200,
  perPlatform: 50,
  leaseSeconds: 300,
  concurrency: 4,
  now: () => new Date(),
  cpuBudgetMs: DEFAULT_CPU_BUDGET_MS,
  cpuMsPerRead: 0.5,
};

export interface SyncReport {
  claimed: number;
  recorded: number;
  failed: number;
  /** Posts the platform answered do not exist (marked removed_on_platform, no longer synced). */
  removed: number;
  ignored: number;
  feedback: number;
  /** Audience activity profiles read (at most daily per Instagram platform) and failed reads. */
  audience: AudienceReport;
  batches: number;
  /** Why it stopped claiming: its CPU budget, its wall-clock budget, or nothing due. */
  stopped: StopReason;
  /** The CPU it spent, by which clock (none when no CPU budget was given). */
  cpu: { clock: CpuClockKind; used_ms: number; budget_ms: number } | null;
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
    removed: 0,
    ignored: 0,
    feedback: 0,
    audience: { read: 0, failed: 0 },
    batches: 0,
    stopped: "wall",
    cpu: null,
    durationMs: 0,
  };
  const meter = options.cpuBudgetMs === undefined ? null : new CpuMeter({
    budgetMs: options.cpuBudgetMs,
    msPerUnit: options.cpuMsPerRead ?? 0.5,
  });
  while (Date.now() < deadline) {
    // only the reads the CPU budget has room for; a run's first claim always goes (progress)
    const limit = meter && report.batches > 0
      ? Math.min(options.batchSize, meter.room())
      : options.batchSize;
    if (limit <= 0) {
      report.stopped = "cpu_budget";
      break;
    }
    const batch = await claimMetricsDue(sql, {
      limit,
      perPlatform: options.perPlatform,
      leaseSeconds: options.leaseSeconds,
    });
    if (batch.length === 0) {
      report.stopped = "drained";
      break;
    }
    report.claimed += batch.length;
    meter?.hold(batch.length);
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
    const reply = await recordMetrics(sql, elements).finally(() => meter?.finish(batch.length));
    report.batches++;
    report.recorded += reply.recorded;
    report.failed += reply.failed;
    report.removed += reply.removed;
    report.ignored += reply.ignored.length;
    report.feedback += reply.feedback;
  }
  // After the posts: at most one read per Instagram platform a day; its failure is its own.
  report.audience = await syncAudienceActivity(sql, platforms).catch(() => report.audience);
  report.cpu = meter?.report() ?? null;
  report.durationMs = Date.now() - started;
  return report;
}
