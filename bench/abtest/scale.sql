-- One size of bench/abtest/scale.sh: :groups tests on empty tables; prints posts, first and repeated
-- evaluation in milliseconds.
truncate public.clients cascade;
insert into public.clients (id, name) values ('11111111-1111-4111-8111-111111111111', 'ab scale');
insert into public.platforms (id, client_id, name, kind)
select ('22222222-2222-4222-8222-' || lpad(i::text, 12, '0'))::uuid, '11111111-1111-4111-8111-111111111111',
       'platform ' || i, 'x'
from generate_series(1, 20) i;
-- Rates 4-6% on 5,000 impressions a post: most tests stay running, as most do in their first days.
insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at,
                                  external_id, variant_group, is_control, platform_specific, impressions, engagements)
select '11111111-1111-4111-8111-111111111111',
       ('22222222-2222-4222-8222-' || lpad((1 + g % 20)::text, 12, '0'))::uuid, 'manual', 'post', 'published',
       now() - interval '2 days' - make_interval(hours => p), now() - interval '2 days' - make_interval(hours => p),
       'ab-' || g || '-' || v || '-' || p, 'test ' || g, v = 0,
       jsonb_build_object('variant', case when v = 0 then 'control' else 'b' end), 5000, 200 + (random() * 100)::int
from generate_series(1, :groups) g, generate_series(0, 1) v, generate_series(0, 2) p;
analyze public.distributions;
analyze public.ab_test_result_rollups;
create temp table timing (posts bigint, first_ms numeric, again_ms numeric);
do $$
declare
  t0 timestamptz;
  first_ms numeric;
begin
  t0 := clock_timestamp();
  perform count(*) from private.conclude_ab_tests();
  first_ms := extract(epoch from clock_timestamp() - t0) * 1000;
  t0 := clock_timestamp();
  perform count(*) from private.conclude_ab_tests();
  insert into timing select (select count(*) from public.distributions), round(first_ms),
                            round(extract(epoch from clock_timestamp() - t0) * 1000);
end
$$;
select posts, first_ms, again_ms from timing;
