-- scheduling.schedule_content writes the A/B variants of a platform (same platform_id and variant_group) together or not
-- at all, reporting every variant's errors, while the request's other platforms go on; items[].id is the
-- distribution's id, chosen by the caller.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(12);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, min_interval_minutes) values
  ('00000000-0000-4000-8000-000000000651', tests.fx('A', 'client'), 'Variants', 'x', 0),
  ('00000000-0000-4000-8000-000000000652', tests.fx('A', 'client'), 'Single', 'linkedin', 0);

-- Two variants of one platform at one exact time: the second finds the slot taken by the first.
create function pg_temp.req(p_nearest boolean, p_ids text[]) returns jsonb language sql as $$
  select scheduling.schedule_content(jsonb_build_object(
    'client_id', tests.fx('A', 'client'),
    'timing', jsonb_build_object('mode', 'exact', 'at', '2030-02-04T09:00:00Z', 'nearest', p_nearest),
    'items', jsonb_build_array(
      jsonb_build_object('id', p_ids[1], 'platform_id', '00000000-0000-4000-8000-000000000651', 'timezone', 'UTC',
                         'body', 'Variant A', 'variant_group', 'ab-1', 'is_control', true),
      jsonb_build_object('id', p_ids[2], 'platform_id', '00000000-0000-4000-8000-000000000651', 'timezone', 'UTC',
                         'body', 'Variant B', 'variant_group', 'ab-1', 'is_control', false),
      jsonb_build_object('id', p_ids[3], 'platform_id', '00000000-0000-4000-8000-000000000652', 'timezone', 'UTC',
                         'body', 'Single'))))
$$;
grant execute on function pg_temp.req(boolean, text[]) to authenticated;
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));

create temp table out as select pg_temp.req(false, array[
  '00000000-0000-4000-8000-00000000a651', '00000000-0000-4000-8000-00000000b651',
  '00000000-0000-4000-8000-00000000c652']) as o;

select is((select jsonb_path_query_array(o, '$.results[*].ok') from out), '[false, false, true]'::jsonb,
  'one variant could not be placed: both variants fail, the other platform succeeds');
select is((select o #> '{results,0,errors}' from out),
  '[{"field": "variant_group", "message": "not scheduled: another variant for this platform failed (the variants of a platform are scheduled together or not at all)"}]'::jsonb,
  'the variant that had a slot says why it was not scheduled after all');
select matches((select o #>> '{results,1,errors,0,message}' from out), '^slot taken',
  'the variant that had none gives its own reason');
select is((select o #>> '{results,1,errors,0,field}' from out), 'timing.at', 'naming the field');
select is((select count(*)::int from distributions where platform_id = '00000000-0000-4000-8000-000000000651'), 0,
  'no variant is written');
select is((select count(*)::int from publishing_calendar where platform_id = '00000000-0000-4000-8000-000000000651'),
  0, 'and no calendar slot is held');
select is((select id::text from distributions where platform_id = '00000000-0000-4000-8000-000000000652'),
  '00000000-0000-4000-8000-00000000c652', 'the other platform''s distribution has the id the caller chose');
select is((select o #>> '{results,2,distribution,id}' from out), '00000000-0000-4000-8000-00000000c652',
  'and the reply says so');

select is((select jsonb_path_query_array(
            pg_temp.req(true, array[null, null, null]::text[]), '$.results[*].ok')),
  '[true, true, true]'::jsonb, 'with nearest both variants are placed, each in its own slot');
select is((select count(distinct scheduled_for)::int from distributions
            where platform_id = '00000000-0000-4000-8000-000000000651'), 2, 'at two different times');

select is((select pg_temp.req(true, array['00000000-0000-4000-8000-00000000c652', null, null]) #> '{results,0,errors}'),
  '[{"field": "id", "message": "duplicate key value violates unique constraint \"distributions_pkey\""}]'::jsonb,
  'an id already in use is that item''s error');
select is((select count(*)::int from distributions where platform_id = '00000000-0000-4000-8000-000000000651'), 2,
  'and its sibling variant is not written either');

select * from finish();
rollback;
