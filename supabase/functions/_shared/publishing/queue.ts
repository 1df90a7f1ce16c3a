// The SQL side of the publishing queue (supabase/migrations/*_publishing_queue.sql), typed.
import { z } from "zod";
import type { Sql } from "../db.ts";

const UnresolvedAttempt = z.object({ id: z.string(), started_at: z.string() });

export const ClaimedRow = z.object({
  id: z.string(),
  attempt_id: z.string(),
  platform_id: z.string(),
  client_id: z.string(),
  title: z.string().nullable(),
  body: z.string(),
  media_urls: z.array(z.string()).nullable(),
  link_url: z.string().nullable(),
  platform_specific: z.record(z.string(), z.unknown()),
  scheduled_for: z.date(),
  retry_count: z.number(),
  /** Earlier attempts of this row whose outcome is unknown: reconciled before anything is sent. */
  unresolved_attempts: z.array(UnresolvedAttempt),
});
export type ClaimedRow = z.infer<typeof ClaimedRow>;

export type OutcomeKind =
  | "published"
  | "transient"
  | "rate_limited"
  | "permanent"
  | "auth"
  | "unknown"
  | "unconfirmed";

export interface Outcome {
  id: string;
  attempt_id: string;
  outcome: OutcomeKind;
  external_id?: string;
  external_url?: string;
  message?: string;
  http_status?: number;
  reset_at?: string;
  resolved_attempts?: { id: string; outcome: "found" | "absent" }[];
}

export async function claimDue(
  sql: Sql,
  limit: number,
  leaseSeconds: number,
): Promise<ClaimedRow[]> {
  const rows = await sql`select * from private.claim_due_distributions(${limit}, ${leaseSeconds})`;
  return rows.map((row) => ClaimedRow.parse(row));
}

/** Records outcomes in one statement; returns the ids applied (a lost lease is not applied). */
export async function recordOutcomes(sql: Sql, outcomes: Outcome[]): Promise<Set<string>> {
  if (outcomes.length === 0) return new Set();
  const rows = await sql<{ id: string }[]>`
    select id from private.record_publish_outcomes(${
    sql.json(JSON.parse(JSON.stringify(outcomes)))
  })
      as id`;
  return new Set(rows.map((r) => r.id));
}

export async function nextDue(sql: Sql): Promise<Date | null> {
  const [row] = await sql<{ due: Date | null }[]>`select private.next_publish_due() as due`;
  return row.due;
}

export async function refreshErrorCounts(sql: Sql): Promise<void> {
  await sql`select private.refresh_api_error_counts()`;
}
