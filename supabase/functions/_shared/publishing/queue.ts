// The SQL side of the publishing queue (the private.claim_*, record_* and extend_* functions), typed.
import { z } from "zod";
import { jsonb, type Sql } from "../db.ts";

const UnresolvedAttempt = z.object({
  id: z.string(),
  kind: z.enum(["publish", "handoff"]),
  started_at: z.string(),
  /** The platform's name for the request it accepted (TikTok's publish_id), when it gave one. */
  external_id: z.string().nullable().optional(),
});

export const ClaimedRow = z.object({
  id: z.string(),
  attempt_id: z.string(),
  /** publish: send it now; handoff: give it to the platform to publish at scheduled_for. */
  mode: z.enum(["publish", "handoff"]),
  platform_id: z.string(),
  client_id: z.string(),
  title: z.string().nullable(),
  body: z.string(),
  media_urls: z.array(z.string()).nullable(),
  link_url: z.string().nullable(),
  platform_specific: z.record(z.string(), z.unknown()),
  scheduled_for: z.coerce.date(),
  retry_count: z.number(),
  native_state: z.enum(["handed_off", "declined"]).nullable(),
  native_attempt_id: z.string().nullable(),
  external_id: z.string().nullable(),
  external_url: z.string().nullable(),
  /** Earlier attempts of this row whose outcome is unknown: reconciled before anything is sent. */
  unresolved_attempts: z.array(UnresolvedAttempt),
});
export type ClaimedRow = z.infer<typeof ClaimedRow>;

export type OutcomeKind =
  | "published"
  | "handed_off"
  | "declined"
  | "transient"
  | "rate_limited"
  | "permanent"
  | "auth"
  | "unknown"
  | "unconfirmed"
  /** Not sent (the worker's send window closed first): back to the queue without using an attempt. */
  | "released"
  /**
   * Not sent: an earlier attempt's outcome is still unknown (its look-up failed). The row keeps its lease
   * and is asked about again after publish_config.reconcile_after_seconds.
   */
  | "unsettled";

export interface Outcome {
  id: string;
  attempt_id: string;
  outcome: OutcomeKind;
  /** For a declined hand-off: the failure's class (a 429 still pauses the platform, a 401 flags it). */
  error_class?: string;
  external_id?: string;
  external_url?: string;
  message?: string;
  http_status?: number;
  reset_at?: string;
  resolved_attempts?: { id: string; outcome: "found" | "absent" }[];
}

async function claimWith(
  sql: Sql,
  fn: "claim_due_distributions" | "claim_native_handoffs",
  limit: number,
  leaseSeconds: number,
): Promise<ClaimedRow[]> {
  const rows = await sql.unsafe(`select * from private.${fn}($1, $2)`, [limit, leaseSeconds]);
  const claimed: ClaimedRow[] = [];
  const unreadable: Outcome[] = [];
  for (const row of rows) {
    const parsed = ClaimedRow.safeParse(row);
    if (parsed.success) claimed.push(parsed.data);
    else unreadable.push(unreadableRow(row, parsed.error));
  }
  // A row no worker can send (a time no date can hold, written by hand) fails alone, with why, instead of
  // failing the claim of every row (every client's) claimed beside it, again each time its lease lapses.
  if (unreadable.length > 0) await recordOutcomes(sql, unreadable);
  return claimed;
}

function unreadableRow(row: Record<string, unknown>, error: z.ZodError): Outcome {
  const fields = error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`);
  return {
    id: String(row.id),
    attempt_id: String(row.attempt_id),
    outcome: "permanent",
    message: `the row cannot be published as stored (${fields.join("; ")}); correct it, then set ` +
      `status to scheduled`,
  };
}

/** Due rows (and rows whose lease lapsed), within each platform's limits. */
export function claimDue(sql: Sql, limit: number, leaseSeconds: number): Promise<ClaimedRow[]> {
  return claimWith(sql, "claim_due_distributions", limit, leaseSeconds);
}

/** Rows to hand to natively scheduling platforms now. */
export function claimHandoffs(
  sql: Sql,
  limit: number,
  leaseSeconds: number,
): Promise<ClaimedRow[]> {
  return claimWith(sql, "claim_native_handoffs", limit, leaseSeconds);
}

/** Records outcomes in one statement; returns the ids applied (a lost lease is not applied). */
export async function recordOutcomes(sql: Sql, outcomes: Outcome[]): Promise<Set<string>> {
  if (outcomes.length === 0) return new Set();
  const rows = await sql<{ id: string }[]>`
    select id from private.record_publish_outcomes(${jsonb(sql, outcomes)})
      as id`;
  return new Set(rows.map((r) => r.id));
}

/** How many times each row's worker stopped before recording an outcome (its claims that lapsed). */
export async function lapsedAttempts(sql: Sql, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await sql<{ distribution_id: string; lapses: number }[]>`
    select distribution_id, lapses from private.lapsed_attempt_counts(${ids}::uuid[])`;
  return new Map(rows.map((r) => [r.distribution_id, r.lapses]));
}

/** Extends the leases of rows still being sent; returns the ids this worker still holds. */
export async function extendLeases(
  sql: Sql,
  claims: { id: string; attempt_id: string }[],
  leaseSeconds: number,
): Promise<Set<string>> {
  if (claims.length === 0) return new Set();
  const rows = await sql<{ id: string }[]>`
    select id from private.extend_publish_leases(${jsonb(sql, claims)}, ${leaseSeconds}) as id`;
  return new Set(rows.map((r) => r.id));
}

export async function nextDue(sql: Sql): Promise<Date | null> {
  const [row] = await sql<{ due: Date | null }[]>`select private.next_publish_due() as due`;
  return row.due;
}

export async function refreshErrorCounts(sql: Sql): Promise<void> {
  await sql`select private.refresh_api_error_counts()`;
}

/** New content for a live post (reason edited), as PATCH /schedule/distributions/:id stored it. */
export const LiveEditContent = z.object({
  title: z.string().nullable(),
  body: z.string(),
  media_urls: z.array(z.string()).nullable(),
  link_url: z.string().nullable(),
  platform_specific: z.record(z.string(), z.unknown()),
});
export type LiveEditContent = z.infer<typeof LiveEditContent>;

export const Cancellation = z.object({
  id: z.string(),
  platform_id: z.string(),
  external_id: z.string(),
  attempts: z.number(),
  /** cancelled, rescheduled, deleted, unpublished: delete the post; edited: update it to `content`. */
  reason: z.string(),
  content: LiveEditContent.nullable(),
});
export type Cancellation = z.infer<typeof Cancellation>;

/** Posts to withdraw from their platform (a hand-off cancelled, moved or deleted; a live post
 * unpublished), or to edit there. */
export async function claimCancellations(sql: Sql, limit: number): Promise<Cancellation[]> {
  const rows = await sql`select * from private.claim_platform_cancellations(${limit})`;
  return rows.map((row) => Cancellation.parse(row));
}

export async function recordCancellations(
  sql: Sql,
  results: { id: string; ok: boolean; message?: string; external_url?: string }[],
): Promise<void> {
  if (results.length === 0) return;
  await sql`select private.record_platform_cancellations(${jsonb(sql, results)})`;
}
