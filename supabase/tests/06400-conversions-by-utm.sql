-- Conversions are attributed by distribution id, by utm_content, or by utm_campaign (cross-post group or content
-- id) + utm_source (platform kind); external_ref makes recording idempotent; the report shows clicks -> conversions.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(10);
select tests.create_two_clients();
-- A second post of A's content on another kind, so utm_source must pick the right one.
insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x');
insert into distributions (id, client_id, platform_id, content_id, content_type, body, status, scheduled_for,
                           published_at, external_id, cross_post_group_id, clicks) values
  ('00000000-0000-4000-8000-00000000d001', tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000000a1',
   tests.fx('A', 'content'), 'generated', 'x', 'published', now() - interval '1 day', now() - interval '1 day',
   'tw1', tests.fx('A', 'group'), 8);

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select is(record_conversion(jsonb_build_object('utm_source', 'wordpress', 'utm_medium', 'blog',
            'utm_campaign', tests.fx('A', 'group'), 'value', 25, 'external_ref', 'order-1')) ->> 'distribution_id',
  tests.fx('A', 'distribution')::text, 'utm_campaign = the cross-post group + utm_source = wordpress: the blog post');
select is(record_conversion(jsonb_build_object('utm_source', 'x', 'utm_campaign', tests.fx('A', 'content'),
            'value', 10, 'external_ref', 'order-2')) -> 'matched_by',
  '"utm"'::jsonb, 'utm_campaign = the content id + utm_source = x: matched by utm');
select is((select distribution_id from conversions where external_ref = 'order-2'),
  '00000000-0000-4000-8000-00000000d001'::uuid, '... to the X post');
select is(record_conversion(jsonb_build_object('utm_content', '00000000-0000-4000-8000-00000000d001',
            'external_ref', 'order-3')) -> 'matched_by', '"utm_content"'::jsonb, 'utm_content = the distribution id');
select is(record_conversion(jsonb_build_object('utm_source', 'x', 'utm_campaign', tests.fx('A', 'group'),
            'value', 10, 'external_ref', 'order-2')) -> 'duplicate',
  'true'::jsonb, 'the same external_ref again is a duplicate');
select is(record_conversion(jsonb_build_object('client_id', tests.fx('A', 'client'), 'utm_source', 'newsletter',
            'utm_campaign', 'spring-sale', 'external_ref', 'order-4')) -> 'distribution_id',
  'null'::jsonb, 'an unmatched conversion is recorded unattributed');
select results_eq($$ select platform, clicks, conversions, conversion_value, conversion_rate from conversion_report
                     where distribution_id = '00000000-0000-4000-8000-00000000d001' $$,
  $$ values ('X A'::text, 8, 2, 10::numeric, 25.0000::numeric) $$,
  'conversion_report: 8 clicks, 2 conversions (one idempotent repeat not counted), 25 %');
select results_eq($$ select sum(conversions)::int, sum(clicks)::int from conversion_report_by_platform $$,
  $$ values (3, 10) $$, 'conversion_report_by_platform sums per platform (A''s two posts: 2 + 8 clicks)');

select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select throws_ok(format($$ select record_conversion('{"distribution_id": "%s"}') $$, tests.fx('A', 'distribution')),
  'P0002', null, 'a member of B cannot attribute to A''s post (it is invisible to them)');
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select throws_ok(format($$ select record_conversion('{"distribution_id": "%s"}') $$, tests.fx('A', 'distribution')),
  '42501', null, 'a viewer cannot record conversions');

select * from finish();
rollback;
