// Claim, record and peek: the three SQL calls of a metrics run.
import type { Sql } from "../db.ts";
import { pgJson } from "../text.ts";
import { ClaimedMetricsRow, type MetricsBatchElement, RecordMetricsReply } from "./contract.ts";

export interface ClaimLimits {
  limit: number;
  perPlatform: number;
  leaseSeconds: number;
}

export async function claimMetricsDue(sql: Sql, c: ClaimLimits): Promise<ClaimedMetricsRow[]> {
  const rows = await sql`
    select * from private.claim_metrics_due(${c.limit}, ${c.perPlatform}, ${c.leaseSeconds})`;
  return rows.map((row) => ClaimedMetricsRow.parse(row));
}

/** One statement for the whole batch: snapshots, summaries, backoff, platform health, feedback. */
export async function recordMetrics(
  sql: Sql,
  batch: MetricsBatchElement[],
): Promise<RecordMetricsReply> {
  const empty = { recorded: 0, failed: 0, ignored: [], feedback: 0, platforms: 0 };
  if (batch.length === 0) return empty;
  const [row] = await sql`select private.record_metrics(${sql.json(pgJson(batch))}) as reply`;
  return RecordMetricsReply.parse(row.reply);
}

export async function nextMetricsDue(sql: Sql): Promise<Date | null> {
  const [row] = await sql<{ due: Date | null }[]>`select private.next_metrics_due() as due`;
  return row.due;
}
