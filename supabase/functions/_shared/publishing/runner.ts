// A publish run: several lanes, each claiming a batch of due rows, publishing them concurrently (at most
// `concurrency` per platform), and recording the batch's outcomes in one statement. The run lasts until its
// wall-clock budget is spent, sleeping until the next row falls due, so a row is sent at its second
// whatever the cron tick.
import type { Sql } from "../db.ts";
import { runAttempt } from "./attempt.ts";
import { KeyedLimiter } from "../platforms/limiter.ts";
import type { PlatformDirectory } from "../platforms/directory.ts";
import {
  claimCancellations,
  claimDue,
  type ClaimedRow,
  claimHandoffs,
  extendLeases,
  lapsedAttempts,
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
  /**
   * Most rows the run claims (none: no limit). A hosted Edge Function's request stops at 2 s of CPU,
   * so a run bounds its work: at the cap it claims no more, sends and records what it holds, and
   * reports `capped` (the caller wakes a successor for what is still due).
   */
  maxPosts?: number;
}

export const DEFAULT_RUN_OPTIONS: RunOptions = {
  budgetMs: 55_000,
  batchSize: 100,
  lanes: 2,
  leaseSeconds: 120,
  idlePollMs: 250,
  exitWhenIdle: false,
  // At most about 0.8 s of the functions host's CPU at the 130-200 µs a post bench/publish measures:
  // well inside a hosted request's 2 s, with room for what the run holds when it stops and for media.
  maxPosts: 4000,
};

export interface RunReport {
  claimed: number;
  recorded: number;
  /** Outcomes dropped because another worker had reclaimed the row (its lease expired). */
  lostLeases: number;
  outcomes: Record<string, number>;
  /** Handed-off posts withdrawn from their platform. */
  withdrawn: number;
  /** The run stopped claiming at `maxPosts`. */
  capped: boolean;
  durationMs: number;
}

/** A lane's batch being sent: its rows still waiting for a send slot, and the batch recorded. */
interface InFlight {
  unstarted: number;
  /** Settles to the batch's error, if it failed; never rejects. */
  done: Promise<unknown>;
  finished: boolean;
}

const MAX_BATCHES_IN_FLIGHT = 8;

/**
 * Each platform's send slots (its max_concurrency), shared by every run in this worker: runs that
 * overlap (one outlasting its minute, a successor it woke) stay within the cap together instead of
 * each sending up to it.
 */
const sendSlots = new KeyedLimiter();

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
  const report: RunReport = {
    claimed: 0,
    recorded: 0,
    lostLeases: 0,
    outcomes: {},
    withdrawn: 0,
    capped: false,
    durationMs: 0,
  };
  // Rows claimed, and asked for by claims still running (lanes claim concurrently): what is left
  // of maxPosts.
  let taken = 0;
  await refreshErrorCounts(sql);

  // Claims held until their batch is recorded. Every third of a lease, those held that long are extended:
  // a long attempt (a large upload), or a batch waiting for its slowest row, is not taken over by another
  // run while this one lives.
  const held = new Map<string, { id: string; attempt_id: string; claimedAt: number }>();
  const heartbeatMs = (options.leaseSeconds * 1000) / 3;
  let extending = false;
  const heartbeat = setInterval(async () => {
    const now = Date.now();
    const claims = [...held.values()].filter((c) => now - c.claimedAt >= heartbeatMs)
      .map(({ id, attempt_id }) => ({ id, attempt_id }));
    if (extending || claims.length === 0) return;
    extending = true;
    try {
      const still = await extendLeases(sql, claims, options.leaseSeconds);
      // a row another run took over (its lease lapsed after all) is no longer this run's to extend
      for (const { id } of claims) if (!still.has(id)) held.delete(id);
    } catch (error) {
      // the next beat tries again; if none gets through, the leases lapse and are reconciled
      console.error("extending the leases of rows being sent failed:", error);
    } finally {
      extending = false;
    }
  }, heartbeatMs);

  /** `started` is called once the row holds one of its platform's send slots (or needs none). */
  async function attempt(
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
  async function lapsesOf(batch: ClaimedRow[]): Promise<Map<string, number>> {
    const reclaimed = batch.filter((row) => row.unresolved_attempts.length > 0).map((row) =>
      row.id
    );
    try {
      return await lapsedAttempts(sql, reclaimed);
    } catch (error) {
      // Not knowing only postpones the limit: failing the batch here would make every row lapse again.
      console.error("counting lapsed attempts failed:", error);
      return new Map();
    }
  }

  /** Withdraw handed-off posts whose distribution was cancelled, moved or deleted. */
  async function withdraw(): Promise<void> {
    const items = await claimCancellations(sql, options.batchSize);
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
    report.withdrawn += results.filter((r) => r.ok).length;
  }

  /** Publish a claimed batch and record its outcomes (one statement). `progress` is called as each row
   * gets a send slot. */
  function settle(batch: ClaimedRow[], sendBefore: Date, progress: () => void): InFlight {
    const flight: InFlight = { unstarted: batch.length, done: Promise.resolve(), finished: false };
    const started = () => {
      flight.unstarted--;
      progress();
    };
    const claimedAt = Date.now();
    for (const row of batch) {
      held.set(row.id, { id: row.id, attempt_id: row.attempt_id, claimedAt });
    }
    flight.done = (async () => {
      const lapses = await lapsesOf(batch);
      // Each row settles to an outcome of its own: one that throws (a platform's answer no code expected)
      // never drops the outcomes of the rest of the batch, other platforms' and clients' included.
      const outcomes = await Promise.all(batch.map((row) => {
        let began = false;
        const start = () => {
          if (began) return;
          began = true;
          started();
        };
        return attempt(row, sendBefore, start, lapses.get(row.id) ?? 0)
          .catch((error: unknown) => {
            const mayHaveSent = began;
            start();
            return thrownOutcome(row, error, mayHaveSent);
          });
      }));
      const applied = await recordWithRetry(sql, outcomes).finally(() => {
        for (const row of batch) held.delete(row.id);
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

  // A lane claims its next batch while the previous one is still being sent, so the database work (claim,
  // record) overlaps the platforms' answers: two batches out at once. It claims a third (up to
  // MAX_BATCHES_IN_FLIGHT) only when every row it holds has a send slot and only answers are outstanding,
  // so a few slow answers (a video upload, a post the platform is still processing) do not hold back rows
  // falling due on other platforms, while rows still queued for a busy platform make the lane wait.
  async function lane(): Promise<void> {
    const flights: InFlight[] = [];
    let pastDue = 0; // empty claims in a row while a row was already due
    let wake: () => void = () => {};
    const progress = () => wake();
    const nextProgress = () => new Promise<void>((resolve) => (wake = resolve));
    // Drops the batches that are done, rethrowing the first failed one's error.
    const reap = async () => {
      for (let i = 0; i < flights.length;) {
        if (!flights[i].finished) {
          i++;
          continue;
        }
        const [flight] = flights.splice(i, 1);
        const error = await flight.done;
        if (error !== undefined) throw error;
      }
    };
    const anyFinished = () => Promise.race(flights.map((f) => f.done));
    const mayClaim = () =>
      flights.length < 2 ||
      (flights.length < MAX_BATCHES_IN_FLIGHT && flights.every((f) => f.unstarted === 0));

    while (Date.now() < deadline) {
      while (!mayClaim()) {
        await Promise.race([anyFinished(), nextProgress()]);
        await reap();
      }
      const want = Math.min(options.batchSize, (options.maxPosts ?? Infinity) - taken);
      if (want <= 0) {
        report.capped = true;
        break;
      }
      taken += want;
      await withdraw();
      const claimedAt = Date.now();
      const handoffs = await claimHandoffs(sql, want, options.leaseSeconds);
      const batch = handoffs.length < want
        ? [...handoffs, ...await claimDue(sql, want - handoffs.length, options.leaseSeconds)]
        : handoffs;
      taken -= want - batch.length;
      // Half the lease for sending; the other half covers the slowest answer and the recording.
      const sendBefore = new Date(claimedAt + options.leaseSeconds * 500);
      if (batch.length === 0) {
        if (flights.length === 0 && options.exitWhenIdle) return;
        const due = options.exitWhenIdle ? null : await nextDue(sql);
        const untilDue = due ? due.getTime() - Date.now() : Infinity;
        // A row due already that no claim returned is being claimed by another worker (look again at
        // once), or waits for its platform (paused, needing reconnection, over its limits): look again
        // after 10, 20, 40 ... ms, up to the poll interval, rather than query in a tight loop.
        pastDue = untilDue > 0 ? 0 : pastDue + 1;
        const wait = Math.min(
          untilDue > 0 ? untilDue : pastDue === 1 ? 0 : 10 * 2 ** (pastDue - 2),
          options.idlePollMs,
        );
        if (flights.length === 0) {
          if (Date.now() + wait >= deadline) return;
          await sleep(wait);
        } else {
          // Its outcomes may put rows back in the queue (a retry due now, a released row): look again
          // when a batch is done, or when the next row falls due, whichever comes first.
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([
            anyFinished(),
            new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, wait)))),
          ]);
          clearTimeout(timer);
          await reap();
        }
        continue;
      }
      pastDue = 0;
      report.claimed += batch.length;
      flights.push(settle(batch, sendBefore, progress));
      await reap();
    }
    while (flights.length > 0) {
      await anyFinished();
      await reap();
    }
  }

  try {
    await Promise.all(Array.from({ length: Math.max(1, options.lanes) }, lane));
  } finally {
    clearInterval(heartbeat);
  }
  report.durationMs = Date.now() - started;
  return report;
}
