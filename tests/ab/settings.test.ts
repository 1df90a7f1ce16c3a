// The A/B job's settings from its function secrets: defaults, overrides, and a secret out of range named.
import assert from "node:assert/strict";
import { settingsFromSecrets } from "../../supabase/functions/_shared/ab/settings.ts";
import { HttpError } from "../../supabase/functions/_shared/http-error.ts";

const env = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("no secrets: the documented defaults", () => {
  assert.deepEqual(settingsFromSecrets(env({})), {
    alpha: 0.05,
    max_days: 14,
    min_base: 1000,
    post_spread: 0.1,
  });
});

Deno.test("secrets override the defaults", () => {
  const settings = settingsFromSecrets(env({ AB_TEST_POST_SPREAD: "0", AB_TEST_ALPHA: "0.01" }));
  assert.equal(settings.post_spread, 0);
  assert.equal(settings.alpha, 0.01);
});

Deno.test("a secret that is not a number in its range is refused, naming the secret", () => {
  for (
    const [name, value] of [
      ["AB_TEST_POST_SPREAD", "-0.1"],
      ["AB_TEST_POST_SPREAD", "ten percent"],
      ["AB_TEST_ALPHA", "1"],
      ["AB_TEST_MAX_DAYS", "1.5"],
    ]
  ) {
    assert.throws(
      () => settingsFromSecrets(env({ [name]: value })),
      (error: unknown) =>
        error instanceof HttpError && error.status === 500 && error.message.includes(name),
      `${name}=${value}`,
    );
  }
});
