// Two-proportion z-test in TypeScript against published values.
import assert from "node:assert/strict";
import {
  normalTwoSided,
  twoProportionPValue,
  twoProportionZ,
} from "../../supabase/functions/_shared/ab/stats.ts";

const close = (actual: number | undefined, expected: number, tol: number, what: string) =>
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= tol,
    `${what}: ${actual} vs ${expected}`,
  );

Deno.test("normal tail matches the standard table's critical values", () => {
  close(normalTwoSided(1.959964), 0.05, 1e-6, "z 1.96");
  close(normalTwoSided(2.575829), 0.01, 1e-6, "z 2.576");
  close(normalTwoSided(3.290527), 0.001, 1e-6, "z 3.29");
  close(normalTwoSided(1.644854), 0.10, 1e-6, "z 1.645");
  close(normalTwoSided(0), 1, 1e-9, "z 0");
});

Deno.test("two-proportion z-test: worked textbook example", () => {
  // Pooled test of 200/1000 versus 250/1000: p = 0.225, SE = sqrt(0.225 * 0.775 * (2/1000)) = 0.018675,
  // z = -0.05 / 0.018675 = -2.6774, two-sided p = 0.00742.
  close(twoProportionZ({ x: 200, n: 1000 }, { x: 250, n: 1000 }), -2.6774, 1e-4, "z");
  close(twoProportionPValue({ x: 200, n: 1000 }, { x: 250, n: 1000 }), 0.00742, 1e-5, "p");
  // Equal proportions: z = 0, p = 1.
  close(twoProportionPValue({ x: 30, n: 300 }, { x: 60, n: 600 }), 1, 1e-9, "A/A");
});

Deno.test("no variance or empty samples give no p-value (as the SQL function's null)", () => {
  assert.equal(twoProportionPValue({ x: 0, n: 100 }, { x: 0, n: 100 }), undefined);
  assert.equal(twoProportionPValue({ x: 5, n: 0 }, { x: 1, n: 10 }), undefined);
  assert.equal(twoProportionPValue({ x: 11, n: 10 }, { x: 1, n: 10 }), undefined);
});
