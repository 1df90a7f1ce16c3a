/**
 * Distribution requests: a generated_content row that became ready gets a durable request row
 * (SQL trigger), a wake-up through pg_net, and a cron sweep. Each claimed request is scheduled with
 * `optimize` through scheduleContent, the same code path as the HTTP API, as the service role
 * scoped to the content's client, and its outcome is recorded in the same transaction, so a crash
 * can never schedule a request twice.
 */
import { z } from "zod";
import { asServiceRole, jsonb, type Sql, type Tx } from "../db.ts";
import { scheduleContent, type ScheduleOutcome, type SchedulingDeps } from "./schedule.ts";
import { type ScheduleRequest, ScheduleRequestSchema } from "./request.ts";
import { loadContent } from "./rows.ts";

export const ClaimedRequestSchema = z.looseObject({
  id: z.string(),
  client_id: z.string(),
  content_id: z.string().nullable(),
  attempts: z.number().int().default(1),
});

/** After this many claims an unexpected error fails the request instead of releasing it. */
export const MAX_ATTEMPTS = 5;
export type ClaimedRequest = z.infer<typeof ClaimedRequestSchema>;

export interface RequestReport {
  id: string;
  status: "done" | "failed" | "pending";
  scheduled: number;
  failed: number;
  error?: string;
}

export async function claimRequests(sql: Sql, limit: number): Promise<ClaimedRequest[]> {
  const rows = await asServiceRole(
    sql,
    (tx) => tx`select * from private.claim_distribution_requests(${limit}::int)`,
  );
  return rows.map((r) => ClaimedRequestSchema.parse(r));
}

async function finish(
  tx: Tx,
  id: string,
  status: RequestReport["status"],
  result: unknown,
  error: string | null,
): Promise<void> {
  await tx`select private.finish_distribution_request(
    ${id}::uuid, ${status}, ${result === null ? null : jsonb(tx, result)}, ${error}
  )`;
}

/** The schedule request for a content row: its target platforms, optimized, its priority. */
async function requestFor(tx: Tx, claimed: ClaimedRequest): Promise<ScheduleRequest | string> {
  if (!claimed.content_id) return "the request names no content";
  const content = await loadContent(tx, claimed.content_id);
  if (!content || content.client_id !== claimed.client_id) {
    return `content ${claimed.content_id} not found for client ${claimed.client_id}`;
  }
  if (!content.target_platform_ids.length) return "the content has no target_platform_ids";
  return ScheduleRequestSchema.parse({
    client_id: claimed.client_id,
    content: { content_id: content.id },
    platform_ids: [...new Set(content.target_platform_ids)],
    optimize: true,
  });
}

function summary(outcome: ScheduleOutcome) {
  return {
    status: outcome.status,
    cross_post_group_id: outcome.cross_post_group_id,
    results: outcome.results,
  };
}

/** Schedules one claimed request and records its outcome (done when any platform succeeded). */
export async function processRequest(
  sql: Sql,
  claimed: ClaimedRequest,
  deps: SchedulingDeps,
): Promise<RequestReport> {
  try {
    return await asServiceRole(sql, async (tx) => {
      const request = await requestFor(tx, claimed);
      if (typeof request === "string") {
        await finish(tx, claimed.id, "failed", null, request);
        return { id: claimed.id, status: "failed", scheduled: 0, failed: 0, error: request };
      }
      const outcome = await scheduleContent(tx, request, deps);
      const scheduled = outcome.results.filter((r) => r.ok).length;
      const failed = outcome.results.length - scheduled;
      const status = scheduled ? "done" : "failed";
      const error = failed
        ? `${failed} of ${outcome.results.length} platforms could not be scheduled`
        : null;
      await finish(tx, claimed.id, status, summary(outcome), error);
      return { id: claimed.id, status, scheduled, failed, ...(error ? { error } : {}) };
    });
  } catch (error) {
    // Unexpected (the database, a bug): released for a later sweep until it has had its chances.
    const message = error instanceof Error ? error.message : String(error);
    const status = claimed.attempts >= MAX_ATTEMPTS ? "failed" : "pending";
    await asServiceRole(sql, (tx) => finish(tx, claimed.id, status, null, message));
    return { id: claimed.id, status, scheduled: 0, failed: 0, error: message };
  }
}

/** Claims up to `limit` pending requests and processes them one by one. */
export async function processPendingRequests(
  sql: Sql,
  deps: SchedulingDeps,
  limit: number,
): Promise<RequestReport[]> {
  const reports: RequestReport[] = [];
  for (const claimed of await claimRequests(sql, limit)) {
    reports.push(await processRequest(sql, claimed, deps));
  }
  return reports;
}
