// Delivers outbound webhooks (service role only): woken after status changes and by a cron sweep.
import { z } from "zod";
import { requireServiceRole } from "../_shared/auth.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { deliverDue } from "../_shared/webhooks/deliver.ts";

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  await readOptionalJson(req, z.strictObject({})); // no options: any field is unknown
  const totals = await deliverDue(db(), { budgetMs: 25_000, batchSize: 50, timeoutMs: 10_000 });
  return json(200, totals);
}));
