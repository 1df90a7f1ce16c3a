-- scheduling.schedule_content: per-item outcomes, a cross-post group with the caller's id, staggered times, the
-- items' fields, and the errors raised (22023 an inconsistent input, P0002 another client, 42501 a viewer or anon).
-- The request's JSON is validated by the API (tests/scheduling/api.test.ts), not here.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(12);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, min_interval_minutes) values
  ('00000000-0000-4000-8000-000000000631', tests.fx('A', 'client'), 'First', 'x', 0),
  ('00000000-0000-4000-8000-000000000632', tests.fx('A', 'client'), 'Second', 'linkedin', 0);
create temp table req (r jsonb);
insert into req values (jsonb_build_object(
  'client_id', tests.fx('A', 'client'), 'content_id', tests.fx('A', 'content'), 'content_type', 'generated',
  'timing', jsonb_build_object('mode', 'exact', 'at', '2030-01-07T09:00:00-05:00', 'nearest', false),
  'cross_post', jsonb_build_object('strategy', 'staggered', 'stagger_minutes', 30, 'name', 'Launch',
                                   'id', '00000000-0000-4000-8000-0000000006ff'),
  'items', jsonb_build_array(
    jsonb_build_object('platform_id', '00000000-0000-4000-8000-000000000631', 'timezone', 'America/New_York',
                       'title', null, 'body', 'Short post', 'media_urls', jsonb_build_array('https://x.test/a.png'),
                       'link_url', 'https://x.test/?utm_source=x', 'platform_specific', '{"hashtags": ["a"]}'::jsonb,
                       'variant_group', null, 'is_control', false),
    jsonb_build_object('platform_id', '00000000-0000-4000-8000-000000000632', 'timezone', 'Europe/London',
                       'title', 'Long', 'body', 'Long post'))));
grant select on req to authenticated, anon;
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
create temp table out as select scheduling.schedule_content(r) as o from req;

select is((select (o #> '{results,0,distribution}') - 'id' - 'calendar_slot' from out),
  jsonb_build_object('title', null, 'body', 'Short post', 'scheduled_for', '2030-01-07T14:00:00Z',
                     'scheduled_for_local', '2030-01-07T09:00:00-05:00', 'timezone', 'America/New_York',
                     'status', 'scheduled', 'note', null),
  'item 0: the distribution, its time in UTC and in its zone');
select is((select (o #> '{results,0,distribution,calendar_slot}') - 'id' from out),
  '{"date": "2030-01-07", "time_slot": "09:00:00", "slot_type": "regular"}'::jsonb, 'item 0: its calendar slot');
select is((select o #>> '{results,1,distribution,scheduled_for_local}' from out), '2030-01-07T14:30:00+00:00',
  'item 1: staggered by its index (1 x 30 minutes), shown in London time');
select is((select count(*)::int from distributions where cross_post_group_id = (select (o ->> 'cross_post_group_id')::uuid from out)),
  2, 'two distributions in the cross-post group');
select is((select row(name, timing_strategy, stagger_minutes, status::text, source_content_id) from cross_post_groups
            where id = (select (o ->> 'cross_post_group_id')::uuid from out)),
  row('Launch'::text, 'staggered'::text, 30, 'pending'::text, tests.fx('A', 'content')), 'the group row');
select is((select o ->> 'cross_post_group_id' from out), '00000000-0000-4000-8000-0000000006ff',
  'with the id the caller chose');
select is((select row(media_urls, link_url, platform_specific, content_id, business_unit) from distributions
            where platform_id = '00000000-0000-4000-8000-000000000631'),
  row(array['https://x.test/a.png'], 'https://x.test/?utm_source=x'::text, '{"hashtags": ["a"]}'::jsonb,
      tests.fx('A', 'content'), null::text), 'the item''s fields are stored');

select throws_ok(format($$ select scheduling.schedule_content('{"client_id": "%s", "timing": {"mode": "optimize"},
  "items": [{"platform_id": "%s", "timezone": "UTC", "body": "x"}]}') $$, tests.fx('A', 'client'), tests.fx('B', 'platform')),
  '22023', null, 'another client''s platform raises 22023, nothing written');
select throws_ok(format($$ select scheduling.schedule_content('{"client_id": "%s", "timing": {"mode": "optimize"},
  "items": [{"platform_id": "00000000-0000-4000-8000-000000000631", "body": "x"}]}') $$, tests.fx('A', 'client')),
  '22023', null, 'an item without its time zone raises 22023');
select throws_ok(format($$ select scheduling.schedule_content('{"client_id": "%s", "timing": {"mode": "optimize"},
  "items": [{"platform_id": "%s", "timezone": "UTC", "body": "x"}]}') $$, tests.fx('B', 'client'), tests.fx('B', 'platform')),
  'P0002', null, 'another client''s request raises P0002');
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select throws_ok((select format('select scheduling.schedule_content(%L)', r) from req), '42501', null,
  'a viewer cannot schedule');
select tests.authenticate_as_anon();
select throws_ok((select format('select scheduling.schedule_content(%L)', r) from req), '42501', null,
  'anon cannot call it');

select * from finish();
rollback;
