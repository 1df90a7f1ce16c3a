-- platform_health says when a platform's own limits next allow a post and which limit holds it, as the claim
-- applies them: a due row on a held platform is left in the queue, one on a free platform is claimed.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(9);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, posts_per_hour, posts_per_day, min_interval_minutes) values
  ('00000000-0000-4000-8000-0000000533a1', tests.fx('A', 'client'), 'Spaced', 'x', null, null, 60),
  ('00000000-0000-4000-8000-0000000533a2', tests.fx('A', 'client'), 'Hourly', 'linkedin', 2, null, 0),
  ('00000000-0000-4000-8000-0000000533a3', tests.fx('A', 'client'), 'Daily', 'wordpress', null, 3, 0),
  ('00000000-0000-4000-8000-0000000533a4', tests.fx('A', 'client'), 'Both', 'x', 1, null, 30),
  ('00000000-0000-4000-8000-0000000533a5', tests.fx('A', 'client'), 'Free', 'x', 5, 10, 15),
  ('00000000-0000-4000-8000-0000000533a6', tests.fx('A', 'client'), 'Every two days', 'youtube', null, null, 2880);
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for, published_at)
select tests.fx('A', 'client'), 'manual', v.platform_id::uuid, v.body, 'published', now() - v.ago, now() - v.ago
from (values
  ('00000000-0000-4000-8000-0000000533a1', 'spaced', interval '10 minutes'),
  ('00000000-0000-4000-8000-0000000533a2', 'hourly 1', interval '50 minutes'),
  ('00000000-0000-4000-8000-0000000533a2', 'hourly 2', interval '20 minutes'),
  ('00000000-0000-4000-8000-0000000533a3', 'daily 1', interval '23 hours'),
  ('00000000-0000-4000-8000-0000000533a3', 'daily 2', interval '10 hours'),
  ('00000000-0000-4000-8000-0000000533a3', 'daily 3', interval '5 hours'),
  ('00000000-0000-4000-8000-0000000533a3', 'daily, a day ago', interval '25 hours'),
  ('00000000-0000-4000-8000-0000000533a4', 'both', interval '20 minutes'),
  ('00000000-0000-4000-8000-0000000533a5', 'free', interval '30 minutes'),
  ('00000000-0000-4000-8000-0000000533a6', 'two days', interval '30 hours')
) as v (platform_id, body, ago);

-- (limits_allow_at, limited_by) of one platform
create function pg_temp.hold(p_id text) returns text language sql as $$
  select (limits_allow_at, limited_by)::text from public.platform_health where platform_id = p_id::uuid
$$;

select is(pg_temp.hold('00000000-0000-4000-8000-0000000533a1'),
  (now() + interval '50 minutes', 'min_interval_minutes (60)')::text,
  'min_interval_minutes: the interval after the latest post');
select is(pg_temp.hold('00000000-0000-4000-8000-0000000533a2'),
  (now() + interval '10 minutes', 'posts_per_hour (2)')::text,
  'posts_per_hour: an hour after the oldest of the posts that fill the hour');
select is(pg_temp.hold('00000000-0000-4000-8000-0000000533a3'),
  (now() + interval '1 hour', 'posts_per_day (3)')::text,
  'posts_per_day: 24 hours after the oldest of the posts that fill the day (a post older than a day does not count)');
select is(pg_temp.hold('00000000-0000-4000-8000-0000000533a4'),
  (now() + interval '40 minutes', 'posts_per_hour (1)')::text,
  'two limits holding: the one that holds longer');
select is(pg_temp.hold('00000000-0000-4000-8000-0000000533a6'),
  (now() + interval '18 hours', 'min_interval_minutes (2880)')::text,
  'an interval longer than a day counts from the latest post however old');
select is(pg_temp.hold('00000000-0000-4000-8000-0000000533a5'),
  (null::timestamptz, null::text)::text,
  'no limit reached: nothing holds the platform');

-- The claim agrees: a row due on every platform goes out only on the free one.
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for)
select tests.fx('A', 'client'), 'manual', p.id, 'due on ' || p.name, 'scheduled', now() - interval '1 minute'
from platforms p where p.id::text like '00000000-0000-4000-8000-0000000533a_';
select is(
  (select array_agg(c.platform_id order by c.platform_id)
   from private.claim_due_distributions(100, 60) c where c.platform_id::text like '00000000-0000-4000-8000-0000000533a_'),
  array['00000000-0000-4000-8000-0000000533a5'::uuid],
  'a claim takes the due row of the platform whose limits allow a post, and leaves the others in the queue');
select is((select count(*)::int from platform_health
           where platform_id::text like '00000000-0000-4000-8000-0000000533a_' and limits_allow_at is not null
             and queue_due_now = 1),
  5, 'platform_health shows each held platform''s row due now and when it can go');

select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select is((select count(*)::int from platform_health where platform_id::text like '00000000-0000-4000-8000-0000000533a_'),
  0, 'another client''s member sees none of it');

select * from finish();
rollback;
