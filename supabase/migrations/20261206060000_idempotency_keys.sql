-- Idempotency keys for POST /schedule and POST /conversions (the `Idempotency-Key` header).
--
-- A key belongs to the user who sent it (user_id, from the verified token) and to one endpoint: one user's key
-- never meets another user's, so a key can neither collide across tenants nor reveal another tenant's answer.
-- The functions call these helpers as the service role, in the same transaction as the work itself, before
-- switching to the caller's role:
--   private.claim_idempotency_key(user, endpoint, key, request_hash) -> jsonb
--     {"state": "new"}            the caller runs the request, then records its answer (finish_idempotency_key)
--     {"state": "replay", "status", "body"}   the same key and the same request hash: the first answer
--     {"state": "mismatch"}       the same key with another request body (the caller answers 422)
--     {"state": "in_progress"}    another request with this key is still running after the wait (409)
--   A second request with a key whose first request has not committed waits on the row's lock (up to the
--   lock timeout given, default 10 s) and then sees its answer; if the first rolls back, the second runs.
--   Because the key row is written in the work's own transaction, a request that fails leaves no key behind.
--   private.finish_idempotency_key(user, endpoint, key, status, body) records the answer (body as the exact
--   text sent, so a replay is byte-identical).
-- user_id is the verified token's subject, deliberately without a foreign key: a still-valid token of a deleted
-- user gets the API's usual answers, not a constraint error (its keys expire like any other).
-- Retention: a key lives 24 hours after created_at. Claiming deletes the caller's expired key and up to 100
-- expired keys of anyone (an opportunistic sweep, served by idx_idempotency_keys_created_at); a generic pruning
-- job may delete `created_at < now() - interval '24 hours'` as well.

create table public.idempotency_keys (
  user_id uuid not null,
  endpoint text not null constraint idempotency_keys_endpoint_check check (endpoint in ('schedule', 'conversions')),
  key text not null constraint idempotency_keys_key_check check (key ~ '^[\x20-\x7e]{1,255}$'),
  request_hash text not null constraint idempotency_keys_request_hash_check check (request_hash ~ '^[0-9a-f]{64}$'),
  status integer constraint idempotency_keys_status_check check (status between 100 and 599),
  response_body text,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  primary key (user_id, endpoint, key)
);

create index idx_idempotency_keys_created_at on public.idempotency_keys (created_at);

comment on table public.idempotency_keys is
  'Idempotency-Key headers of POST /schedule and POST /conversions: per user and endpoint, the request body hash and '
  'the first answer (status and exact body), replayed for 24 hours after created_at and pruned after that.';

alter table public.idempotency_keys enable row level security;
create policy idempotency_keys_select on public.idempotency_keys for select to authenticated
  using (user_id = (select auth.uid()));
revoke all on public.idempotency_keys from public, anon, authenticated;
grant select on public.idempotency_keys to authenticated;
grant all on public.idempotency_keys to service_role;

create or replace function private.claim_idempotency_key(
  p_user_id uuid,
  p_endpoint text,
  p_key text,
  p_request_hash text,
  p_wait interval default interval '10 seconds'
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_inserted boolean := false;
  v_row public.idempotency_keys;
  v_lock_timeout text := current_setting('lock_timeout');
begin
  if p_user_id is null then
    raise exception 'an idempotency key needs a user' using errcode = 'invalid_parameter_value';
  end if;
  delete from public.idempotency_keys k
   where k.user_id = p_user_id and k.endpoint = p_endpoint and k.key = p_key
     and k.created_at < now() - interval '24 hours';
  delete from public.idempotency_keys k
   where (k.user_id, k.endpoint, k.key) in (
     select o.user_id, o.endpoint, o.key from public.idempotency_keys o
      where o.created_at < now() - interval '24 hours'
      order by o.created_at
      limit 100
      for update skip locked);

  perform set_config('lock_timeout', (extract(epoch from p_wait) * 1000)::bigint::text, true);
  begin
    insert into public.idempotency_keys (user_id, endpoint, key, request_hash)
    values (p_user_id, p_endpoint, p_key, p_request_hash)
    on conflict (user_id, endpoint, key) do nothing;
    v_inserted := found;
  exception when lock_not_available then
    perform set_config('lock_timeout', v_lock_timeout, true);
    return jsonb_build_object('state', 'in_progress');
  end;
  perform set_config('lock_timeout', v_lock_timeout, true);
  if v_inserted then
    return jsonb_build_object('state', 'new');
  end if;

  select * into v_row from public.idempotency_keys k
   where k.user_id = p_user_id and k.endpoint = p_endpoint and k.key = p_key;
  if v_row.request_hash is distinct from p_request_hash then
    return jsonb_build_object('state', 'mismatch');
  end if;
  if v_row.status is null then
    return jsonb_build_object('state', 'in_progress');
  end if;
  return jsonb_build_object('state', 'replay', 'status', v_row.status, 'body', v_row.response_body);
end
$$;

comment on function private.claim_idempotency_key(uuid, text, text, text, interval) is
  'Claims an Idempotency-Key for a user and endpoint in the caller''s transaction: new (run the request), replay '
  '(the first answer), mismatch (another body) or in_progress (still running after p_wait). Sweeps expired keys.';

create or replace function private.finish_idempotency_key(
  p_user_id uuid,
  p_endpoint text,
  p_key text,
  p_status integer,
  p_body text
)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  update public.idempotency_keys k
     set status = p_status, response_body = p_body, completed_at = now()
   where k.user_id = p_user_id and k.endpoint = p_endpoint and k.key = p_key and k.status is null;
$$;

comment on function private.finish_idempotency_key(uuid, text, text, integer, text) is
  'Records the answer (status and exact body text) of the request that claimed an Idempotency-Key.';

revoke execute on function private.claim_idempotency_key(uuid, text, text, text, interval)
  from public, anon, authenticated;
revoke execute on function private.finish_idempotency_key(uuid, text, text, integer, text)
  from public, anon, authenticated;
grant execute on function private.claim_idempotency_key(uuid, text, text, text, interval) to service_role;
grant execute on function private.finish_idempotency_key(uuid, text, text, integer, text) to service_role;
