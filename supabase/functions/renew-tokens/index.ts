// Renews OAuth 2.0 access tokens before they expire (service role; woken hourly by pg_cron).
// Tokens expiring within the window are renewed under each platform's credential lock; a refused
// refresh flags the platform needs_reconnection, which queues platform.reconnection_needed
// (_shared/platforms/token-renewal.ts). Bounded per run: a platform cap and the CPU budget; what is
// left waits for the next run (the window is far wider than the cron interval).
import { z } from "zod";
import { requireServiceRole } from "../_shared/auth.ts";
import { CpuMeter, DEFAULT_CPU_BUDGET_MS, envNumber } from "../_shared/cpu-budget.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { renewExpiringTokens } from "../_shared/platforms/token-renewal.ts";

const RenewRequest = z.strictObject({
  /** Renew tokens expiring within this many seconds (default a day). */
  within_seconds: z.number().int().min(60).max(30 * 24 * 3600).optional(),
  limit: z.number().int().min(1).max(500).optional(),
  cpu_budget_ms: z.number().min(1).max(10_000).optional(),
});

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  const body = await readOptionalJson(req, RenewRequest);
  const meter = new CpuMeter({
    budgetMs: body.cpu_budget_ms ?? envNumber("RENEW_TOKENS_CPU_BUDGET_MS") ??
      DEFAULT_CPU_BUDGET_MS,
    msPerUnit: 5,
  });
  const report = await renewExpiringTokens(db(), {
    withinSeconds: body.within_seconds ?? envNumber("RENEW_TOKENS_WITHIN_SECONDS") ?? 24 * 3600,
    limit: body.limit ?? 50,
    meter,
  });
  return json(200, { ...report, cpu: meter.report() });
}));
