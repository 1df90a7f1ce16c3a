// A run that stopped at its CPU budget or post cap with work still due hands it to a fresh invocation
// of its function: the same pg_net path the cron job takes (private.invoke_edge_function, sent when the
// statement commits), with the same request and the chain's generation one higher. A chain makes at
// most `maxHandovers` hand-overs (a cron tick or a trigger starts a new one at generation 0), so a run
// that cannot make progress never wakes successors without end; past the bound, what is left waits for
// the next cron tick. The reply says what happened (`handover`), and each hand-over is logged.
import { z } from "zod";
import { DEFAULT_MAX_HANDOVERS, envNumber, type StopReason } from "./cpu-budget.ts";
import { jsonb, type Sql } from "./db.ts";

/** The request fields every run accepts for its CPU budget and hand-overs. */
export const HandoverRequest = {
  cpu_budget_ms: z.number().int().min(1).max(60_000).optional(),
  /** The chain's generation: set by the run that woke this one; absent from cron and triggers. */
  handover: z.number().int().min(0).max(1000).optional(),
};

export interface Handover {
  /** This run's generation in its chain (0: started by cron or a trigger). */
  generation: number;
  /** The pg_net request id of the successor woken, or null. */
  successor: string | null;
  /** Why no successor was woken (when none was). */
  held_back?: "nothing_due" | "limit" | "not_stopped_by_budget" | "no_vault_secrets";
}

export interface HandoverPlan {
  name: string;
  body: Record<string, unknown>;
  stopped: StopReason;
  /**
   * Whether work is due for a successor: now, or soon enough for it to wait for (asked only when the
   * run stopped at a budget).
   */
  due: () => Promise<boolean>;
  /** pg_net's timeout for the successor's request (the cron job's). */
  timeoutMs: number;
}

/** A run's generation in its chain: set by the run that woke it, 0 from cron and triggers. */
export function chainGeneration(body: Record<string, unknown>): number {
  return typeof body.handover === "number" ? body.handover : 0;
}

/** Only a run stopped by its CPU budget or post cap hands over; any other stop left nothing due. */
export function stoppedByBudget(stopped: StopReason): boolean {
  return stopped === "cpu_budget" || stopped === "max_posts";
}

/** Whether the chain has made its MAX_HANDOVERS hand-overs (logged: the rest waits for cron). */
export function chainLimitReached(
  name: string,
  stopped: StopReason,
  generation: number,
  left: string,
): boolean {
  const maxHandovers = envNumber("MAX_HANDOVERS") ?? DEFAULT_MAX_HANDOVERS;
  if (generation < maxHandovers) return false;
  console.warn(
    `${name}: stopped at ${stopped} with ${left}; hand-over ${generation} of ` +
      `${maxHandovers} reached, the rest waits for the next cron tick`,
  );
  return true;
}

/** Hands what is left over to a successor when the run stopped at its CPU budget or post cap. */
export async function handOver(sql: Sql, plan: HandoverPlan): Promise<Handover> {
  const generation = chainGeneration(plan.body);
  if (!stoppedByBudget(plan.stopped)) {
    return { generation, successor: null, held_back: "not_stopped_by_budget" };
  }
  if (!(await plan.due())) return { generation, successor: null, held_back: "nothing_due" };
  if (chainLimitReached(plan.name, plan.stopped, generation, "work due")) {
    return { generation, successor: null, held_back: "limit" };
  }
  const body = { ...plan.body, handover: generation + 1 };
  const [row] = await sql<{ id: string | null }[]>`select
    private.invoke_edge_function(${plan.name}, ${jsonb(sql, body)}, ${plan.timeoutMs}, false)::text
      as id`;
  if (row.id === null) return { generation, successor: null, held_back: "no_vault_secrets" };
  console.log(
    `${plan.name}: stopped at ${plan.stopped}; hand-over ${
      generation + 1
    } woken (pg_net ${row.id})`,
  );
  return { generation, successor: row.id };
}
