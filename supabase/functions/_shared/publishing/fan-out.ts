// A publish run's slot and its hand-over. Every run holds a slot in private.publish_runs from its start
// to its end (750_publish_runs.sql). A run that stopped at its CPU budget or max_posts with rows due
// (now, or within a run's budget) hands them over the way handover.ts does for the other workers, but
// to as many successors as the backlog needs at the posts this run handled: a burst then goes out in
// runs working in parallel, each inside a hosted request's 2 s of CPU. The successors are woken only
// into the slots left under PUBLISH_MAX_RUNS, counted in the database under a lock, so overlapping
// chains (and cron ticks beside them) never multiply; the chain's generation bound (MAX_HANDOVERS)
// still ends a chain that cannot make progress.
import { envNumber, type StopReason } from "../cpu-budget.ts";
import { chainGeneration, chainLimitReached, stoppedByBudget } from "../handover.ts";
import { jsonb, type Sql } from "../db.ts";

/** Publish runs alive at once at most (cron ticks and direct calls count, and always run). */
export const DEFAULT_MAX_RUNS = 4;

/** A slot outlives its run's wall-clock budget by this much (the batches it holds finish). */
export const SLOT_GRACE_SECONDS = 30;

export type HeldBack =
  | "nothing_due"
  | "limit"
  | "not_stopped_by_budget"
  | "no_vault_secrets"
  | "max_runs";

/** What a publish run's hand-over did (its reply's `handover`). */
export interface FanOut {
  /** This run's generation in its chain (0: started by cron, a trigger or a direct call). */
  generation: number;
  /** The first successor's pg_net request id, or null. */
  successor: string | null;
  /** The pg_net request ids of every successor woken. */
  successors: string[];
  /** Rows due within a run's budget when the run stopped (counted up to 4 x max_runs runs' worth). */
  backlog: number;
  /** Successors the backlog asks for: backlog / the posts this run handled (rounded up). */
  wanted: number;
  /** The cap on publish runs alive at once (PUBLISH_MAX_RUNS). */
  max_runs: number;
  /** Why fewer successors than wanted (or none) were woken. */
  held_back?: HeldBack;
}

export function maxRuns(): number {
  const value = envNumber("PUBLISH_MAX_RUNS");
  return value !== undefined && Number.isInteger(value) && value >= 1 ? value : DEFAULT_MAX_RUNS;
}

/** Takes the slot a waker reserved for this run (`slot`), or a new one; returns its id. */
export async function beginRun(
  sql: Sql,
  slot: string | null,
  generation: number,
  leaseSeconds: number,
): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    select private.begin_publish_run(${slot}::uuid, ${generation}, ${leaseSeconds}) as id`;
  return row.id;
}

/** Frees a run's slot. */
export async function endRun(sql: Sql, slot: string): Promise<void> {
  await sql`select private.end_publish_run(${slot}::uuid)`;
}

/** Rows due within `withinMs` (and lapsing leases), counted up to `limit` of each kind. */
export async function publishBacklog(sql: Sql, withinMs: number, limit: number): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select private.publish_backlog(${Math.round(withinMs)}, ${limit}) as n`;
  return row.n;
}

/** Frees `slot` and wakes up to `wanted` successors into the slots left under `cap`. */
export async function wakeRuns(
  sql: Sql,
  slot: string,
  wanted: number,
  cap: number,
  body: Record<string, unknown>,
  timeoutMs: number,
): Promise<{ slot: string | null; request_id: string | null }[]> {
  return await sql<{ slot: string | null; request_id: string | null }[]>`
    select slot::text, request_id::text
      from private.wake_publish_runs(${slot}::uuid, ${wanted}, ${cap}, ${jsonb(sql, body)},
                                     ${timeoutMs})`;
}

export interface FanOutPlan {
  /** This run's slot (beginRun). */
  slot: string;
  /** The run's request: successors get the same, one generation down the chain. */
  body: Record<string, unknown>;
  stopped: StopReason;
  /** Rows this run claimed: what a successor is expected to handle. */
  claimed: number;
  /** A run's wall-clock budget: rows due within it are the backlog (a successor sleeps until due). */
  budgetMs: number;
  /** pg_net's timeout for a successor's request (the cron job's). */
  timeoutMs: number;
}

/** Ends the run's slot, handing its backlog over to as many successors as it needs, under the cap. */
export async function fanOut(sql: Sql, plan: FanOutPlan): Promise<FanOut> {
  const generation = chainGeneration(plan.body);
  const cap = maxRuns();
  const base = {
    generation,
    successor: null,
    successors: [],
    backlog: 0,
    wanted: 0,
    max_runs: cap,
  };
  const end = async (held_back: HeldBack, extra: Partial<FanOut> = {}): Promise<FanOut> => {
    await endRun(sql, plan.slot);
    return { ...base, ...extra, held_back };
  };
  if (!stoppedByBudget(plan.stopped)) {
    return await end("not_stopped_by_budget");
  }
  const perRun = Math.max(1, plan.claimed);
  // counted up to four times what the cap's runs would take: enough to say how far past the cap it is
  const backlog = await publishBacklog(sql, plan.budgetMs, perRun * cap * 4);
  if (backlog === 0) return await end("nothing_due");
  const wanted = Math.ceil(backlog / perRun);
  if (chainLimitReached("publish", plan.stopped, generation, `${backlog} rows due`)) {
    return await end("limit", { backlog, wanted });
  }
  const { run: _slot, ...request } = plan.body;
  const woken = await wakeRuns(
    sql,
    plan.slot,
    wanted,
    cap,
    { ...request, handover: generation + 1 },
    plan.timeoutMs,
  );
  const successors = woken.flatMap((w) => w.request_id === null ? [] : [w.request_id]);
  const result: FanOut = {
    ...base,
    successor: successors[0] ?? null,
    successors,
    backlog,
    wanted,
  };
  if (woken.some((w) => w.request_id === null)) result.held_back = "no_vault_secrets";
  else if (successors.length < wanted) result.held_back = "max_runs";
  console.log(
    `publish: stopped at ${plan.stopped} with ${backlog} rows due; hand-over ${generation + 1}: ` +
      `${successors.length} of ${wanted} successors woken (${cap} runs at most)`,
  );
  return result;
}
