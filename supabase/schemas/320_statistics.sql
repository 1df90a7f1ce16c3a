-- Statistics helpers for the reports and A/B tests (normal CDF, two-proportion p-value, the A/B decision's p-value).

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION public.normal_cdf(z double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select case when z >= 0 then 1 - 0.5 * public.normal_two_sided_p(z) else 0.5 * public.normal_two_sided_p(z) end
$$;

COMMENT ON FUNCTION public.normal_cdf(z double precision) IS 'Standard normal cumulative distribution function Phi(z) (erfc approximation, relative error < 1.2e-7).';

REVOKE ALL ON FUNCTION public.normal_cdf(z double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION public.normal_cdf(z double precision) TO authenticated;
GRANT ALL ON FUNCTION public.normal_cdf(z double precision) TO service_role;

CREATE FUNCTION public.normal_two_sided_p(z double precision) RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
-- PL/pgSQL rather than SQL: a SQL function with SET is never inlined and costs about 20 times more a call, which the
-- report views pay once per row (pattern_lift, ab_test_results).
declare
  x double precision := abs(z) / sqrt(2.0::double precision);
  t double precision := 1.0 / (1.0 + 0.5 * x);
begin
  if x > 26 then
    return 0;  -- exp() would underflow; erfc(26) < 1e-295
  end if;
  return t * exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
           + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
end
$$;

COMMENT ON FUNCTION public.normal_two_sided_p(z double precision) IS 'Two-sided tail probability of the standard normal: P(|Z| >= |z|) = erfc(|z| / sqrt 2) (relative error < 1.2e-7).';

REVOKE ALL ON FUNCTION public.normal_two_sided_p(z double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION public.normal_two_sided_p(z double precision) TO authenticated;
GRANT ALL ON FUNCTION public.normal_two_sided_p(z double precision) TO service_role;

CREATE FUNCTION public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric) RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
-- PL/pgSQL for the same reason as normal_two_sided_p: the report views call it once or twice a row.
declare
  p numeric;
begin
  if n1 is null or n2 is null or x1 is null or x2 is null or n1 <= 0 or n2 <= 0
     or x1 < 0 or x2 < 0 or x1 > n1 or x2 > n2 or (x1 + x2) = 0 or (x1 + x2) = (n1 + n2) then
    return null;
  end if;
  p := (x1 + x2) / (n1 + n2);
  return public.normal_two_sided_p(((x1 / n1) - (x2 / n2))::double precision
                                   / sqrt((p * (1 - p) * (1 / n1 + 1 / n2))::double precision));
end
$$;

COMMENT ON FUNCTION public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric) IS 'Two-sided p-value of the pooled two-proportion z-test (x1 of n1 vs x2 of n2). Treats every unit of the denominator (impression, view, delivered email) as an independent trial.';

REVOKE ALL ON FUNCTION public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric) TO authenticated;
GRANT ALL ON FUNCTION public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric) TO service_role;

CREATE FUNCTION private.ab_decision_p_value(x1 numeric, n1 numeric, m1 integer, ss1 numeric, x2 numeric, n2 numeric, m2 integer, ss2 numeric, spread numeric) RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
-- The pooled test treats every unit of audience as an independent trial, so it cannot see that two posts of the
-- same content differ (slot, feed, audience of the day): with large audiences it calls that difference
-- significant. Here each side's variance of its rate is the larger of
--   the binomial variance plus a between-post spread (spread x the pooled rate, a relative standard deviation
--   a post, divided over the side's m posts), and
--   the cluster-robust variance from the side's own posts, m / (m - 1) x ss / n^2, where
--   ss = sum over its posts of (x_i - rate x n_i)^2 (m >= 2; one post says nothing about the spread).
declare
  p numeric;
  v1 double precision;
  v2 double precision;
begin
  -- no evidence where the pooled test has none, or without posts or a spread
  if public.two_proportion_p_value(x1, n1, x2, n2) is null or m1 is null or m2 is null or spread is null
     or m1 < 1 or m2 < 1 or spread < 0 then
    return null;
  end if;
  p := (x1 + x2) / (n1 + n2);
  v1 := (p * (1 - p) / n1 + (spread * p) ^ 2 / m1)::double precision;
  v2 := (p * (1 - p) / n2 + (spread * p) ^ 2 / m2)::double precision;
  if m1 >= 2 and ss1 is not null then
    v1 := greatest(v1, (m1::numeric / (m1 - 1) * ss1 / (n1 * n1))::double precision);
  end if;
  if m2 >= 2 and ss2 is not null then
    v2 := greatest(v2, (m2::numeric / (m2 - 1) * ss2 / (n2 * n2))::double precision);
  end if;
  return public.normal_two_sided_p(((x1 / n1) - (x2 / n2))::double precision / sqrt(v1 + v2));
end
$$;

COMMENT ON FUNCTION private.ab_decision_p_value(x1 numeric, n1 numeric, m1 integer, ss1 numeric, x2 numeric, n2 numeric, m2 integer, ss2 numeric, spread numeric) IS 'Two-sided p-value of the A/B decision: x1 of n1 over m1 posts (ss1: sum of (x_i - rate x n_i)^2 over them) against x2 of n2 over m2 posts, each side''s variance the larger of binomial plus a relative between-post spread and the cluster-robust variance of its own posts. Null where two_proportion_p_value is null.';

REVOKE ALL ON FUNCTION private.ab_decision_p_value(x1 numeric, n1 numeric, m1 integer, ss1 numeric, x2 numeric, n2 numeric, m2 integer, ss2 numeric, spread numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION private.ab_decision_p_value(x1 numeric, n1 numeric, m1 integer, ss1 numeric, x2 numeric, n2 numeric, m2 integer, ss2 numeric, spread numeric) TO service_role;
