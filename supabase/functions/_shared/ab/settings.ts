// The A/B job's settings: each from its function secret (or its default), overridden per request by the
// body's field of the same name. Both are checked against the same ranges.
import { z } from "zod";
import { HttpError } from "../http-error.ts";

export const AbSettings = z.object({
  alpha: z.number().gt(0).lt(1),
  max_days: z.number().int().min(1).max(365),
  min_base: z.number().int().min(0),
  post_spread: z.number().min(0).max(1),
}).strict();
export type AbSettings = z.infer<typeof AbSettings>;

/** Each setting's function secret and its default. */
const SECRETS: Record<keyof AbSettings, [string, number]> = {
  alpha: ["AB_TEST_ALPHA", 0.05],
  max_days: ["AB_TEST_MAX_DAYS", 14],
  min_base: ["AB_TEST_MIN_BASE", 1000],
  post_spread: ["AB_TEST_POST_SPREAD", 0.1],
};

/** The settings from the function's secrets; a secret that is not a number in its range is the operator's
 * error (500, naming the secret), never silently replaced by its default. */
export function settingsFromSecrets(env: (name: string) => string | undefined): AbSettings {
  const raw = Object.fromEntries(
    Object.entries(SECRETS).map(([key, [name, fallback]]) => {
      const value = env(name);
      return [key, value === undefined || value.trim() === "" ? fallback : Number(value)];
    }),
  );
  const parsed = AbSettings.safeParse(raw);
  if (parsed.success) return parsed.data;
  const names = parsed.error.issues.map((issue) => SECRETS[issue.path[0] as keyof AbSettings][0]);
  throw new HttpError(500, `function secrets out of range: ${[...new Set(names)].join(", ")}`);
}
