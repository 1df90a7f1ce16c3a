-- Metrics sync cadence by post age: every 15 min to 6 h, hourly to 48 h, daily to 30 days, then never; a
-- platform's own policy rows replace the global ones; claim_metrics_due returns what is due and leases it.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(11);
select tests.create_two_clients();

create temp table t (k text primary key, p timestamptz);
insert into t values ('p', timestamptz '2026-03-01 12:00:00+00');

select is(private.metrics_next_sync_at(tests.fx('A', 'platform'), tests.fx('A', 'client'), (select p from t), null),
  (select p from t) + interval '15 minutes', 'first read 15 minutes after publishing');
select is(private.metrics_next_sync_at(tests.fx('A', 'platform'), tests.fx('A', 'client'), (select p from t),
                                       (select p from t) + interval '3 hours'),
  (select p from t) + interval '3 hours 15 minutes', 'a post younger than 6 h: every 15 minutes');
select is(private.metrics_next_sync_at(tests.fx('A', 'platform'), tests.fx('A', 'client'), (select p from t),
                                       (select p from t) + interval '10 hours'),
  (select p from t) + interval '11 hours', 'a post between 6 h and 48 h: hourly');
select is(private.metrics_next_sync_at(tests.fx('A', 'platform'), tests.fx('A', 'client'), (select p from t),
                                       (select p from t) + interval '3 days'),
  (select p from t) + interval '4 days', 'a post between 48 h and 30 days: daily');
select is(private.metrics_next_sync_at(tests.fx('A', 'platform'), tests.fx('A', 'client'), (select p from t),
                                       (select p from t) + interval '31 days'),
  null, 'a post older than 30 days is no longer synced');

insert into metrics_sync_policy (client_id, platform_id, max_age, sync_every)
values (tests.fx('A', 'client'), tests.fx('A', 'platform'), interval '1 day', interval '5 minutes');
select is(private.metrics_next_sync_at(tests.fx('A', 'platform'), tests.fx('A', 'client'), (select p from t),
                                       (select p from t) + interval '10 hours'),
  (select p from t) + interval '10 hours 5 minutes', 'a platform override replaces the global tiers');
select is(private.metrics_next_sync_at(tests.fx('A', 'platform'), tests.fx('A', 'client'), (select p from t),
                                       (select p from t) + interval '2 days'),
  null, '... including where the override ends');
select is(private.metrics_next_sync_at(tests.fx('B', 'platform'), tests.fx('B', 'client'), (select p from t),
                                       (select p from t) + interval '10 hours'),
  (select p from t) + interval '11 hours', 'other platforms keep the global tiers');
delete from metrics_sync_policy where platform_id = tests.fx('A', 'platform');

-- Three posts: too young, due (published an hour ago, never read), read five minutes ago.
insert into distributions (id, client_id, platform_id, content_type, body, status, scheduled_for, published_at,
                           external_id, metrics_synced_at) values
  ('00000000-0000-4000-8000-00000000c001', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x',
   'published', now() - interval '1 minute', now() - interval '1 minute', 'young', null),
  ('00000000-0000-4000-8000-00000000c002', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x',
   'published', now() - interval '1 hour', now() - interval '1 hour', 'due', null),
  ('00000000-0000-4000-8000-00000000c003', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x',
   'published', now() - interval '1 hour', now() - interval '1 hour', 'fresh', now() - interval '5 minutes');

select tests.authenticate_as_service_role();
create temp table claimed as select * from private.claim_metrics_due(100, 50, 300);
select tests.clear_authentication();
select set_eq($$ select distribution_id from claimed where platform_id = tests.fx('A', 'platform') $$,
  array[tests.fx('A', 'distribution'), '00000000-0000-4000-8000-00000000c002'::uuid],
  'claimed: the unread hour-old post and the fixture''s, not the one-minute-old one nor the one read 5 minutes ago');
select ok((select bool_and(lease_until > now() and platform_kind = 'wordpress' and external_id is not null) from claimed),
  'claimed rows carry a lease, the platform kind and the external id');
select is((select count(*)::int from private.claim_metrics_due(100, 50, 300)), 0,
  'a leased row is not claimed again');

select * from finish();
rollback;
