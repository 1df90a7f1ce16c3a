-- Inbound platform webhooks (platform-webhooks function): a log of every callback event and one function that
-- applies a batch of them to the platform's distributions. An event for a post we do not know is logged
-- (outcome unknown_post) and acknowledged, never retried into an error loop.
--
-- private.apply_platform_webhook(p_platform_id uuid, p_events jsonb) returns jsonb, service role only:
--   p_events: array of {event_type: text, external_id: text, occurred_at?: timestamptz, payload?: object,
--     status?: 'sent'                          (the platform says the post went out: confirms it published),
--     metrics?: {impressions?, reach?, ...}     (absolute counts: recorded as a metrics read, record_metrics),
--     increments?: {comments?|likes?|shares?|saves?|clicks?: n}   (one more comment...: added to the summary),
--     platform_metric_increments?: {name: n}   (e.g. unsubscribes, added to platform_metrics)}
--   -> {applied, unknown_post, ignored}

create table public.platform_webhook_events (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  platform_id uuid not null,
  received_at timestamptz not null default now(),
  event_type text not null,
  external_id text,
  distribution_id uuid,
  outcome text not null constraint platform_webhook_events_outcome_check
    check (outcome in ('applied', 'unknown_post', 'ignored')),
  detail text,
  payload jsonb not null default '{}',
  constraint platform_webhook_events_platform_fkey foreign key (platform_id, client_id)
    references public.platforms (id, client_id) on delete cascade,
  constraint platform_webhook_events_distribution_fkey foreign key (distribution_id, client_id)
    references public.distributions (id, client_id) on delete set null (distribution_id)
);

create index idx_platform_webhook_events_platform on public.platform_webhook_events (platform_id, received_at);
create index idx_platform_webhook_events_client on public.platform_webhook_events (client_id);
create index idx_platform_webhook_events_distribution on public.platform_webhook_events (distribution_id);

comment on table public.platform_webhook_events is
  'Callbacks received from platforms (Meta/Instagram, Mailchimp, signed JSON) after their signature or token was '
  'verified: what each event did (applied), or that it named a post we do not know (unknown_post) or could not '
  'be applied (ignored, with detail). Written by private.apply_platform_webhook.';

alter table public.platform_webhook_events enable row level security;
create policy platform_webhook_events_select on public.platform_webhook_events for select to authenticated
  using (client_id = any (array(select private.member_client_ids())));
revoke all on public.platform_webhook_events from public, anon, authenticated;
grant select on public.platform_webhook_events to authenticated;
grant all on public.platform_webhook_events to service_role;

create or replace function private.apply_platform_webhook(p_platform_id uuid, p_events jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_client uuid;
  e jsonb;
  d record;
  v_outcome text;
  v_detail text;
  v_at timestamptz;
  v_inc jsonb;
  v_pm jsonb;
  v_counts jsonb := jsonb_build_object('applied', 0, 'unknown_post', 0, 'ignored', 0);
begin
  select p.client_id into v_client from public.platforms p where p.id = p_platform_id;
  if v_client is null then
    raise exception 'platform % not found', p_platform_id using errcode = 'no_data_found';
  end if;

  for e in select value from jsonb_array_elements(coalesce(p_events, '[]'::jsonb)) loop
    v_outcome := 'applied';
    v_detail := null;
    v_at := coalesce((e ->> 'occurred_at')::timestamptz, now());
    select x.id, x.status, x.native_state, x.published_at into d
    from public.distributions x
    where x.platform_id = p_platform_id and x.external_id = e ->> 'external_id'
    order by x.created_at desc
    limit 1;

    if d.id is null then
      v_outcome := 'unknown_post';
    else
      begin
        if e ->> 'status' = 'sent' then
          if d.status = 'published' then
            v_detail := 'already published';
          elsif d.status = 'unconfirmed' then
            update public.distributions set status = 'published', published_at = coalesce(published_at, v_at)
             where id = d.id;
          elsif d.status = 'scheduled' and d.native_state = 'handed_off' then
            update public.distributions set status = 'publishing' where id = d.id;
            update public.distributions set status = 'published', published_at = coalesce(published_at, v_at)
             where id = d.id;
          else
            v_outcome := 'ignored';
            v_detail := format('sent event for a %s distribution', d.status);
          end if;
        end if;

        v_inc := case when jsonb_typeof(e -> 'increments') = 'object' then e -> 'increments' end;
        if v_inc is not null then
          update public.distributions set
            comments = case when v_inc ? 'comments' then coalesce(comments, 0) + private.metric_count(v_inc -> 'comments') else comments end,
            likes = case when v_inc ? 'likes' then coalesce(likes, 0) + private.metric_count(v_inc -> 'likes') else likes end,
            shares = case when v_inc ? 'shares' then coalesce(shares, 0) + private.metric_count(v_inc -> 'shares') else shares end,
            saves = case when v_inc ? 'saves' then coalesce(saves, 0) + private.metric_count(v_inc -> 'saves') else saves end,
            clicks = case when v_inc ? 'clicks' then coalesce(clicks, 0) + private.metric_count(v_inc -> 'clicks') else clicks end
          where id = d.id;
        end if;

        v_pm := case when jsonb_typeof(e -> 'platform_metric_increments') = 'object'
                     then e -> 'platform_metric_increments' end;
        if v_pm is not null then
          update public.distributions x set platform_metrics = x.platform_metrics || (
            select coalesce(jsonb_object_agg(k.key,
                     coalesce(private.metric_count(x.platform_metrics -> k.key), 0)
                     + coalesce(private.metric_count(k.value), 0)), '{}'::jsonb)
            from jsonb_each(v_pm) k)
          where x.id = d.id;
        end if;

        if jsonb_typeof(e -> 'metrics') = 'object' then
          perform private.record_metrics(jsonb_build_array(jsonb_build_object(
            'distribution_id', d.id, 'ok', true, 'recorded_at', v_at, 'metrics', e -> 'metrics')));
        end if;
      exception when others then
        v_outcome := 'ignored';
        v_detail := sqlerrm;
      end;
    end if;

    insert into public.platform_webhook_events (client_id, platform_id, received_at, event_type, external_id,
                                                distribution_id, outcome, detail, payload)
    values (v_client, p_platform_id, now(), coalesce(e ->> 'event_type', 'unknown'), e ->> 'external_id',
            d.id, v_outcome, v_detail,
            case when jsonb_typeof(e -> 'payload') = 'object' then e -> 'payload' else '{}'::jsonb end);
    v_counts := jsonb_set(v_counts, array[v_outcome], to_jsonb((v_counts ->> v_outcome)::integer + 1));
  end loop;
  return v_counts;
end
$$;

comment on function private.apply_platform_webhook(uuid, jsonb) is
  'Applies verified platform webhook events to the platform''s distributions (status sent, metric increments, '
  'absolute metrics via record_metrics) and logs each in platform_webhook_events; unknown posts are logged only.';

revoke execute on function private.apply_platform_webhook(uuid, jsonb) from public, anon, authenticated;
grant execute on function private.apply_platform_webhook(uuid, jsonb) to service_role;
