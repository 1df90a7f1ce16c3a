-- optimize picks the slot of highest expected value within its horizon, not the earliest allowed one; the client's
-- calendar slots compete on the same scores; when the peaks are taken the hours around them fill in order of value;
-- past the client's optimize_max_days_ahead the answer names the limit that is full.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'Pacific/Chatham';
select plan(13);
select tests.create_two_clients();

-- 2030-01-07 is a Monday. A strong Thursday 10:00 peak and a weak Tuesday 09:00 hour (UTC).
insert into platforms (id, client_id, name, kind, timezone, min_interval_minutes) values
  ('00000000-0000-4000-8000-000000000771', tests.fx('A', 'client'), 'Peaks', 'x', 'UTC', 0),
  ('00000000-0000-4000-8000-000000000772', tests.fx('A', 'client'), 'Calendar', 'x', 'UTC', 0),
  ('00000000-0000-4000-8000-000000000773', tests.fx('A', 'client'), 'Volume', 'x', 'UTC', 0),
  ('00000000-0000-4000-8000-000000000774', tests.fx('A', 'client'), 'Full', 'x', 'UTC', 0);
insert into platform_patterns (client_id, platform_id, pattern_type, pattern_name, pattern_template)
select tests.fx('A', 'client'), p::uuid, 'timing', 'optimal_posting_times',
       '[{"day_of_week": 4, "hour": 10, "score": 1.0}, {"day_of_week": 2, "hour": 9, "score": 0.3}]'
from unnest(array['00000000-0000-4000-8000-000000000771', '00000000-0000-4000-8000-000000000772',
                  '00000000-0000-4000-8000-000000000773']) p;

select is((select row(at, source) from scheduling.find_slot('00000000-0000-4000-8000-000000000771', 'UTC', 'regular',
                                                             '2030-01-07 00:00+00')),
  row('2030-01-10 10:00+00'::timestamptz, 'posting_times'::text),
  'a Monday request takes the strong Thursday peak, not the earlier weak Tuesday hour');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-000000000771', 'UTC', 'regular',
                                               '2030-01-07 00:00+00', 'normal', null, interval '2 days')),
  '2030-01-08 09:00+00'::timestamptz, 'within a two-day horizon the Tuesday hour is the best there is');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-000000000771', 'UTC', 'regular',
                                               '2030-01-11 00:00+00')),
  '2030-01-17 10:00+00'::timestamptz, 'a Friday request waits for next Thursday''s peak, within the week');

-- A free calendar slot at a weak hour does not win over the learned peak.
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id) values
  (tests.fx('A', 'client'), '2030-01-07', '15:00', 'UTC', '00000000-0000-4000-8000-000000000772');
select is((select row(at, source) from scheduling.find_slot('00000000-0000-4000-8000-000000000772', 'UTC', 'regular',
                                                             '2030-01-07 00:00+00')),
  row('2030-01-10 10:00+00'::timestamptz, 'posting_times'::text), 'the peak wins over an earlier calendar slot');
-- A calendar slot at the peak's own hour is the candidate there (it speaks for that instant).
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id) values
  (tests.fx('A', 'client'), '2030-01-10', '10:00', 'UTC', '00000000-0000-4000-8000-000000000772');
select is((select row(at, source) from scheduling.find_slot('00000000-0000-4000-8000-000000000772', 'UTC', 'regular',
                                                             '2030-01-07 00:00+00')),
  row('2030-01-10 10:00+00'::timestamptz, 'calendar'::text), 'a calendar slot at the peak is filled at the peak');

-- Volume: the queue fills the hours around the peaks in order of value instead of running weeks ahead.
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for, timezone)
values (tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000773', 'peak taken', 'scheduled',
        '2030-01-10 10:00+00', 'UTC');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-000000000773', 'UTC', 'regular',
                                               '2030-01-07 00:00+00')),
  '2030-01-10 09:00+00'::timestamptz, 'with the peak taken, the hour next to it (09:00 before 11:00, earlier on a tie)');
create temp table picks (n int, at timestamptz);
do $$
declare
  v_at timestamptz;
begin
  for i in 1 .. 20 loop
    select f.at into v_at from scheduling.find_slot('00000000-0000-4000-8000-000000000773', 'UTC', 'regular',
                                                    '2030-01-07 00:00+00') f;
    insert into picks values (i, v_at);
    insert into public.distributions (client_id, content_type, platform_id, body, status, scheduled_for, timezone)
    values ((select client_id from public.platforms where id = '00000000-0000-4000-8000-000000000773'), 'manual',
            '00000000-0000-4000-8000-000000000773', 'fill ' || i, 'scheduled', v_at, 'UTC');
  end loop;
end
$$;
select is((select count(distinct at)::int from picks), 20, 'twenty posts, twenty distinct hours');
select ok((select max(at) < '2030-01-14 00:00+00' from picks), 'all within the first week (no weeks ahead)');
select is((select array_agg(at order by n) from picks where n <= 3),
  array['2030-01-10 09:00+00', '2030-01-10 11:00+00', '2030-01-08 09:00+00']::timestamptz[],
  'then the other side of the peak, then the weaker Tuesday hour (worth more than two hours from the peak)');
select is((select array_agg(s order by n) = array(select s from unnest(array_agg(s order by n)) s order by s desc)
           from (select p.n, h.score as s from picks p
                 join scheduling.hour_scores('00000000-0000-4000-8000-000000000773') h
                   on h.day_of_week = extract(dow from p.at at time zone 'UTC')
                  and h.hour = extract(hour from p.at at time zone 'UTC')) x),
  true, 'each pick is worth no more than the one before it');

-- The cap: a platform that may post once a day, a client that allows two days ahead.
update clients set optimize_max_days_ahead = 2 where id = tests.fx('A', 'client');
update platforms set posts_per_day = 1 where id = '00000000-0000-4000-8000-000000000774';
-- one post a day, each blocking the 24 hours either side of it: nothing is free in the next two days
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for, timezone)
select tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000774', 'day ' || d, 'scheduled',
       now() + interval '1 hour' + make_interval(days => d), 'UTC'
from generate_series(0, 2) d;
select throws_ok($$ select * from scheduling.find_slot('00000000-0000-4000-8000-000000000774', 'UTC') $$,
  'SL409', null, 'every slot within the cap full: SL409');
select throws_like($$ select * from scheduling.find_slot('00000000-0000-4000-8000-000000000774', 'UTC') $$,
  'no free slot within 2 days (optimize_max_days_ahead): posts_per_day limit (1) reached',
  'the error names the cap and the limit that is full');

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select is((select r #> '{results,0,errors,0,field}' from (select scheduling.schedule_content(jsonb_build_object(
             'client_id', tests.fx('A', 'client'), 'timing', '{"mode": "optimize"}'::jsonb,
             'items', jsonb_build_array(jsonb_build_object('platform_id', '00000000-0000-4000-8000-000000000774',
                                                           'timezone', 'UTC', 'body', 'one too many')))) as r) x),
  '"optimize"'::jsonb, 'schedule_content reports it on the optimize field');

select * from finish();
rollback;
