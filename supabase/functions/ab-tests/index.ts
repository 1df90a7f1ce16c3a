// Concludes A/B tests (service role; woken hourly by pg_cron). The decision is SQL's
// (private.conclude_ab_tests); the reply lists the concluded tests, each winner's distribution with
// its title and body for reuse, and a TypeScript cross-check of the p-values.
import { requireServiceRole } from "../_shared/auth.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { concludeAbTests } from "../_shared/ab/conclude.ts";
import { AbSettings, settingsFromSecrets } from "../_shared/ab/settings.ts";

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  const body = await readOptionalJson(req, AbSettings.partial());
  const settings = { ...settingsFromSecrets((name) => Deno.env.get(name)), ...body };
  const reply = await concludeAbTests(db(), {
    alpha: settings.alpha,
    maxDays: settings.max_days,
    minBase: settings.min_base,
    postSpread: settings.post_spread,
    tolerance: 1e-6,
  });
  return json(200, reply);
}));
