// The metrics worker, woken every minute by pg_cron through pg_net (service role only). SQL decides
// which published posts are due (by age and each API's read budget); see _shared/metrics/.
import { z } from "zod";
import { requireServiceRole } from "../_shared/auth.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { VaultPlatformDirectory } from "../_shared/platforms/directory.ts";
import { DEFAULT_SYNC_OPTIONS, runMetricsSync } from "../_shared/metrics/sync.ts";

const MetricsRequest = z.object({
  budget_ms: z.number().int().min(0).max(140_000).optional(),
  batch_size: z.number().int().min(1).max(1000).optional(),
  per_platform: z.number().int().min(1).max(1000).optional(),
  lease_seconds: z.number().int().min(10).max(3600).optional(),
  concurrency: z.number().int().min(1).max(32).optional(),
}).strict();

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  const body = await readOptionalJson(req, MetricsRequest);
  const d = DEFAULT_SYNC_OPTIONS;
  const envBudget = Deno.env.get("METRICS_BUDGET_MS");
  const platforms = new VaultPlatformDirectory(db());
  const report = await runMetricsSync(db(), platforms, {
    ...d,
    budgetMs: body.budget_ms ?? (envBudget ? Number(envBudget) : d.budgetMs),
    batchSize: body.batch_size ?? d.batchSize,
    perPlatform: body.per_platform ?? d.perPlatform,
    leaseSeconds: body.lease_seconds ?? d.leaseSeconds,
    concurrency: body.concurrency ?? d.concurrency,
  });
  return json(200, report);
}));
