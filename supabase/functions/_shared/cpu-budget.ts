// The CPU a run spends, so the publish, metrics and webhook runs stop taking work before a hosted
// request's 2 s of CPU (the platform answers 546 and drops the worker past it, whatever it held).
//
// Which clock is read:
// - `thread`: node:process `threadCpuUsage()` (getrusage RUSAGE_THREAD), the CPU of the thread the
//   run's isolate runs on: what the edge runtime's supervisor counts for a worker. Deno 2.9 has it
//   (the local functions host); every request the thread serves at the same time is counted too, so
//   it over-counts, never under-counts.
// - `process`: node:process `cpuUsage()` (the whole process, every thread), where no thread clock
//   exists: over-counts more.
// - `estimate`: on the hosted edge runtime (the `EdgeRuntime` global), whose `process.cpuUsage()` is
//   a stub answering zeros and which gives a user worker no CPU clock of its own (its supervisor
//   measures the worker's thread and only kills it). The run counts the units it finishes (posts
//   sent, reads, deliveries) at a configured CPU cost a unit (bench/RESULTS.md measures the real
//   one); an honest proxy, not a measurement: set the cost from a hosted run's logs if yours differ.
//
// A run's projection is what it has used plus what the units it holds unfinished and the units it
// would claim will cost, at the larger of the cost a unit measured so far and the configured one; it
// claims only what fits.
//
// Runs that share a worker share its CPU: the edge runtime (and the local functions host) serves
// several requests at once in one worker and counts the worker's CPU since it booted, so four runs
// that each keep within their own budget can together pass the worker's hard limit, and all four are
// killed (546) with what they hold. So a run also fits what it claims within the worker's ceiling: the
// worker's CPU since this module loaded (its process clock; without a clock, the units every run in
// the worker has finished) plus what every run in the worker holds (`WorkerCpu`).
import process from "node:process";

export type CpuClockKind = "thread" | "process" | "estimate";

/** Why a run stopped: its CPU budget, its wall-clock budget, nothing left to do, its post cap. */
export type StopReason = "cpu_budget" | "wall" | "drained" | "max_posts";

interface CpuTimes {
  user: number;
  system: number;
}

type Reader = () => number;

/** node:process's CPU clocks, where the runtime has them (the hosted edge runtime's are stubs). */
function nodeClocks(): { thread: Reader | null; process: Reader | null } {
  if ("EdgeRuntime" in globalThis) return { thread: null, process: null };
  const node = process as unknown as {
    threadCpuUsage?: () => CpuTimes;
    cpuUsage?: () => CpuTimes;
  };
  const reader = (usage?: () => CpuTimes): Reader | null => {
    if (typeof usage !== "function") return null;
    const read = usage.bind(node);
    return () => {
      const t = read();
      return (t.user + t.system) / 1000;
    };
  };
  return { thread: reader(node.threadCpuUsage), process: reader(node.cpuUsage) };
}

/** The clock this runtime offers, in ms of CPU since an arbitrary origin (null: none, estimate). */
export function cpuClock(): { kind: CpuClockKind; read: Reader | null } {
  const clocks = nodeClocks();
  if (clocks.thread) return { kind: "thread", read: clocks.thread };
  if (clocks.process) return { kind: "process", read: clocks.process };
  return { kind: "estimate", read: null };
}

export interface CpuMeterOptions {
  /** CPU the run may spend before it stops claiming (ms). */
  budgetMs: number;
  /** CPU a unit of work costs at least (ms): all it is taken to cost with no clock. */
  msPerUnit: number;
  /** The clock to read (tests pass one); the runtime's own by default. */
  clock?: { kind: CpuClockKind; read: Reader | null };
  /** The worker the run shares (tests pass one); this isolate's by default. */
  worker?: WorkerCpu;
}

/**
 * CPU ms the runs of one worker may reach together, counted from the worker's start: the hard limit
 * (2 s) less 0.3 s for what the process spends that its clock reading lags (replies, garbage collection
 * between polls) and a held unit's overrun.
 */
export const WORKER_CPU_CEILING_MS = 1_700;

/** One worker's CPU as its runs share it: its clock, and the units all its runs hold and have finished. */
export class WorkerCpu {
  held = 0;
  done = 0;
  private readonly read: Reader | null;
  private readonly origin: number;

  constructor(read: Reader | null, readonly ceilingMs = WORKER_CPU_CEILING_MS) {
    this.read = read;
    this.origin = read ? read() : 0;
  }

  /** The worker's CPU since it started (ms): its clock, or its runs' finished units at `msPerUnit`. */
  usedMs(msPerUnit: number): number {
    return this.read ? Math.max(0, this.read() - this.origin) : this.done * msPerUnit;
  }
}

/**
 * This isolate's worker, from when this module loaded (as the worker booted), where the code runs in
 * one: the edge runtime (the `EdgeRuntime` global) or a worker of the local functions host
 * (dev/functions-limits.ts starts each with FUNCTION_WORKER_SOCKET). A test or benchmark that runs a
 * run in its own long-lived process shares no worker.
 */
const thisWorker = "EdgeRuntime" in globalThis || Deno.env.get("FUNCTION_WORKER_SOCKET")
  ? new WorkerCpu(nodeClocks().process)
  : null;

export class CpuMeter {
  readonly kind: CpuClockKind;
  readonly budgetMs: number;
  private readonly read: Reader | null;
  private readonly origin: number;
  private readonly msPerUnit: number;
  private done = 0;
  private held = 0;
  private readonly worker: WorkerCpu;

  constructor(options: CpuMeterOptions) {
    const clock = options.clock ?? cpuClock();
    this.worker = options.worker ?? thisWorker ?? new WorkerCpu(null, Infinity);
    this.kind = clock.kind;
    this.read = clock.read;
    this.origin = clock.read ? clock.read() : 0;
    this.budgetMs = options.budgetMs;
    this.msPerUnit = options.msPerUnit;
  }

  /** CPU used since the run began (ms): measured, or the units done at their estimated cost. */
  usedMs(): number {
    return this.read ? Math.max(0, this.read() - this.origin) : this.done * this.msPerUnit;
  }

  /** `n` units claimed: held until they are done. */
  hold(n: number): void {
    this.held += n;
    this.worker.held += n;
  }

  /** `n` held units finished (sent and recorded, or given back). */
  finish(n: number): void {
    const released = Math.min(n, this.held);
    this.held -= released;
    this.worker.held = Math.max(0, this.worker.held - released);
    this.done += n;
    this.worker.done += n;
  }

  /** The run is over: what it still holds no longer counts against its worker. */
  close(): void {
    this.worker.held = Math.max(0, this.worker.held - this.held);
    this.held = 0;
  }

  /** How many more units fit in the run's budget beside those it holds, and in its worker's beside
   * those every run there holds. */
  room(): number {
    const used = this.usedMs();
    if (used >= this.budgetMs) return 0;
    // the larger of the cost a unit measured so far (the run's fixed costs included) and the
    // configured one: a clock that ticks coarsely (RUSAGE_THREAD counts in 10 ms steps on Linux)
    // reads 0 early, and a unit costs at least what it was configured to
    const measured = this.read && this.done > 0 ? used / this.done : 0;
    const perUnit = Math.max(measured, this.msPerUnit);
    const run = Math.floor((this.budgetMs - used) / perUnit) - this.held;
    const workerUsed = this.worker.usedMs(this.msPerUnit);
    const worker = Math.floor((this.worker.ceilingMs - workerUsed) / perUnit) - this.worker.held;
    return Math.max(0, Math.min(run, worker));
  }

  /** What the reply says about it. */
  report(): { clock: CpuClockKind; used_ms: number; budget_ms: number } {
    return {
      clock: this.kind,
      used_ms: Math.round(this.usedMs() * 10) / 10,
      budget_ms: this.budgetMs,
    };
  }
}

/** Reads a number from the environment (undefined when unset). */
export function envNumber(name: string): number | undefined {
  const value = Deno.env.get(name);
  return value === undefined || value === "" ? undefined : Number(value);
}

/**
 * The CPU budget by default: 0.8 s. Edge-runtime counts CPU per worker, not per request: a worker
 * retires at 1 s (soft limit: it finishes what it has) and is killed at 2 s (hard limit), so a request
 * that starts on a worker just under its soft limit is sure of only the 1 s between them; 0.2 s of
 * that is left for the isolate's start, what a run holds when it stops, and its reply.
 */
export const DEFAULT_CPU_BUDGET_MS = 800;

/** Successive hand-overs one chain of runs may make (a cron tick starts a new chain). */
export const DEFAULT_MAX_HANDOVERS = 20;

/**
 * A run's hand-over: the generation of the chain it belongs to (0: woken by cron or a trigger), and
 * whether it may wake another. Bounded so a run that cannot make progress never loops: past the
 * bound, what is left waits for the next cron tick.
 */
export function handoverAllowed(generation: number, maxHandovers: number): boolean {
  return generation < maxHandovers;
}
