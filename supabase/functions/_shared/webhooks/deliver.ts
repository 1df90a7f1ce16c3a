// Sends due webhook deliveries (claimed from public.webhook_deliveries) and records the results in one
// statement per batch. A 2xx is delivered; anything else is retried by the database's backoff.
// Endpoints are tenants' URLs: the shared client refuses internal destinations (net/egress.ts) on the
// first request and any redirect, only a small prefix of an answer is read, and the error recorded
// (readable by the tenant in last_error) names no address or port. A run claims only what its CPU
// budget has room for (../cpu-budget.ts); the caller hands what is left to a successor.
import { z } from "zod";
import { type CpuClockKind, CpuMeter, type StopReason } from "../cpu-budget.ts";
import { describeNetworkError } from "../net/egress.ts";
import { http1 } from "../net/transport.ts";
import { jsonb, type Sql } from "../db.ts";
import { signWebhook } from "./signature.ts";

const Delivery = z.object({
  id: z.string(),
  url: z.string(),
  secret: z.string(),
  event: z.string(),
  payload: z.record(z.string(), z.unknown()),
  attempts: z.number(),
});
type Delivery = z.infer<typeof Delivery>;

/** The most of an endpoint's answer that is read: only its status counts. */
export const WEBHOOK_ANSWER_PREFIX_BYTES = 4096;

interface DeliveryResult {
  id: string;
  ok: boolean;
  status_code?: number;
  error?: string;
}

async function send(delivery: Delivery, timeoutMs: number): Promise<DeliveryResult> {
  const body = JSON.stringify({ id: delivery.id, ...delivery.payload });
  try {
    // sent once: a lost answer is retried by the database's backoff, not resent by the runtime
    const response = await http1.request(delivery.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-webhook-id": delivery.id,
        "x-webhook-event": delivery.event,
        "x-webhook-attempt": String(delivery.attempts),
        "x-webhook-signature": await signWebhook(delivery.secret, body, new Date()),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      bodyPrefixBytes: WEBHOOK_ANSWER_PREFIX_BYTES,
    });
    const ok = response.status >= 200 && response.status <= 299;
    return ok ? { id: delivery.id, ok: true, status_code: response.status } : {
      id: delivery.id,
      ok: false,
      status_code: response.status,
      error: `HTTP ${response.status}`,
    };
  } catch (error) {
    return {
      id: delivery.id,
      ok: false,
      error: describeNetworkError(error),
    };
  }
}

export interface DeliverOptions {
  budgetMs: number;
  batchSize: number;
  timeoutMs: number;
  /** CPU the run may spend (ms; none: not counted); past what fits, it claims no more. */
  cpuBudgetMs?: number;
  /** CPU a delivery is taken to cost where the runtime has no CPU clock (hosted), and until one is
   * done. */
  cpuMsPerDelivery?: number;
}

export interface DeliverReport {
  delivered: number;
  failed_attempts: number;
  /** Why it stopped claiming: its CPU budget, its wall-clock budget, or nothing due. */
  stopped: StopReason;
  /** The CPU it spent, by which clock (none when no CPU budget was given). */
  cpu: { clock: CpuClockKind; used_ms: number; budget_ms: number } | null;
}

/** Whether a delivery is due now (pending and due, or its lease lapsed). */
export async function deliveriesDue(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ due: boolean }[]>`select exists (
    select 1 from public.webhook_deliveries
     where (status = 'pending' and next_attempt_at <= now())
        or (status = 'delivering' and lease_expires_at <= now())) as due`;
  return row.due;
}

export async function deliverDue(sql: Sql, options: DeliverOptions): Promise<DeliverReport> {
  const deadline = Date.now() + options.budgetMs;
  const totals: DeliverReport = { delivered: 0, failed_attempts: 0, stopped: "wall", cpu: null };
  const meter = options.cpuBudgetMs === undefined ? null : new CpuMeter({
    budgetMs: options.cpuBudgetMs,
    msPerUnit: options.cpuMsPerDelivery ?? 1,
  });
  let batches = 0;
  while (Date.now() < deadline) {
    // only the deliveries the CPU budget has room for; a run's first claim always goes (progress)
    const limit = meter && batches > 0
      ? Math.min(options.batchSize, meter.room())
      : options.batchSize;
    if (limit <= 0) {
      totals.stopped = "cpu_budget";
      break;
    }
    const rows = await sql`select * from private.claim_webhook_deliveries(${limit})`;
    if (rows.length === 0) {
      totals.stopped = "drained";
      break;
    }
    batches++;
    meter?.hold(rows.length);
    // a row that does not parse fails alone; the batch's other results are still recorded
    const results = await Promise.all(
      rows.map((row) => {
        const delivery = Delivery.safeParse(row);
        return delivery.success
          ? send(delivery.data, options.timeoutMs)
          : { id: String(row.id), ok: false, error: "the delivery could not be read" };
      }),
    );
    await sql`select private.record_webhook_deliveries(${jsonb(sql, results)})`
      .finally(() => meter?.finish(rows.length));
    for (const r of results) r.ok ? totals.delivered++ : totals.failed_attempts++;
  }
  totals.cpu = meter?.report() ?? null;
  return totals;
}
