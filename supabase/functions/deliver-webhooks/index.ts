// Delivers outbound webhooks (service role only): woken after status changes and by a cron sweep. A
// run that stops at its CPU budget while deliveries are still due hands them to a successor
// (_shared/handover.ts).
import { z } from "zod";
import { requireServiceRole } from "../_shared/auth.ts";
import { DEFAULT_CPU_BUDGET_MS, envNumber } from "../_shared/cpu-budget.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { handOver, HandoverRequest } from "../_shared/handover.ts";
import { deliverDue, deliveriesDue } from "../_shared/webhooks/deliver.ts";

const DeliverRequest = z.strictObject({
  batch_size: z.number().int().min(1).max(500).optional(),
  cpu_ms_per_delivery: z.number().min(0.001).max(1000).optional(),
  ...HandoverRequest,
});

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  const body = await readOptionalJson(req, DeliverRequest);
  const totals = await deliverDue(db(), {
    budgetMs: 25_000,
    batchSize: body.batch_size ?? 50,
    timeoutMs: 10_000,
    cpuBudgetMs: body.cpu_budget_ms ?? envNumber("WEBHOOKS_CPU_BUDGET_MS") ?? DEFAULT_CPU_BUDGET_MS,
    cpuMsPerDelivery: body.cpu_ms_per_delivery ?? envNumber("WEBHOOKS_CPU_MS_PER_DELIVERY") ?? 1,
  });
  const handover = await handOver(db(), {
    name: "deliver-webhooks",
    body,
    stopped: totals.stopped,
    due: () => deliveriesDue(db()),
    timeoutMs: 30_000,
  });
  return json(200, { ...totals, handover });
}));
