set client_min_messages = warning;
-- Status and enum-like columns accept exactly their documented values (the status and kind columns are enum
-- types: 02050-status-enums.sql lists them).
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(16);
select tests.create_two_clients();

select throws_like($$ insert into distributions (client_id, platform_id, content_type, body, status)
  values (tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x', 'queued') $$,
  '%invalid input value for enum distribution_status: "queued"%', 'distributions.status rejects an unknown value');
create function pg_temp.rejected_as_value(p_sql text) returns boolean language plpgsql as $f$
begin
  execute p_sql;
  return false;
exception when invalid_text_representation then
  return true;
when others then
  return false; -- refused by another rule (e.g. a later state machine), not as an unknown value
end $f$;
select is(array(select s from unnest(array['draft', 'scheduled', 'publishing', 'published', 'failed', 'cancelled',
                                           'unconfirmed', 'queued']) s
                where pg_temp.rejected_as_value(format(
                  'insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at)
                   values (%L, %L, ''manual'', ''x'', %L, now(), now())', tests.fx('A', 'client'), tests.fx('A', 'platform'), s))),
  array['queued'], 'distributions.status accepts the seven states it lists and refuses the rest');
select throws_like($$ update distributions set content_type = 'stolen' where id = tests.fx('A', 'distribution') $$,
  '%distributions_content_type_check%', 'distributions.content_type rejects an unknown value');
select throws_like($$ update generated_content set status = 'published' where id = tests.fx('A', 'content') $$,
  '%invalid input value for enum content_status: "published"%', 'generated_content.status rejects an unknown value');
select results_eq($$
  with ins as (insert into generated_content (client_id, content, status)
    select tests.fx('A', 'client'), 'x', s
    from unnest(array['draft', 'ready_for_distribution', 'distributing', 'distributed', 'failed']::content_status[]) s
    returning 1)
  select count(*)::int from ins $$, $$ values (5) $$, 'generated_content.status accepts its five values');
select throws_like($$ update generated_content set priority = 'urgent' where id = tests.fx('A', 'content') $$,
  '%generated_content_priority_check%', 'generated_content.priority rejects an unknown value');
select throws_like($$ update cross_post_groups set status = 'done' where id = tests.fx('A', 'group') $$,
  '%invalid input value for enum cross_post_group_status: "done"%', 'cross_post_groups.status rejects an unknown value');
select lives_ok($$ update cross_post_groups set status = 'partial' where id = tests.fx('A', 'group') $$,
  'cross_post_groups.status accepts partial');
select throws_like($$ update cross_post_groups set timing_strategy = 'random' where id = tests.fx('A', 'group') $$,
  '%cross_post_groups_timing_strategy_check%', 'cross_post_groups.timing_strategy rejects an unknown value');
select throws_like($$ update cross_post_groups set timing_strategy = 'staggered', stagger_minutes = null
  where id = tests.fx('A', 'group') $$, '%cross_post_groups_stagger_check%', 'a staggered group needs stagger_minutes');
select throws_like($$ update publishing_calendar set slot_type = 'golden' where id = tests.fx('A', 'calendar') $$,
  '%publishing_calendar_slot_type_check%', 'publishing_calendar.slot_type rejects an unknown value');
select throws_like($$ update publishing_calendar set recurring_pattern = 'hourly' where id = tests.fx('A', 'calendar') $$,
  '%publishing_calendar_recurring_pattern_check%', 'publishing_calendar.recurring_pattern rejects an unknown value');
select lives_ok($$ update publishing_calendar set slot_type = 'prime', recurring_pattern = 'weekly'
  where id = tests.fx('A', 'calendar') $$, 'publishing_calendar accepts prime / weekly');
select throws_like($$ update client_members set role = 'admin' where id = tests.fx('A', 'member') $$,
  '%client_members_role_check%', 'client_members.role rejects an unknown value');
select throws_ok($$ insert into client_members (client_id, user_id, role)
  values (tests.fx('A', 'client'), tests.get_user_id('owner_a@test.local'), 'editor') $$,
  '23505', null, 'a user is a member of a client at most once');
select throws_like($$ update platforms set publish_config = '{"base_url": "ftp://x"}' where id = tests.fx('A', 'platform') $$,
  '%platforms_publish_config_base_url_check%', 'publish_config.base_url must be an http(s) URL');

select * from finish();
rollback;
