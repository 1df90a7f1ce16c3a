-- A claimed batch recorded as published: the row's metrics schedule is what the trigger would have set, a
-- webhook delivery is enqueued per subscribed endpoint (none for others), and a claim returns typed columns.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(10);
select tests.create_two_clients();

update platforms set posts_per_hour = null, posts_per_day = null, min_interval_minutes = 0 where id in (tests.fx('A', 'platform'), tests.fx('B', 'platform'));
insert into metrics_sync_policy (client_id, platform_id, max_age, sync_every)
values (tests.fx('A', 'client'), tests.fx('A', 'platform'), interval '1 day', interval '17 minutes');
insert into webhook_endpoints (id, client_id, url, events) values
  ('00000000-0000-4000-8000-000000000e01', tests.fx('A', 'client'), 'https://hooks.example/a',
   array['distribution.published']),
  ('00000000-0000-4000-8000-000000000e02', tests.fx('A', 'client'), 'https://hooks.example/a-failed',
   array['distribution.failed']);
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, media_urls)
select ('00000000-0000-4000-8000-0000000005' || lower(c) || n)::uuid, tests.fx(c, 'client'), 'manual', tests.fx(c, 'platform'),
       'due ' || c || n, 'scheduled', now() - interval '1 minute' + n * interval '1 second', array['https://m/' || n]
from generate_series(1, 3) n, unnest(array['A', 'B']) c
where (c = 'A') or n = 1;

create temp table claimed as select * from private.claim_due_distributions(10, 60);

select is((select count(*)::int from claimed), 4, 'the four due rows are claimed');
select ok((select bool_and(c.mode = 'publish' and c.unresolved_attempts = '[]'::jsonb and c.attempt_id is not null
                           and c.media_urls = array['https://m/' || right(c.body, 1)])
           from claimed c),
  'each claimed row carries its content, attempt and mode as typed columns');
select is((select count(*)::int from distributions where status = 'publishing' and attempt_id is not null), 4,
  'the claimed rows are publishing under their attempt');

select is((select count(*)::int from private.record_publish_outcomes((
  select jsonb_agg(jsonb_build_object('id', c.id, 'attempt_id', c.attempt_id, 'outcome', 'published',
                                      'external_id', 'ext-' || c.body, 'external_url', 'https://p/' || c.body))
  from claimed c))), 4, 'all four outcomes are applied');

select is((select count(*)::int from distributions d join claimed c on c.id = d.id
           where d.status = 'published' and d.published_at is not null and d.attempt_id is null), 4,
  'the rows are published');
select is((select d.metrics_next_sync_at from distributions d where d.id = '00000000-0000-4000-8000-0000000005a1'),
          (select d.published_at + interval '17 minutes' from distributions d
           where d.id = '00000000-0000-4000-8000-0000000005a1'),
  'the first metrics read follows the platform''s policy');
select is((select array_agg(distinct d.metrics_next_sync_at = private.metrics_next_sync_at(d.platform_id, d.client_id,
                                                                                          d.published_at, null))
           from distributions d join claimed c on c.id = d.id),
  array[true], 'every published row''s metrics schedule equals the trigger''s computation');

select is((select count(*)::int from webhook_deliveries where endpoint_id = '00000000-0000-4000-8000-000000000e01'),
  3, 'client A''s published endpoint gets one delivery per published row');
select is((select count(*)::int from webhook_deliveries where endpoint_id = '00000000-0000-4000-8000-000000000e02'),
  0, 'the endpoint subscribed to failures only gets none');
select ok((select bool_and(w.payload -> 'distribution' ->> 'status' = 'published'
                           and w.payload ->> 'event' = 'distribution.published'
                           and w.payload -> 'distribution' ->> 'external_id' = d.external_id)
           from webhook_deliveries w join distributions d on d.id = w.distribution_id),
  'each delivery describes its distribution as published');

select * from finish();
rollback;
