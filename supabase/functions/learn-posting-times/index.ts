// Refreshes every active platform's learned posting times (platform_patterns timing /
// optimal_posting_times) from pattern_feedback. Woken hourly by pg_cron (service role only).
import { z } from "zod";
import { requireServiceRole } from "../_shared/auth.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { cryptoRandom, seededRandom } from "../_shared/learning/random.ts";
import { refreshPostingTimes } from "../_shared/learning/refresh.ts";

const LearnRequest = z.object({
  /** Seed for the exploration draws (tests); absent: cryptographic randomness. */
  seed: z.number().int().optional(),
  min_age_hours: z.number().min(0).max(24 * 30).optional(),
  lookback_days: z.number().int().min(1).max(730).optional(),
  min_observations: z.number().int().min(0).max(10_000).optional(),
}).strict();

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  const body = await readOptionalJson(req, LearnRequest);
  const report = await refreshPostingTimes(db(), {
    minAgeHours: body.min_age_hours ?? 48,
    lookbackDays: body.lookback_days ?? 180,
    minObservations: body.min_observations ?? 10,
    random: body.seed === undefined ? cryptoRandom() : seededRandom(body.seed),
  });
  return json(200, report);
}));
