-- The scheduler records which learned pattern placed each post: scheduling through schedule_content (the schedule
-- API's SQL half, as an editor) with `optimize` writes the distribution_patterns row in the same transaction; an
-- exact time writes none; reschedule_distribution adds or removes it; a platform on the kind's defaults (or an
-- unreadable pattern) records nothing. pattern_lift then counts a post the pattern placed as applied even when it
-- went out at an hour the pattern does not list (its peak was taken).
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(13);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, timezone, min_interval_minutes) values
  ('00000000-0000-4000-8000-000000000791', tests.fx('A', 'client'), 'Learned', 'x', 'UTC', 0),
  ('00000000-0000-4000-8000-000000000792', tests.fx('A', 'client'), 'Defaults', 'x', 'UTC', 0),
  ('00000000-0000-4000-8000-000000000793', tests.fx('A', 'client'), 'Unreadable', 'x', 'UTC', 0);
-- One learned peak: Thursday 10:00 (UTC).
insert into platform_patterns (id, client_id, platform_id, pattern_type, pattern_name, pattern_template) values
  ('00000000-0000-4000-8000-0000000007a1', tests.fx('A', 'client'), '00000000-0000-4000-8000-000000000791',
   'timing', 'optimal_posting_times', '[{"day_of_week": 4, "hour": 10, "score": 1.0}]'),
  ('00000000-0000-4000-8000-0000000007a3', tests.fx('A', 'client'), '00000000-0000-4000-8000-000000000793',
   'timing', 'optimal_posting_times', 'not json');

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
create temp table placed (name text, id uuid);
grant all on placed to authenticated;
create function pg_temp.schedule(p_platform uuid, p_timing jsonb) returns uuid language sql as $$
  select (scheduling.schedule_content(jsonb_build_object(
            'client_id', tests.fx('A', 'client'), 'timing', p_timing,
            'items', jsonb_build_array(jsonb_build_object('platform_id', p_platform, 'timezone', 'UTC',
                                                          'body', 'post'))))
          #>> '{results,0,distribution,id}')::uuid
$$;
-- An exact time two days ahead, at an hour the pattern does not list.
insert into placed select 'exact', pg_temp.schedule('00000000-0000-4000-8000-000000000791', jsonb_build_object(
  'mode', 'exact', 'at', date_trunc('hour', now() + interval '2 days')
                         + case when extract(hour from now() + interval '2 days') = 10 then interval '1 hour'
                                else interval '0' end));
-- Two optimized posts: the first takes the peak, the second the best hour left (next to the peak).
insert into placed select 'peak', pg_temp.schedule('00000000-0000-4000-8000-000000000791', '{"mode": "optimize"}');
insert into placed select 'beside', pg_temp.schedule('00000000-0000-4000-8000-000000000791', '{"mode": "optimize"}');
insert into placed select 'defaults', pg_temp.schedule('00000000-0000-4000-8000-000000000792', '{"mode": "optimize"}');
insert into placed select 'unreadable', pg_temp.schedule('00000000-0000-4000-8000-000000000793', '{"mode": "optimize"}');

select is((select count(*)::int from placed where id is not null), 5, 'all five posts are scheduled');
select results_eq($$ select extract(dow from d.scheduled_for at time zone 'UTC')::int,
                            extract(hour from d.scheduled_for at time zone 'UTC')::int
                     from distributions d join placed p on p.id = d.id where p.name = 'peak' $$,
  $$ values (4, 10) $$, 'optimize places the first post at the learned peak');
select isnt((select extract(hour from d.scheduled_for at time zone 'UTC')::int
             from distributions d join placed p on p.id = d.id where p.name = 'beside'),
  10, 'the second at another hour (the peak is taken)');
select results_eq($$ select p.name, dp.pattern_id, dp.client_id from distribution_patterns dp
                     join placed p on p.id = dp.distribution_id order by p.name $$,
  $$ values ('beside', '00000000-0000-4000-8000-0000000007a1'::uuid, tests.fx('A', 'client')),
            ('peak', '00000000-0000-4000-8000-0000000007a1'::uuid, tests.fx('A', 'client')) $$,
  'both optimized posts are recorded against the pattern that placed them, in the same transaction; '
  || 'the exact one, the defaults platform''s and the unreadable pattern''s are not');

-- Reschedule: optimize credits the pattern, an exact time takes the credit back.
select is((select (public.reschedule_distribution(id) ->> 'ok')::boolean from placed where name = 'exact'), true,
  'the exact post is moved by slot choice');
select ok(exists (select 1 from distribution_patterns dp join placed p on p.id = dp.distribution_id
                  where p.name = 'exact' and dp.pattern_id = '00000000-0000-4000-8000-0000000007a1'),
  '... and is now recorded as placed by the pattern');
select is((select (public.reschedule_distribution(p.id, date_trunc('hour', now() + interval '2 days')
                   + case when extract(hour from now() + interval '2 days') = 10 then interval '1 hour'
                          else interval '0' end) ->> 'ok')::boolean from placed p where p.name = 'exact'), true,
  'moved back to its exact time');
select ok(not exists (select 1 from distribution_patterns dp join placed p on p.id = dp.distribution_id
                      where p.name = 'exact'),
  '... the pattern no longer placed it');

-- A viewer cannot schedule, so nothing is recorded for them either (the row follows the post's own rights).
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select throws_ok($$ select pg_temp.schedule('00000000-0000-4000-8000-000000000791', '{"mode": "optimize"}') $$,
  '42501', null, 'a viewer may not schedule');
select tests.clear_authentication();

-- Publish the three posts of the learned platform and read their metrics.
update distributions d set status = 'publishing', attempt_id = gen_random_uuid(),
                         lease_expires_at = now() + interval '1 minute'
from placed p where p.id = d.id and p.name in ('peak', 'beside', 'exact');
update distributions d set status = 'published', published_at = d.scheduled_for, external_id = 'ext-' || p.name
from placed p where p.id = d.id and p.name in ('peak', 'beside', 'exact');
select private.record_metrics(jsonb_agg(jsonb_build_object(
  'distribution_id', p.id, 'ok', true,
  'metrics', jsonb_build_object('impressions', 100,
                                'engagements', case p.name when 'peak' then 10 when 'beside' then 8 else 2 end))))
from placed p where p.name in ('peak', 'beside', 'exact');

select results_eq($$ select p.name, f.pattern_applied from pattern_feedback f join placed p on p.id = f.distribution_id
                     where f.pattern_id = '00000000-0000-4000-8000-0000000007a1' order by p.name $$,
  $$ values ('beside', true), ('exact', false), ('peak', true) $$,
  'feedback: the post beside the peak counts as the pattern''s (it placed it), the exact one does not');
select results_eq($$ select posts_applied, posts_not_applied, engagement_rate_applied, engagement_rate_not_applied,
                            lift_pct
                     from pattern_lift where pattern_id = '00000000-0000-4000-8000-0000000007a1' $$,
  $$ values (2::bigint, 1::bigint, 9.0000::numeric, 2.0000::numeric, 350.00::numeric) $$,
  'pattern_lift reports the pattern''s placements against the other post: 18/200 versus 2/100');

-- Deleting a post deletes its placement; deleting the pattern deletes its placements.
delete from distributions where id = (select id from placed where name = 'beside');
select is((select count(*)::int from distribution_patterns where pattern_id = '00000000-0000-4000-8000-0000000007a1'),
  1, 'a deleted post takes its placement with it');
delete from platform_patterns where id = '00000000-0000-4000-8000-0000000007a1';
select is((select count(*)::int from distribution_patterns dp join placed p on p.id = dp.distribution_id), 0,
  'and a deleted pattern its placements');

select * from finish();
rollback;
