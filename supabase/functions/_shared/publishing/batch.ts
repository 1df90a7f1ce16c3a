// A claimed batch sent and recorded: each row's attempt through its platform's send slots, then the
// batch's outcomes in one statement. A row's failure stays that row's: it never drops the outcomes of
// the rest of the batch, other platforms' and clients' included.
import type { CpuMeter } from "../cpu-budget.ts";
import type { Sql } from "../db.ts";
import type { PlatformDirectory } from "../platforms/directory.ts";
import { sendSlots } from "../platforms/limiter.ts";
import { runAttempt } from "./attempt.ts";
import type { HeldLeases } from "./leases.ts";
import { type ClaimedRow, lapsedAttempts, type Outcome, recordOutcomes } from "./queue.ts";
import type { RunReport } from "./run-options.ts";

/** The rows a run holds between their claim and their recorded outcome (its sends in flight), against
 * its cap. */
export class HeldRows {
  held = 0;
  peak = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly max: number | null) {}

  /** How many more rows the run may claim, beside those held and those claims are asking for. */
  room(asking: number): number {
    return this.max === null ? Infinity : this.max - this.held - asking;
  }

  take(n: number): void {
    this.held += n;
    this.peak = Math.max(this.peak, this.held);
  }

  give(n: number): void {
    this.held -= n;
    this.wake();
  }

  /** Wakes the lanes waiting for room (rows given back, or a claim in: it may have got fewer than it
   * asked for). */
  wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Settles when the room may have grown. */
  freed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** What sending a batch uses of its run, and the report it adds its outcomes to. */
export interface BatchRun {
  sql: Sql;
  platforms: PlatformDirectory;
  leases: HeldLeases;
  report: RunReport;
  /** The run's CPU: a batch's rows are held from their claim until they are recorded. */
  meter: CpuMeter | null;
  /** The rows the run holds, against its cap. */
  rows: HeldRows;
}

/** A lane's batch being sent: its rows still waiting for a send slot, and the batch recorded. */
export interface InFlight {
  unstarted: number;
  /** Settles to the batch's error, if it failed; never rejects. */
  done: Promise<unknown>;
  finished: boolean;
}

/**
 * The outcome of a row whose attempt threw. Past its send slot the request may have gone out: unknown, so the
 * row keeps its lease and is reconciled with the platform before anything is sent again. Before it nothing
 * was sent: a transient failure (a refused hand-off goes out at its time the usual way).
 */
export function thrownOutcome(row: ClaimedRow, error: unknown, mayHaveSent: boolean): Outcome {
  const message = `the worker failed: ${error instanceof Error ? error.message : String(error)}`;
  const outcome = mayHaveSent ? "unknown" : row.mode === "handoff" ? "declined" : "transient";
  return {
    id: row.id,
    attempt_id: row.attempt_id,
    outcome,
    message,
    ...(outcome === "declined" ? { error_class: "transient" } : {}),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

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

/** One row's attempt. `started` is called once the row holds one of its platform's send slots (or
 * needs none). */
async function attempt(
  platforms: PlatformDirectory,
  row: ClaimedRow,
  sendBefore: Date,
  started: () => void,
  lapses: number,
): Promise<Outcome> {
  const entry = await platforms.get(row.platform_id);
  if ("error" in entry.adapter) {
    started();
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
  return await sendSlots.run(row.platform_id, entry.concurrency, () => {
    started();
    return runAttempt(adapter, row, sendBefore, lapses, entry.reclaim);
  });
}

/** How many times the workers of the batch's reclaimed rows stopped (none asked for when none was). */
async function lapsesOf(sql: Sql, batch: ClaimedRow[]): Promise<Map<string, number>> {
  const reclaimed = batch.filter((row) => row.unresolved_attempts.length > 0).map((row) => row.id);
  try {
    return await lapsedAttempts(sql, reclaimed);
  } catch (error) {
    // Not knowing only postpones the limit: failing the batch here would make every row lapse again.
    console.error("counting lapsed attempts failed:", error);
    return new Map();
  }
}

/** Publishes a claimed batch and records its outcomes (one statement). `progress` is called as each
 * row gets a send slot. */
export function sendBatch(
  run: BatchRun,
  batch: ClaimedRow[],
  sendBefore: Date,
  progress: () => void,
): InFlight {
  const { sql, report } = run;
  const flight: InFlight = { unstarted: batch.length, done: Promise.resolve(), finished: false };
  const started = () => {
    flight.unstarted--;
    progress();
  };
  run.leases.hold(batch);
  flight.done = (async () => {
    run.platforms.prefetch?.(batch.map((row) => row.platform_id));
    const lapses = await lapsesOf(sql, batch);
    const outcomes = await Promise.all(batch.map((row) => {
      let began = false;
      const start = () => {
        if (began) return;
        began = true;
        started();
      };
      return attempt(run.platforms, row, sendBefore, start, lapses.get(row.id) ?? 0)
        .catch((error: unknown) => {
          const mayHaveSent = began;
          start();
          return thrownOutcome(row, error, mayHaveSent);
        });
    }));
    const applied = await recordWithRetry(sql, outcomes).finally(() => {
      run.leases.release(batch);
      run.meter?.finish(batch.length);
      run.rows.give(batch.length);
    });
    report.recorded += applied.size;
    report.lostLeases += outcomes.length - applied.size;
    for (const o of outcomes) {
      if (applied.has(o.id)) report.outcomes[o.outcome] = (report.outcomes[o.outcome] ?? 0) + 1;
    }
  })().then(
    () => undefined,
    // settled to its error at once, so a failure is not an unhandled rejection while the lane claims;
    // rethrown when the lane reaps the batch
    (error: unknown) => error ?? "error",
  ).finally(() => (flight.finished = true));
  return flight;
}
