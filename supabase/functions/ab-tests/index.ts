// Concludes A/B tests (service role; woken hourly by pg_cron). The decision is SQL's
// (private.conclude_ab_tests); the reply lists the concluded tests, each winner's distribution with
// its title and body for reuse, and a TypeScript cross-check of the p-values.
import { z } from "zod";
import { requireServiceRole } from "../_shared/auth.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { HttpError } from "../_shared/http-error.ts";
import { concludeAbTests } from "../_shared/ab/conclude.ts";

const AbSettings = z.object({
  alpha: z.number().gt(0).lt(1),
  max_days: z.number().int().min(1).max(365),
  min_base: z.number().int().min(0),
  post_spread: z.number().min(0).max(1),
}).strict();
type AbSettings = z.infer<typeof AbSettings>;

/** Each setting's function secret and its default. */
const SECRETS: Record<keyof AbSettings, [string, number]> = {
  alpha: ["AB_TEST_ALPHA", 0.05],
  max_days: ["AB_TEST_MAX_DAYS", 14],
  min_base: ["AB_TEST_MIN_BASE", 1000],
  post_spread: ["AB_TEST_POST_SPREAD", 0.1],
};

/** The settings from the function's secrets; a secret out of its range is the operator's error (500). */
function settingsFromSecrets(): AbSettings {
  const raw = Object.fromEntries(
    Object.entries(SECRETS).map(([key, [name, fallback]]) => {
      const value = Deno.env.get(name);
      return [key, value ? Number(value) : fallback];
    }),
  );
  const parsed = AbSettings.safeParse(raw);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((issue) => SECRETS[issue.path[0] as keyof AbSettings][0]);
  throw new HttpError(500, `function secrets out of range: ${fields.join(", ")}`);
}

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  const body = await readOptionalJson(req, AbSettings.partial());
  const settings = { ...settingsFromSecrets(), ...body };
  const reply = await concludeAbTests(db(), {
    alpha: settings.alpha,
    maxDays: settings.max_days,
    minBase: settings.min_base,
    postSpread: settings.post_spread,
    tolerance: 1e-6,
  });
  return json(200, reply);
}));
