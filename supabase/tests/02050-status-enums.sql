set client_min_messages = warning;
-- The status, state and kind columns are enum types (Studio's table editor offers their values as a
-- dropdown): each column has its type, each type exactly the values its state machine uses, and a wrong
-- value is refused with an error that names the type.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(46);
select tests.create_two_clients();

create temp table enum_columns (tbl name, col name, typ name, labels text[], wrong text) on commit drop;
insert into enum_columns values
  ('platforms', 'kind', 'platform_kind',
   array['wordpress', 'x', 'linkedin', 'youtube', 'email', 'instagram', 'tiktok', 'podcast'], 'myspace'),
  ('metrics_read_budgets', 'kind', 'platform_kind',
   array['wordpress', 'x', 'linkedin', 'youtube', 'email', 'instagram', 'tiktok', 'podcast'], 'myspace'),
  ('generated_content', 'status', 'content_status',
   array['draft', 'ready_for_distribution', 'distributing', 'distributed', 'failed'], 'published'),
  ('cross_post_groups', 'status', 'cross_post_group_status',
   array['pending', 'in_progress', 'completed', 'partial', 'failed'], 'done'),
  ('distributions', 'status', 'distribution_status',
   array['draft', 'scheduled', 'publishing', 'published', 'failed', 'cancelled', 'unconfirmed', 'pending_approval',
         'rejected'], 'queued'),
  ('distributions', 'native_state', 'distribution_native_state', array['handed_off', 'declined'], 'scheduled'),
  ('distributions', 'unpublish_state', 'distribution_unpublish_state',
   array['requested', 'unpublished', 'failed', 'removed_on_platform'], 'deleted'),
  ('distributions', 'edit_state', 'distribution_edit_state', array['requested', 'edited', 'failed'], 'pending'),
  ('distribution_requests', 'status', 'distribution_request_status',
   array['pending', 'processing', 'done', 'failed'], 'queued'),
  ('distribution_attempts', 'kind', 'distribution_attempt_kind', array['publish', 'handoff'], 'retry'),
  ('webhook_deliveries', 'status', 'webhook_delivery_status', array['pending', 'delivering', 'delivered', 'failed'],
   'sent'),
  ('platform_cancellations', 'status', 'platform_cancellation_status', array['pending', 'working', 'done', 'failed'],
   'cancelled'),
  ('ab_tests', 'status', 'ab_test_status', array['running', 'concluded'], 'paused');

-- 13 x 3 tests
select col_type_is('public', tbl, col, 'public', typ, tbl || '.' || col || ' is the enum ' || typ) from enum_columns;
select enum_has_labels('public', typ, labels, typ || ' has exactly the values ' || array_to_string(labels, ', '))
from enum_columns;
select throws_ok(format('select %L::public.%I', wrong, typ), '22P02',
                 format('invalid input value for enum %s: "%s"', typ, wrong),
                 format('%s.%s refuses %L, naming the type', tbl, col, wrong))
from enum_columns;

-- Writes refuse a wrong value the same way.
select throws_ok($$ update distributions set status = 'queued' where id = tests.fx('A', 'distribution') $$,
  '22P02', 'invalid input value for enum distribution_status: "queued"', 'an update to an unknown status is refused');
select throws_ok($$ insert into platforms (client_id, name, kind) values (tests.fx('A', 'client'), 'MySpace', 'myspace') $$,
  '22P02', 'invalid input value for enum platform_kind: "myspace"', 'an insert of an unknown kind is refused');

-- The distribution state machine and the type agree: every value takes part in at least one allowed change
-- (no value the machine cannot reach or leave), and the machine names no value outside the type.
select is(array(select s::text from unnest(enum_range(null::distribution_status)) s
                where exists (select 1 from unnest(enum_range(null::distribution_status)) t
                              where t <> s and (private.distribution_status_allowed(s::text, t::text)
                                                or private.distribution_status_allowed(t::text, s::text)))
                order by s),
  array(select s::text from unnest(enum_range(null::distribution_status)) s order by s),
  'every distribution status is reachable or leavable through the state machine');
select is((select count(*)::int
           from unnest(array['queued', 'pending', 'processing', 'done', 'in_progress', 'completed', 'partial',
                              'delivered', 'requested', 'edited', 'unpublished', 'handed_off']) v,
                unnest(enum_range(null::distribution_status)) t
           where private.distribution_status_allowed(v, t::text) or private.distribution_status_allowed(t::text, v)),
  0, 'the state machine allows no change to or from a value outside distribution_status');

-- The text comparisons the seed document's reports use keep working against the enum.
select is((select count(*)::int from distributions where status = 'draft' and id = tests.fx('A', 'distribution')),
  (select count(*)::int from distributions where status::text = 'draft' and id = tests.fx('A', 'distribution')),
  'status = ''draft'' compares an enum with a literal as it compared text');
select lives_ok($$ select count(*) from distributions where status in ('published', 'failed') $$,
  'status in (...) with literals works unchanged');
select is((select status::text from distributions where id = tests.fx('A', 'distribution')) is not null, true,
  'status::text reads the value as text');

select * from finish();
rollback;
