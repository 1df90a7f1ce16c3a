// What a publish run is asked to do (its budget, lanes, batch size and lease) and what it reports.
import { type CpuClockKind, DEFAULT_CPU_BUDGET_MS, type StopReason } from "../cpu-budget.ts";

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
  /**
   * CPU the run may spend (ms; none: not counted). Past what fits, the run claims no more, sends and
   * records what it holds, and reports `stopped: "cpu_budget"` (the caller hands the rest over).
   * See ../cpu-budget.ts for the clock read.
   */
  cpuBudgetMs?: number;
  /** CPU a post is taken to cost where the runtime has no CPU clock (hosted), and until one is done. */
  cpuMsPerPost?: number;
  /**
   * Most rows the run holds at once between their claim and their recorded outcome, across its lanes:
   * its sends in flight (none: only the batches bound it). Each platform's own cap is its
   * publish_config.max_concurrency.
   */
  maxInFlight?: number;
}

export const DEFAULT_RUN_OPTIONS: RunOptions = {
  budgetMs: 55_000,
  batchSize: 100,
  lanes: 2,
  leaseSeconds: 120,
  idlePollMs: 250,
  exitWhenIdle: false,
  // Well inside a hosted request's 2 s of CPU at bench/publish's cost a post (bench/RESULTS.md),
  // with room for what the run holds when it stops and for media.
  maxPosts: 4000,
  cpuBudgetMs: DEFAULT_CPU_BUDGET_MS,
  // bench/publish: 0.13-0.2 ms of the functions host's CPU a post; hosted TLS and signing cost more
  cpuMsPerPost: 0.5,
  // maxInFlight: none; the batches bound it (lanes x MAX_BATCHES_IN_FLIGHT x batchSize: 1,600 rows),
  // and on a burst the CPU budget binds first (bench/burst)
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
  /** Why it stopped claiming: its CPU budget, its wall-clock budget, nothing due, `maxPosts`. */
  stopped: StopReason;
  /** The CPU it spent, by which clock (none when no CPU budget was given). */
  cpu: { clock: CpuClockKind; used_ms: number; budget_ms: number } | null;
  durationMs: number;
  /** The most rows the run may hold at once (its cap, or what its lanes' batches allow), and the most
   * it held. */
  maxInFlight: number;
  peakInFlight: number;
}
