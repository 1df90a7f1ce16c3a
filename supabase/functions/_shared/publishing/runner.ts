// A publish run: several lanes, each claiming a batch of due rows, publishing them concurrently (at most
// `concurrency` per platform), and recording the batch's outcomes in one statement. The run lasts until its
// wall-clock budget is spent, sleeping until the next row falls due, so a row is sent at its second
// whatever the cron tick.
import type { Sql } from "../db.ts";
import { runAttempt } from "./attempt.ts";
import { KeyedLimiter } from "./limiter.ts";
import type { PlatformDirectory } from "./platforms.ts";
import {
  claimCancellations,
  claimDue,
  type ClaimedRow,
  claimHandoffs,
  nextDue,
  type Outcome,
  recordCancellations,
  recordOutcomes,
  refreshErrorCounts,
} from "./queue.ts";

export interface RunOptions {
  /** Wall-clock budget of the run. */
  budgetMs: number;
  /** Rows claimed per lane per batch. */
  batchSize: number;
  /** Parallel claim/publish/record loops. */
  lanes: number;
  /** Seconds a claim holds a row; longer than any single attempt can take. */
  leaseSeconds: number;
  /** Longest sleep between looks at the queue when nothing is due. */
  idlePollMs: number;
  /** Stop as soon as nothing is due now, instead of waiting for rows due later in the budget. */
  exitWhenIdle: boolean;
}

export const DEFAULT_RUN_OPTIONS: RunOptions = {
  budgetMs: 55_000,
  batchSize: 100,
  lanes: 2,
  leaseSeconds: 120,
  idlePollMs: 250,
  exitWhenIdle: false,
};

export interface RunReport {
  claimed: number;
  recorded: number;
  /** Outcomes dropped because another worker had reclaimed the row (its lease expired). */
  lostLeases: number;
  outcomes: Record<string, number>;
  /** Handed-off posts withdrawn from their platform. */
  withdrawn: number;
  durationMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Recording must not be lost to a passing error (a deadlock victim, a dropped connection): the rows
 * stay claimed until it succeeds or their lease lapses, when the next run reconciles them. */
async function recordWithRetry(sql: Sql, outcomes: Outcome[], attempts = 5): Promise<Set<string>> {
  for (let attempt = 1;; attempt++) {
    try {
      return await recordOutcomes(sql, outcomes);
    } catch (error) {
      if (attempt >= attempts) throw error;
      console.error(`recording outcomes failed (attempt ${attempt}):`, error);
      await sleep(100 * 2 ** attempt);
    }
  }
}

export async function runPublisher(
  sql: Sql,
  platforms: PlatformDirectory,
  options: RunOptions,
): Promise<RunReport> {
  const started = Date.now();
  const deadline = started + options.budgetMs;
  const limiter = new KeyedLimiter();
  const report: RunReport = {
    claimed: 0,
    recorded: 0,
    lostLeases: 0,
    outcomes: {},
    withdrawn: 0,
    durationMs: 0,
  };
  await refreshErrorCounts(sql);

  async function attempt(row: ClaimedRow, sendBefore: Date): Promise<Outcome> {
    const entry = await platforms.get(row.platform_id);
    if ("error" in entry.adapter) {
      // Missing or invalid credentials (the platform needs reconnecting) or no adapter: not sent.
      return {
        id: row.id,
        attempt_id: row.attempt_id,
        outcome: row.mode === "handoff" ? "declined" : entry.adapter.errorClass,
        error_class: entry.adapter.errorClass,
        message: entry.adapter.error,
      };
    }
    const adapter = entry.adapter;
    return await limiter.run(
      row.platform_id,
      entry.concurrency,
      () => runAttempt(adapter, row, sendBefore),
    );
  }

  /** Withdraw handed-off posts whose distribution was cancelled, moved or deleted. */
  async function withdraw(): Promise<void> {
    const items = await claimCancellations(sql, options.batchSize);
    const results = await Promise.all(items.map(async (item) => {
      const entry = await platforms.get(item.platform_id);
      if ("error" in entry.adapter) return { id: item.id, ok: false, message: entry.adapter.error };
      const adapter = entry.adapter;
      try {
        const result = await limiter.run(
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
    report.withdrawn += results.filter((r) => r.ok).length;
  }

  /** Publish a claimed batch and record its outcomes (one statement). */
  async function settle(batch: ClaimedRow[], sendBefore: Date): Promise<void> {
    const outcomes = await Promise.all(batch.map((row) => attempt(row, sendBefore)));
    const applied = await recordWithRetry(sql, outcomes);
    report.recorded += applied.size;
    report.lostLeases += outcomes.length - applied.size;
    for (const o of outcomes) {
      if (applied.has(o.id)) report.outcomes[o.outcome] = (report.outcomes[o.outcome] ?? 0) + 1;
    }
  }

  // A lane claims its next batch while the previous one is still being sent, so the database work (claim,
  // record) overlaps the platforms' answers; at most two batches of a lane are in flight.
  async function lane(): Promise<void> {
    // Settled to its error (if any) at once, so a failure is not an unhandled rejection while the lane is
    // claiming; rethrown when the lane waits for it.
    let inFlight: Promise<unknown> | undefined;
    const finish = async () => {
      const error = await inFlight;
      inFlight = undefined;
      if (error !== undefined) throw error;
    };
    while (Date.now() < deadline) {
      await withdraw();
      const claimedAt = Date.now();
      const batch = [
        ...await claimHandoffs(sql, options.batchSize, options.leaseSeconds),
        ...await claimDue(sql, options.batchSize, options.leaseSeconds),
      ];
      // Half the lease for sending; the other half covers the slowest answer and the recording.
      const sendBefore = new Date(claimedAt + options.leaseSeconds * 500);
      if (batch.length === 0) {
        if (inFlight) {
          // Its outcomes may put rows back in the queue (a retry due now, a released row): look again after.
          await finish();
          continue;
        }
        if (options.exitWhenIdle) return;
        const due = await nextDue(sql);
        const wait = due ? due.getTime() - Date.now() : Infinity;
        if (Date.now() + Math.min(wait, options.idlePollMs) >= deadline) return;
        await sleep(Math.min(wait, options.idlePollMs));
        continue;
      }
      report.claimed += batch.length;
      const sending = settle(batch, sendBefore).then(
        () => undefined,
        (error: unknown) => error ?? "error",
      );
      await finish();
      inFlight = sending;
    }
    await finish();
  }

  await Promise.all(Array.from({ length: Math.max(1, options.lanes) }, lane));
  report.durationMs = Date.now() - started;
  return report;
}
