// Processes distribution requests (service role only): woken by the generated_content trigger
// through pg_net, and called by the cron sweep, so a lost wake-up only delays. Each pending request
// is scheduled with `optimize` through the same code as POST /functions/v1/schedule.
import { z } from "zod";
import { requireServiceRole } from "../_shared/auth.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { schedulingDeps } from "../_shared/scheduling/deps.ts";
import { processPendingRequests } from "../_shared/scheduling/processor.ts";

const ProcessRequest = z.strictObject({
  limit: z.number().int().min(1).max(500).default(50),
  /** The request whose insert woke this run (the trigger names it); every pending one is processed. */
  request_id: z.uuid().optional(),
});

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  const { limit } = await readOptionalJson(req, ProcessRequest);
  const processed = await processPendingRequests(db(), schedulingDeps(), limit);
  return json(200, { processed });
}));
