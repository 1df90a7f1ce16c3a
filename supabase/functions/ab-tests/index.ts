// Concludes A/B tests (service role; woken hourly by pg_cron). The decision is SQL's
// (private.conclude_ab_tests); the reply lists the concluded tests, each winner's distribution with
// its title and body for reuse, and a TypeScript cross-check of the p-values.
import { z } from "zod";
import { requireServiceRole } from "../_shared/auth.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { concludeAbTests } from "../_shared/ab/conclude.ts";

const envNumber = (name: string, fallback: number) => {
  const value = Number(Deno.env.get(name));
  return Number.isFinite(value) && Deno.env.get(name) ? value : fallback;
};

const AbRequest = z.object({
  alpha: z.number().gt(0).lt(1).optional(),
  max_days: z.number().int().min(1).max(365).optional(),
  min_base: z.number().int().min(0).optional(),
}).strict();

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  const body = await readOptionalJson(req, AbRequest);
  const reply = await concludeAbTests(db(), {
    alpha: body.alpha ?? envNumber("AB_TEST_ALPHA", 0.05),
    maxDays: body.max_days ?? envNumber("AB_TEST_MAX_DAYS", 14),
    minBase: body.min_base ?? envNumber("AB_TEST_MIN_BASE", 1000),
    tolerance: 1e-6,
  });
  return json(200, reply);
}));
