-- pattern_feedback: day_of_week and hour_of_day in the distribution's own time zone (whatever the session's),
-- pattern_applied from the applied-pattern records and timing slots, one row per (pattern, distribution) kept current.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'Pacific/Chatham';  -- UTC+13:45: any use of the session zone shows
select plan(8);
select tests.create_two_clients();

-- Monday 2025-01-06 09:30 in New York (14:30 UTC; Tuesday 04:15 in Chatham).
insert into distributions (id, client_id, platform_id, content_type, body, status, scheduled_for, published_at,
                           external_id, timezone) values
  ('00000000-0000-4000-8000-00000000d001', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x',
   'published', timestamptz '2025-01-06 14:30:00+00', timestamptz '2025-01-06 14:30:00+00', 'ny', 'America/New_York'),
  ('00000000-0000-4000-8000-00000000d002', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x',
   'published', timestamptz '2025-01-06 14:30:00+00', timestamptz '2025-01-06 14:30:00+00', 'tokyo', 'Asia/Tokyo');
-- The fixture's timing pattern is [{"day_of_week": 1, "hour": 9}]; two more patterns, one applied to d001.
insert into platform_patterns (id, client_id, platform_id, pattern_type, pattern_name, pattern_template) values
  ('00000000-0000-4000-8000-0000000000f1', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'headline', 'question', null),
  ('00000000-0000-4000-8000-0000000000f2', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'headline', 'listicle', null);
insert into distribution_patterns (distribution_id, pattern_id, client_id)
values ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-0000000000f1', tests.fx('A', 'client'));

select private.record_metrics($$[
  {"distribution_id": "00000000-0000-4000-8000-00000000d001", "ok": true, "metrics": {"impressions": 100, "engagements": 7}},
  {"distribution_id": "00000000-0000-4000-8000-00000000d002", "ok": true, "metrics": {"impressions": 100, "engagements": 3}}
]$$::jsonb);

select results_eq($$ select day_of_week::int, hour_of_day::int from pattern_feedback
                     where distribution_id = '00000000-0000-4000-8000-00000000d001' and pattern_id = tests.fx('A', 'pattern') $$,
  $$ values (1, 9) $$, 'New York post: Monday 9 (local), not Monday 14 (UTC) nor Tuesday 4 (session zone)');
select results_eq($$ select day_of_week::int, hour_of_day::int from pattern_feedback
                     where distribution_id = '00000000-0000-4000-8000-00000000d002' and pattern_id = tests.fx('A', 'pattern') $$,
  $$ values (1, 23) $$, 'Tokyo post of the same instant: Monday 23');
select results_eq($$ select pattern_id, pattern_applied from pattern_feedback
                     where distribution_id = '00000000-0000-4000-8000-00000000d001' order by pattern_applied desc, pattern_id $$,
  $$ values ('00000000-0000-4000-8000-0000000000f1'::uuid, true), (tests.fx('A', 'pattern'), true),
            ('00000000-0000-4000-8000-0000000000f2'::uuid, false) $$,
  'one row per platform pattern: applied when recorded, or posted in the timing pattern''s slot; else not');
select is((select pattern_applied from pattern_feedback
           where distribution_id = '00000000-0000-4000-8000-00000000d002' and pattern_id = tests.fx('A', 'pattern')),
  false, 'the Tokyo post was not in the Monday 9 slot');
select results_eq($$ select engagement_rate, engagement_base, engagement_count, posted_at from pattern_feedback
                     where distribution_id = '00000000-0000-4000-8000-00000000d001' and pattern_id = tests.fx('A', 'pattern') $$,
  $$ values (7.0000::numeric, 100, 7, timestamptz '2025-01-06 14:30:00+00') $$, 'the feedback carries the performance');

select private.record_metrics($$[
  {"distribution_id": "00000000-0000-4000-8000-00000000d001", "ok": true, "metrics": {"impressions": 200, "engagements": 20}}
]$$::jsonb);
select is((select count(*)::int from pattern_feedback where distribution_id = '00000000-0000-4000-8000-00000000d001'),
  3, 'a later sync updates the rows (one per pattern and distribution), it adds none');
select is((select engagement_rate from pattern_feedback
           where distribution_id = '00000000-0000-4000-8000-00000000d001' and pattern_id = tests.fx('A', 'pattern')),
  10.0000::numeric, '... with the current performance');
select results_eq($$ select posts_applied, posts_not_applied, engagement_rate_applied, engagement_rate_not_applied
                     from pattern_lift where pattern_id = tests.fx('A', 'pattern') $$,
  $$ values (2::bigint, 1::bigint, 10.0000::numeric, 3.0000::numeric) $$,
  'pattern_lift compares applied (the fixture''s row and d001) with not applied (d002)');

select * from finish();
rollback;
