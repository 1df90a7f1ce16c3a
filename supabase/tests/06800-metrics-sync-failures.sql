-- Failed metric reads: backoff, permanent stop, reconnection flag, read pause, and the health counts.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(8);
select tests.create_two_clients();
insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x'),
  ('00000000-0000-4000-8000-0000000000a2', tests.fx('A', 'client'), 'LinkedIn A', 'linkedin');
insert into distributions (id, client_id, platform_id, content_type, body, status, scheduled_for, published_at, external_id)
select ('00000000-0000-4000-8000-00000000d00' || i)::uuid, tests.fx('A', 'client'),
       case when i = 3 then '00000000-0000-4000-8000-0000000000a2'::uuid else '00000000-0000-4000-8000-0000000000a1'::uuid end,
       'manual', 'x', 'published', now() - interval '1 hour', now() - interval '1 hour', 'e' || i
from generate_series(1, 4) i;

select is(private.record_metrics($$[
  {"distribution_id": "00000000-0000-4000-8000-00000000d001", "ok": false, "error": "503 upstream", "error_class": "transient"},
  {"distribution_id": "00000000-0000-4000-8000-00000000d002", "ok": false, "error": "post deleted", "error_class": "permanent"},
  {"distribution_id": "00000000-0000-4000-8000-00000000d003", "ok": false, "error": "token revoked", "error_class": "auth"},
  {"distribution_id": "00000000-0000-4000-8000-00000000d004", "ok": true, "metrics": {"impressions": 5}},
  {"distribution_id": "00000000-0000-4000-8000-0000000000ff", "ok": true, "metrics": {"impressions": 5}}
]$$::jsonb) - 'platforms',
  '{"recorded": 1, "failed": 3, "removed": 0, "feedback": 0, "ignored": ["00000000-0000-4000-8000-0000000000ff"]}'::jsonb,
  'the batch reports what was recorded, failed and ignored (an unknown id is ignored, not an error)');
select results_eq($$ select metrics_sync_failures, metrics_last_error,
                            metrics_next_sync_at between now() + interval '14 minutes' and now() + interval '16 minutes'
                     from distributions where id = '00000000-0000-4000-8000-00000000d001' $$,
  $$ values (1, '503 upstream'::text, true) $$, 'a transient failure backs off 15 minutes and is counted');
select is((select metrics_next_sync_at from distributions where id = '00000000-0000-4000-8000-00000000d002'), null,
  'a permanent failure stops syncing that post');
select results_eq($$ select needs_reconnection, reconnection_reason from platforms where id = '00000000-0000-4000-8000-0000000000a2' $$,
  $$ values (true, 'token revoked'::text) $$, 'an auth failure flags the platform for reconnection');
select results_eq($$ select metrics_errors_24h, metrics_reads_24h, metrics_last_error, last_metrics_sync_at is not null
                     from platform_health where platform_id = '00000000-0000-4000-8000-0000000000a1' $$,
  $$ values (2, 1, 'post deleted'::text, true) $$, 'platform_health shows the read failures and the last sync');

select private.record_metrics(jsonb_build_array(jsonb_build_object(
  'distribution_id', '00000000-0000-4000-8000-00000000d001', 'ok', false, 'error', '429', 'error_class', 'rate_limited',
  'retry_at', now() + interval '7 minutes')));
select is((select metrics_paused_until from platforms where id = '00000000-0000-4000-8000-0000000000a1'),
  now() + interval '7 minutes', 'a rate-limited read pauses the platform''s reads until the reset');
select is((select count(*)::int from private.claim_metrics_due(100, 50, 300) where platform_id = '00000000-0000-4000-8000-0000000000a1'),
  0, 'no reads are claimed for a paused platform');
select private.record_metrics(jsonb_build_array(jsonb_build_object(
  'distribution_id', '00000000-0000-4000-8000-00000000d001', 'ok', true, 'metrics', jsonb_build_object('impressions', 9))));
select results_eq($$ select metrics_sync_failures, metrics_last_error from distributions where id = '00000000-0000-4000-8000-00000000d001' $$,
  $$ values (0, null::text) $$, 'a successful read resets the failure count');

select * from finish();
rollback;
