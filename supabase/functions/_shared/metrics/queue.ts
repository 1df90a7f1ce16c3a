// Claim, record and peek: the three SQL calls of a metrics run.
import { jsonb, type Sql } from "../db.ts";
import { ClaimedMetricsRow, type MetricsBatchElement, RecordMetricsReply } from "./contract.ts";

export interface ClaimLimits {
  limit: number;
  perPlatform: number;
  leaseSeconds: number;
}

export async function claimMetricsDue(sql: Sql, c: ClaimLimits): Promise<ClaimedMetricsRow[]> {
  const rows = await sql`
    select * from private.claim_metrics_due(${c.limit}, ${c.perPlatform}, ${c.leaseSeconds})`;
  const claimed: ClaimedMetricsRow[] = [];
  const unreadable: MetricsBatchElement[] = [];
  for (const row of rows) {
    const parsed = ClaimedMetricsRow.safeParse(row);
    if (parsed.success) {
      claimed.push(parsed.data);
    } else {
      // a row no read can use (a time no date can hold, written by hand) stops being synced, alone
      const fields = parsed.error.issues.slice(0, 3).map((i) =>
        `${i.path.join(".")}: ${i.message}`
      );
      unreadable.push({
        distribution_id: String(row.distribution_id),
        ok: false,
        error: `the row cannot be read as stored (${fields.join("; ")})`,
        error_class: "permanent",
      });
    }
  }
  if (unreadable.length > 0) await recordMetrics(sql, unreadable);
  return claimed;
}

/** One statement for the whole batch: snapshots, summaries, backoff, platform health, feedback. */
export async function recordMetrics(
  sql: Sql,
  batch: MetricsBatchElement[],
): Promise<RecordMetricsReply> {
  const empty = { recorded: 0, failed: 0, removed: 0, ignored: [], feedback: 0, platforms: 0 };
  if (batch.length === 0) return empty;
  const [row] = await sql`select private.record_metrics(${jsonb(sql, batch)}) as reply`;
  return RecordMetricsReply.parse(row.reply);
}

export async function nextMetricsDue(sql: Sql): Promise<Date | null> {
  const [row] = await sql<{ due: Date | null }[]>`select private.next_metrics_due() as due`;
  return row.due;
}
