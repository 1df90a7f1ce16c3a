-- Inbound platform webhooks are received once per event id: a replayed (or resent) signed body adds nothing.
--
-- platform_webhook_events.event_id is the sender's id of the event (Meta: field and comment id; Mailchimp: the
-- hash of the whole form; the generic form: its `event_id`), or, when the sender gives none, the SHA-256 of the
-- event's canonical JSON. (platform_id, event_id) is unique: the event row is inserted first with
-- `on conflict do nothing`, and only an event whose row was inserted is applied, so two concurrent deliveries of
-- one event apply it once (the second waits for the first's row, then counts as duplicate). Rows from before this
-- migration have no event_id.
--
-- private.apply_platform_webhook(p_platform_id uuid, p_events jsonb) returns jsonb, service role only:
--   p_events: array of {event_id?: text, event_type, external_id, occurred_at?, status?, metrics?, increments?,
--                       platform_metric_increments?, payload?} (see 20261129090000_platform_webhook_events.sql)
--   -> {applied, unknown_post, ignored, duplicate, events: [{event_id, outcome, detail}]} in the order given.
--   An event that cannot be applied (a bad occurred_at, a failing metrics write) is `ignored` with its reason,
--   alone: the other events of the batch are applied.
-- Retention: dedup holds while an event's row exists; the function refuses signed timestamps older than a few
-- minutes before it is called, so a retention period for platform_webhook_events longer than that window keeps
-- every replay out.

alter table public.platform_webhook_events add column event_id text;
alter table public.platform_webhook_events
  add constraint platform_webhook_events_event_id_key unique (platform_id, event_id);
comment on column public.platform_webhook_events.event_id is
  'The sender''s id of the event (or the SHA-256 of its JSON): unique per platform, so a replay is received once.';

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
  v_event_id text;
  v_row uuid;
  v_outcome text;
  v_detail text;
  v_at timestamptz;
  v_inc jsonb;
  v_pm jsonb;
  v_counts jsonb := jsonb_build_object('applied', 0, 'unknown_post', 0, 'ignored', 0, 'duplicate', 0);
  v_reports jsonb := '[]'::jsonb;
begin
  select p.client_id into v_client from public.platforms p where p.id = p_platform_id;
  if v_client is null then
    raise exception 'platform % not found', p_platform_id using errcode = 'no_data_found';
  end if;

  for e in select value from jsonb_array_elements(coalesce(p_events, '[]'::jsonb)) loop
    v_outcome := 'applied';
    v_detail := null;
    v_row := null;
    v_event_id := coalesce(nullif(e ->> 'event_id', ''),
                           'sha256:' || encode(pg_catalog.sha256(convert_to(e::text, 'UTF8')), 'hex'));
    select x.id, x.status, x.native_state, x.published_at into d
    from public.distributions x
    where x.platform_id = p_platform_id and x.external_id = e ->> 'external_id'
    order by x.created_at desc
    limit 1;

    insert into public.platform_webhook_events (client_id, platform_id, received_at, event_type, external_id,
                                                distribution_id, outcome, payload, event_id)
    values (v_client, p_platform_id, now(), coalesce(e ->> 'event_type', 'unknown'), e ->> 'external_id',
            d.id, case when d.id is null then 'unknown_post' else 'applied' end,
            case when jsonb_typeof(e -> 'payload') = 'object' then e -> 'payload' else '{}'::jsonb end,
            v_event_id)
    on conflict (platform_id, event_id) do nothing
    returning id into v_row;

    if v_row is null then
      v_outcome := 'duplicate';
    elsif d.id is null then
      v_outcome := 'unknown_post';
    else
      begin
        v_at := coalesce((e ->> 'occurred_at')::timestamptz, now());
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
      if v_outcome <> 'applied' or v_detail is not null then
        update public.platform_webhook_events set outcome = v_outcome, detail = v_detail where id = v_row;
      end if;
    end if;

    v_counts := jsonb_set(v_counts, array[v_outcome], to_jsonb((v_counts ->> v_outcome)::integer + 1));
    v_reports := v_reports || jsonb_build_array(jsonb_build_object(
      'event_id', v_event_id, 'outcome', v_outcome, 'detail', v_detail));
  end loop;
  return v_counts || jsonb_build_object('events', v_reports);
end
$$;

comment on function private.apply_platform_webhook(uuid, jsonb) is
  'Applies verified platform webhook events once per (platform, event_id) to the platform''s distributions (status '
  'sent, metric increments, absolute metrics via record_metrics) and logs each in platform_webhook_events; unknown '
  'posts are logged only, replays counted as duplicate, an event that fails is ignored alone. Reports each event.';

revoke execute on function private.apply_platform_webhook(uuid, jsonb) from public, anon, authenticated;
grant execute on function private.apply_platform_webhook(uuid, jsonb) to service_role;
