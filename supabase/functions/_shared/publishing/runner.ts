// A publish run: several lanes (lanes.ts), each claiming a batch of due rows, publishing them
// concurrently (at most `concurrency` per platform), and recording the batch's outcomes in one
// statement, while the leases of the rows being sent are kept alive (leases.ts). The run lasts until
// its wall-clock budget is spent, sleeping until the next row falls due, so a row is sent at its
// second whatever the cron tick, or until its CPU budget or `maxPosts` leaves room for no more rows.
import { CpuMeter } from "../cpu-budget.ts";
import type { Sql } from "../db.ts";
import type { PlatformDirectory } from "../platforms/directory.ts";
import { lane, MAX_BATCHES_IN_FLIGHT, type Run, strongestStop } from "./lanes.ts";
import { HeldLeases } from "./leases.ts";
import { HeldRows } from "./batch.ts";
import { refreshErrorCounts } from "./queue.ts";
import type { RunOptions, RunReport } from "./run-options.ts";

/** What a run's claims came to when they ended: its stop reason and the rows it claimed. */
export interface ClaimsEnded {
  stopped: RunReport["stopped"];
  claimed: number;
}

/**
 * Runs the lanes until the run's budgets end it. `onClaimsEnded` is called once, when every lane has
 * stopped claiming and only the batches it holds are still out: a caller hands the rest over then,
 * so a successor starts while this run's last sends and records finish.
 */
export async function runPublisher(
  sql: Sql,
  platforms: PlatformDirectory,
  options: RunOptions,
  onClaimsEnded: (ended: ClaimsEnded) => void = () => {},
): Promise<RunReport> {
  const started = Date.now();
  const lanes = Math.max(1, options.lanes);
  const report: RunReport = {
    claimed: 0,
    recorded: 0,
    lostLeases: 0,
    outcomes: {},
    withdrawn: 0,
    capped: false,
    stopped: "drained",
    cpu: null,
    durationMs: 0,
    maxInFlight: Math.min(
      options.maxInFlight ?? Infinity,
      lanes * MAX_BATCHES_IN_FLIGHT * options.batchSize,
    ),
    peakInFlight: 0,
  };
  const meter = options.cpuBudgetMs === undefined ? null : new CpuMeter({
    budgetMs: options.cpuBudgetMs,
    msPerUnit: options.cpuMsPerPost ?? 0.5,
  });
  await refreshErrorCounts(sql);
  const run: Run = {
    sql,
    platforms,
    options,
    report,
    deadline: started + options.budgetMs,
    taken: 0,
    asking: 0,
    leases: new HeldLeases(sql, options.leaseSeconds),
    meter,
    rows: new HeldRows(options.maxInFlight ?? null),
    stops: new Set(),
    claiming: lanes,
    claimsEnded: () =>
      onClaimsEnded({ stopped: strongestStop(run.stops), claimed: report.claimed }),
  };
  try {
    await Promise.all(Array.from({ length: lanes }, () => lane(run)));
  } finally {
    run.leases.stop();
    meter?.close();
  }
  report.stopped = strongestStop(run.stops);
  report.cpu = meter?.report() ?? null;
  report.peakInFlight = run.rows.peak;
  report.durationMs = Date.now() - started;
  return report;
}
