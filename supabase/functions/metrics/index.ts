// The metrics worker, woken every minute by pg_cron through pg_net (service role only). SQL decides
// which published posts are due (by age and each API's read budget); see _shared/metrics/. A run that
// stops at its CPU budget while reads are still due hands them to a successor (_shared/handover.ts).
import { z } from "zod";
import { requireServiceRole } from "../_shared/auth.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { VaultPlatformDirectory } from "../_shared/platforms/directory.ts";
import { DEFAULT_SYNC_OPTIONS, runMetricsSync } from "../_shared/metrics/sync.ts";
import { nextMetricsDue } from "../_shared/metrics/queue.ts";
import { envNumber } from "../_shared/cpu-budget.ts";
import { handOver, HandoverRequest } from "../_shared/handover.ts";

const MetricsRequest = z.object({
  budget_ms: z.number().int().min(0).max(140_000).optional(),
  batch_size: z.number().int().min(1).max(1000).optional(),
  per_platform: z.number().int().min(1).max(1000).optional(),
  lease_seconds: z.number().int().min(10).max(3600).optional(),
  concurrency: z.number().int().min(1).max(32).optional(),
  cpu_ms_per_read: z.number().min(0.001).max(1000).optional(),
  ...HandoverRequest,
}).strict();

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  const body = await readOptionalJson(req, MetricsRequest);
  const d = DEFAULT_SYNC_OPTIONS;
  const platforms = new VaultPlatformDirectory(db());
  const report = await runMetricsSync(db(), platforms, {
    ...d,
    budgetMs: body.budget_ms ?? envNumber("METRICS_BUDGET_MS") ?? d.budgetMs,
    batchSize: body.batch_size ?? d.batchSize,
    perPlatform: body.per_platform ?? d.perPlatform,
    leaseSeconds: body.lease_seconds ?? d.leaseSeconds,
    concurrency: body.concurrency ?? d.concurrency,
    cpuBudgetMs: body.cpu_budget_ms ?? envNumber("METRICS_CPU_BUDGET_MS") ?? d.cpuBudgetMs,
    cpuMsPerRead: body.cpu_ms_per_read ?? envNumber("METRICS_CPU_MS_PER_READ") ?? d.cpuMsPerRead,
  });
  const handover = await handOver(db(), {
    name: "metrics",
    body,
    stopped: report.stopped,
    due: async () => {
      const due = await nextMetricsDue(db());
      return due !== null && due.getTime() <= Date.now();
    },
    timeoutMs: 65_000,
  });
  return json(200, { ...report, handover });
}));
