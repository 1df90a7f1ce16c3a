// Sends due webhook deliveries (claimed from public.webhook_deliveries) and records the results in one
// statement per batch. A 2xx is delivered; anything else is retried by the database's backoff.
// Endpoints are tenants' URLs: the shared client refuses internal destinations (net/egress.ts) on the
// first request and any redirect, only a small prefix of an answer is read, and the error recorded
// (readable by the tenant in last_error) names no address or port.
import { z } from "zod";
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
}

export async function deliverDue(
  sql: Sql,
  options: DeliverOptions,
): Promise<Record<string, number>> {
  const deadline = Date.now() + options.budgetMs;
  const totals = { delivered: 0, failed_attempts: 0 };
  while (Date.now() < deadline) {
    const rows = await sql`select * from private.claim_webhook_deliveries(${options.batchSize})`;
    if (rows.length === 0) break;
    // a row that does not parse fails alone; the batch's other results are still recorded
    const results = await Promise.all(
      rows.map((row) => {
        const delivery = Delivery.safeParse(row);
        return delivery.success
          ? send(delivery.data, options.timeoutMs)
          : { id: String(row.id), ok: false, error: "the delivery could not be read" };
      }),
    );
    await sql`select private.record_webhook_deliveries(${jsonb(sql, results)})`;
    for (const r of results) r.ok ? totals.delivered++ : totals.failed_attempts++;
  }
  return totals;
}
