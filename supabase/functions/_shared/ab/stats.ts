// Two-proportion z-test (pooled), with the normal tail from simple-statistics' error function.
// Mirrors public.two_proportion_p_value so the job can cross-check the SQL side.
import { errorFunction } from "simple-statistics";

export interface Proportion {
  /** Successes (engagements, clicks) and trials (engagement_base units). */
  x: number;
  n: number;
}

/** Two-sided P(|Z| >= |z|) for a standard normal Z. */
export function normalTwoSided(z: number): number {
  return Math.min(1, Math.max(0, 1 - errorFunction(Math.abs(z) / Math.SQRT2)));
}

/** z statistic of the pooled test; undefined where the SQL function gives null (no evidence). */
export function twoProportionZ(a: Proportion, b: Proportion): number | undefined {
  if (a.n <= 0 || b.n <= 0 || a.x < 0 || b.x < 0 || a.x > a.n || b.x > b.n) return undefined;
  const pooled = (a.x + b.x) / (a.n + b.n);
  if (pooled === 0 || pooled === 1) return undefined;
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  return (a.x / a.n - b.x / b.n) / se;
}

export function twoProportionPValue(a: Proportion, b: Proportion): number | undefined {
  const z = twoProportionZ(a, b);
  return z === undefined ? undefined : normalTwoSided(z);
}

/** One side of an A/B decision: its totals over `m` posts with metrics and ss = sum (x_i - rate x n_i)^2. */
export interface DecisionSide extends Proportion {
  m: number;
  ss: number;
}

/**
 * The A/B decision's two-sided p-value (private.ab_decision_p_value): each side's variance of its rate is the
 * larger of the binomial one plus a relative between-post spread a post, and the cluster-robust one from its
 * own posts (m >= 2). Undefined where the SQL function gives null.
 */
export function abDecisionPValue(
  a: DecisionSide,
  b: DecisionSide,
  spread: number,
): number | undefined {
  if (twoProportionZ(a, b) === undefined || a.m < 1 || b.m < 1 || !(spread >= 0)) return undefined;
  const pooled = (a.x + b.x) / (a.n + b.n);
  const variance = (side: DecisionSide) => {
    const prior = pooled * (1 - pooled) / side.n + (spread * pooled) ** 2 / side.m;
    return side.m >= 2 ? Math.max(prior, (side.m / (side.m - 1)) * side.ss / side.n ** 2) : prior;
  };
  return normalTwoSided((a.x / a.n - b.x / b.n) / Math.sqrt(variance(a) + variance(b)));
}
