-- A live worker extends the leases of the rows it is still sending: only rows of its own attempt, still
-- publishing, and never to an earlier time; a row whose lease is extended is not reclaimed.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(7);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, posts_per_hour, posts_per_day, min_interval_minutes) values
  ('00000000-0000-4000-8000-0000000534a1', tests.fx('A', 'client'), 'Heartbeat', 'x', null, null, 0);
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for)
select tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-0000000534a1', 'beat ' || g, 'scheduled',
       now() - interval '1 minute' * g
from generate_series(1, 3) g;
create temp table claimed as select * from private.claim_due_distributions(10, 60);
select is((select count(*)::int from claimed), 3, 'a worker holds three rows');

-- the worker's claims: [{id, attempt_id}] of the rows it holds
create function pg_temp.claims(p_where text) returns jsonb language plpgsql as $$
declare v jsonb;
begin
  execute format('select jsonb_agg(jsonb_build_object(''id'', id, ''attempt_id'', attempt_id)) from claimed where %s',
                 p_where) into v;
  return v;
end $$;

-- as if the claims were almost spent
update distributions set lease_expires_at = now() + interval '5 seconds'
where platform_id = '00000000-0000-4000-8000-0000000534a1';
-- one row was recorded meanwhile, one was taken over by another worker (a new attempt id)
update distributions set status = 'published', published_at = now(), attempt_id = null, lease_expires_at = null,
  attempt_started_at = null
where id = (select id from claimed where body = 'beat 1');
update distributions set attempt_id = gen_random_uuid() where id = (select id from claimed where body = 'beat 2');

select is((select array_agg(e) from private.extend_publish_leases(pg_temp.claims('true'), 60) e),
  array[(select id from claimed where body = 'beat 3')],
  'only the row still held by the same attempt is extended');
select is((select lease_expires_at from distributions where id = (select id from claimed where body = 'beat 3')),
  now() + interval '60 seconds', 'its lease runs a whole lease from now');
select is((select lease_expires_at from distributions where id = (select id from claimed where body = 'beat 2')),
  now() + interval '5 seconds', 'the row another worker took over keeps that worker''s lease');
select is((select count(*)::int from private.extend_publish_leases(pg_temp.claims('body = ''beat 3'''), 10) e), 1,
  'a shorter extension is accepted');
select is((select lease_expires_at from distributions where id = (select id from claimed where body = 'beat 3')),
  now() + interval '60 seconds', '... and never brings a lease forward');

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select throws_ok($$ select private.extend_publish_leases('[]'::jsonb, 60) $$, '42501', null,
  'a signed-in user cannot extend leases (service role only)');

select * from finish();
rollback;
