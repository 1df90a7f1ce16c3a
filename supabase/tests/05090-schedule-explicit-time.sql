-- An explicit time that breaks a limit or hits a locked slot is refused with the reason (nothing written), unless
-- the caller asked for the nearest allowed time.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(7);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, posts_per_hour, min_interval_minutes)
values ('00000000-0000-4000-8000-000000000621', tests.fx('A', 'client'), 'Exact', 'x', 1, 0);
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id, is_locked)
values (tests.fx('A', 'client'), '2030-01-07', '15:00', 'UTC', '00000000-0000-4000-8000-000000000621', true);

create function pg_temp.req(p_at text, p_nearest boolean) returns jsonb language sql as $$
  select scheduling.schedule_content(jsonb_build_object(
    'client_id', tests.fx('A', 'client'),
    'timing', jsonb_build_object('mode', 'exact', 'at', p_at, 'nearest', p_nearest),
    'items', jsonb_build_array(jsonb_build_object('platform_id', '00000000-0000-4000-8000-000000000621',
                                                  'timezone', 'UTC', 'body', 'hello'))))
$$;
grant execute on function pg_temp.req(text, boolean) to authenticated;
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));

select is(pg_temp.req('2030-01-07T05:00:00-05:00', false) #>> '{results,0,distribution,scheduled_for}',
  '2030-01-07T10:00:00Z', 'an allowed exact time is used as given');
select is(pg_temp.req('2030-01-07T10:30:00Z', false) #> '{results,0}',
  jsonb_build_object('index', 0, 'platform_id', '00000000-0000-4000-8000-000000000621', 'ok', false,
                     'errors', jsonb_build_array(jsonb_build_object('field', 'timing.at',
                                                                    'message', 'posts_per_hour limit (1) reached'))),
  'a time that breaks posts_per_hour is refused with the reason');
select is((select count(*)::int from distributions where platform_id = '00000000-0000-4000-8000-000000000621'), 1,
  'and nothing is written');
select is(pg_temp.req('2030-01-07T15:00:00Z', false) #>> '{results,0,errors,0,message}', 'locked slot',
  'a locked slot is refused');
select is(pg_temp.req('2030-01-07T10:30:00Z', true) #>> '{results,0,distribution,scheduled_for}',
  '2030-01-07T11:00:00Z', 'with nearest: the nearest allowed time');
select isnt(pg_temp.req('2030-01-07T11:30:00Z', true) #>> '{results,0,distribution,note}', null,
  'and the reply says why it moved');
select is(pg_temp.req('2030-01-07T15:00:00Z', true) #>> '{results,0,distribution,scheduled_for}',
  '2030-01-07T15:01:00Z', 'nearest moves past a locked slot');

select * from finish();
rollback;
