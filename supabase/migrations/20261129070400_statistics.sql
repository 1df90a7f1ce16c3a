-- Statistics for the report views (A/B results, pattern lift) and the A/B conclusion job: the standard normal
-- CDF and the two-sided p-value of a two-proportion z-test. In schema public so security-invoker views can call
-- them as the querying role; they read no table.

-- erfc by the Chebyshev fit of Numerical Recipes (erfcc; fractional error < 1.2e-7 everywhere, so small
-- p-values keep their relative accuracy). Phi(z) = erfc(-z / sqrt 2) / 2; two-sided p = erfc(|z| / sqrt 2).
create or replace function public.normal_two_sided_p(z double precision)
returns double precision
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select case when x > 26 then 0::double precision  -- exp() would underflow; erfc(26) < 1e-295
  else t * exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
           + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))) end
  from (select abs(z) / sqrt(2.0::double precision) as x) a,
       lateral (select 1.0 / (1.0 + 0.5 * a.x) as t) b
$$;

comment on function public.normal_two_sided_p(double precision) is
  'Two-sided tail probability of the standard normal: P(|Z| >= |z|) = erfc(|z| / sqrt 2) (relative error < 1.2e-7).';

create or replace function public.normal_cdf(z double precision)
returns double precision
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select case when z >= 0 then 1 - 0.5 * public.normal_two_sided_p(z) else 0.5 * public.normal_two_sided_p(z) end
$$;

comment on function public.normal_cdf(double precision) is
  'Standard normal cumulative distribution function Phi(z) (erfc approximation, relative error < 1.2e-7).';

-- Two-sided p-value of the pooled two-proportion z-test of x1/n1 against x2/n2 (successes / trials). Null when a
-- sample is empty, a count exceeds its trials, or the pooled proportion is 0 or 1 (no variance: no evidence).
create or replace function public.two_proportion_p_value(x1 numeric, n1 numeric, x2 numeric, n2 numeric)
returns double precision
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when n1 is null or n2 is null or x1 is null or x2 is null or n1 <= 0 or n2 <= 0
      or x1 < 0 or x2 < 0 or x1 > n1 or x2 > n2 then null
    when (x1 + x2) = 0 or (x1 + x2) = (n1 + n2) then null
    else public.normal_two_sided_p(
      ((x1 / n1) - (x2 / n2))::double precision
      / sqrt((((x1 + x2) / (n1 + n2)) * (1 - (x1 + x2) / (n1 + n2)) * (1 / n1 + 1 / n2))::double precision))
  end
$$;

comment on function public.two_proportion_p_value(numeric, numeric, numeric, numeric) is
  'Two-sided p-value of the pooled two-proportion z-test (x1 of n1 vs x2 of n2). Treats every unit of the '
  'denominator (impression, view, delivered email) as an independent trial.';

revoke execute on function public.normal_two_sided_p(double precision), public.normal_cdf(double precision),
  public.two_proportion_p_value(numeric, numeric, numeric, numeric) from public, anon;
grant execute on function public.normal_two_sided_p(double precision), public.normal_cdf(double precision),
  public.two_proportion_p_value(numeric, numeric, numeric, numeric) to authenticated, service_role;
