-- Claims respect the per-platform batch size and the kind's read budget, and skip platforms needing reconnection.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(5);
select tests.create_two_clients();
update distributions set metrics_next_sync_at = null;  -- the fixture's posts are out of the way

insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x'),
  ('00000000-0000-4000-8000-0000000000b1', tests.fx('B', 'client'), 'X B', 'x'),
  ('00000000-0000-4000-8000-0000000000a2', tests.fx('A', 'client'), 'LinkedIn A', 'linkedin');
update metrics_read_budgets set max_reads = 3, per = interval '15 minutes', scope = 'app' where kind = 'x';

insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at, external_id)
select c, p, 'manual', 'x', 'published', now() - interval '1 hour', now() - interval '1 hour', 'e' || i
from (values (tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000000a1'::uuid),
             (tests.fx('B', 'client'), '00000000-0000-4000-8000-0000000000b1'::uuid),
             (tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000000a2'::uuid)) v (c, p),
     generate_series(1, 4) i;
update platforms set needs_reconnection = true where id = '00000000-0000-4000-8000-0000000000a2';

create temp table c1 as select * from private.claim_metrics_due(100, 2, 300);
select is((select count(*)::int from c1 where platform_kind = 'x'), 3,
  'X is an app-scoped budget of 3 reads: 2 on the first X platform (batch size), 1 on the second');
select is((select max(n)::int from (select count(*) n from c1 group by platform_id) s), 2,
  'no platform gets more than p_per_platform rows');
select is((select count(*)::int from c1 where platform_kind = 'linkedin'), 0,
  'a platform that needs reconnection is skipped');
select is((select count(*)::int from private.claim_metrics_due(100, 2, 300)), 0,
  'the X budget is spent for this window');
update platforms set needs_reconnection = false where id = '00000000-0000-4000-8000-0000000000a2';
select is((select count(*)::int from private.claim_metrics_due(100, 10, 300)), 4,
  'once reconnected, its due posts are claimed');

select * from finish();
rollback;
