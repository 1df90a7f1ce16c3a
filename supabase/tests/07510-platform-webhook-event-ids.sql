-- platform_webhook_events: an event id is applied once per platform (a replay is a duplicate and changes nothing),
-- an event without an id is known by its content, and an event that cannot be applied is ignored alone.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(9);
select tests.create_two_clients();

create temp table replies (n int, reply jsonb) on commit drop;
insert into replies select 1, private.apply_platform_webhook(tests.fx('A', 'platform'),
  '[{"event_id": "e1", "event_type": "x.like", "external_id": "ext-A", "increments": {"likes": 1}}]');
insert into replies select 2, private.apply_platform_webhook(tests.fx('A', 'platform'),
  '[{"event_id": "e1", "event_type": "x.like", "external_id": "ext-A", "increments": {"likes": 1}}]');

select is((select reply ->> 'applied' from replies where n = 1), '1', 'the first delivery is applied');
select is((select reply -> 'events' -> 0 ->> 'outcome' from replies where n = 2), 'duplicate',
  'the replay is reported as a duplicate');
select is((select likes from distributions where id = tests.fx('A', 'distribution')), 1, 'applied once');
select is((select count(*)::int from platform_webhook_events where platform_id = tests.fx('A', 'platform')), 1,
  'one row for the event');

-- The same event id on another platform is another event.
select is(private.apply_platform_webhook(tests.fx('B', 'platform'),
  '[{"event_id": "e1", "event_type": "x.like", "external_id": "ext-B", "increments": {"likes": 1}}]') ->> 'applied',
  '1', 'event ids are per platform');

-- No id: the content's hash; the same content again is a duplicate.
select private.apply_platform_webhook(tests.fx('A', 'platform'),
  '[{"event_type": "x.like", "external_id": "ext-A", "increments": {"likes": 2}}]');
select is(private.apply_platform_webhook(tests.fx('A', 'platform'),
  '[{"event_type": "x.like", "external_id": "ext-A", "increments": {"likes": 2}}]') ->> 'duplicate', '1',
  'an event without an id is known by its content');

-- A bad occurred_at fails that event alone.
create temp table batch on commit drop as
select private.apply_platform_webhook(tests.fx('A', 'platform'),
  '[{"event_id": "bad", "event_type": "x.like", "external_id": "ext-A", "occurred_at": "not a time"},
    {"event_id": "good", "event_type": "x.like", "external_id": "ext-A", "increments": {"likes": 1}}]') as reply;
select is((select reply -> 'events' -> 0 ->> 'outcome' from batch), 'ignored', 'the bad event is ignored');
select is((select reply -> 'events' -> 1 ->> 'outcome' from batch), 'applied', 'the good event is applied');
select is((select outcome || ': ' || (detail is not null)::text from platform_webhook_events
           where platform_id = tests.fx('A', 'platform') and event_id = 'bad'), 'ignored: true',
  'the bad event is recorded as ignored with its reason');

select * from finish();
rollback;
