-- The search goes as far ahead as needed (not 7 days): one post a day and ten already scheduled -> the 11th
-- lands at least ten days after the first.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(4);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, posts_per_day, min_interval_minutes)
values ('00000000-0000-4000-8000-000000000611', tests.fx('A', 'client'), 'One a day', 'instagram', 1, 0);

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
create temp table results (n int, r jsonb);
insert into results
select n, scheduling.schedule_content(jsonb_build_object(
  'client_id', tests.fx('A', 'client'), 'timing', '{"mode": "optimize"}'::jsonb,
  'items', jsonb_build_array(jsonb_build_object('platform_id', '00000000-0000-4000-8000-000000000611',
                                                'timezone', 'America/New_York', 'body', 'post ' || n))))
from generate_series(1, 11) n;

select is((select count(*)::int from results where (r #>> '{results,0,ok}')::boolean), 11, 'all eleven are scheduled');
select is((select count(distinct scheduled_for)::int from distributions
           where platform_id = '00000000-0000-4000-8000-000000000611'), 11, 'each at its own time');
select ok((select max(scheduled_for) - min(scheduled_for) >= interval '10 days' from distributions
           where platform_id = '00000000-0000-4000-8000-000000000611'), 'the 11th is ten days or more after the first');
select ok((select bool_and(next - scheduled_for >= interval '24 hours')
           from (select scheduled_for, lead(scheduled_for) over (order by scheduled_for) as next from distributions
                 where platform_id = '00000000-0000-4000-8000-000000000611') x where next is not null),
  'no two within 24 hours');

select * from finish();
rollback;
