-- Reschedule, cancel, retry and publish now: SECURITY INVOKER, so RLS decides what the caller sees and changes.
-- Each returns {"ok": true, "distribution": {...as in schedule_content}} or, when the requested time is refused,
-- {"ok": false, "errors": [{"field", "message"}]}. Raised errors:
--   P0002 (no_data_found)                   the row does not exist or belongs to another client (API: 404)
--   55000 (object_not_in_prerequisite_state) illegal status change; the message names both states (API: 409)
--   42501 (insufficient_privilege)          the caller may read but not change the row (a viewer)
-- Content edits are plain UPDATEs of title/body/... under RLS.

-- The row, visible to the caller, locked for update, under the platform's scheduling lock.
create or replace function scheduling.lock_distribution(p_id uuid)
returns public.distributions
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_row public.distributions;
begin
  select * into v_row from public.distributions d where d.id = p_id;
  if not found then
    raise exception 'distribution % not found', p_id using errcode = 'P0002';
  end if;
  perform pg_advisory_xact_lock(hashtextextended('schedule:' || v_row.platform_id::text, 0));
  select * into v_row from public.distributions d where d.id = p_id for update;
  if not found then
    raise exception 'permission denied: only owners and editors can change distribution %', p_id
      using errcode = '42501';
  end if;
  return v_row;
end
$$;

create or replace function scheduling.refuse_transition(p_row public.distributions, p_to text, p_action text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  raise exception 'cannot % distribution %: illegal status change % -> %', p_action, p_row.id, p_row.status, p_to
    using errcode = '55000';
end
$$;

-- The priority a distribution was scheduled with: high when it holds a prime slot or its content is high.
create or replace function scheduling.distribution_priority(p_row public.distributions)
returns text
language sql
stable
set search_path = ''
as $$
  select case when exists (select 1 from public.publishing_calendar c
                           where c.distribution_id = p_row.id and c.slot_type = 'prime')
                or exists (select 1 from public.generated_content g
                           where g.id = p_row.content_id and g.priority = 'high')
              then 'high' else 'normal' end
$$;

-- A new time (p_at), the nearest allowed one after it (p_nearest), or re-optimized (p_at null).
-- draft, scheduled and failed rows can be rescheduled (they become scheduled).
create or replace function public.reschedule_distribution(p_id uuid, p_at timestamptz default null,
                                                          p_nearest boolean default false)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row public.distributions;
  v_at timestamptz;
  v_reason text;
  v_note text;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status not in ('draft', 'scheduled', 'failed') then
    perform scheduling.refuse_transition(v_row, 'scheduled', 'reschedule');
  end if;
  if p_at is null then
    select f.at into v_at
    from scheduling.find_slot(v_row.platform_id, v_row.timezone,
                              case when v_row.variant_group is not null then 'test' else 'regular' end,
                              null, scheduling.distribution_priority(v_row), v_row.id) f;
  else
    v_reason := scheduling.slot_conflict(v_row.platform_id, p_at, v_row.timezone, v_row.id);
    if v_reason is null then
      v_at := p_at;
    elsif p_nearest then
      v_at := scheduling.nearest_allowed(v_row.platform_id, p_at, v_row.timezone, v_row.id);
      v_note := format('%s was not allowed (%s); moved to the nearest allowed time', scheduling.to_utc_iso(p_at), v_reason);
    else
      return jsonb_build_object('ok', false, 'errors',
                                jsonb_build_array(jsonb_build_object('field', 'at', 'message', v_reason)));
    end if;
  end if;
  update public.distributions
     set status = 'scheduled', scheduled_for = v_at, next_attempt_at = null
   where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id, v_note));
end
$$;

-- scheduled or failed -> cancelled (cancelling a cancelled row is a no-op). The calendar slot is freed.
create or replace function public.cancel_distribution(p_id uuid)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row public.distributions;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status not in ('scheduled', 'failed', 'cancelled') then
    perform scheduling.refuse_transition(v_row, 'cancelled', 'cancel');
  end if;
  update public.distributions set status = 'cancelled', next_attempt_at = null where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id));
end
$$;

-- failed -> scheduled, now or at the next allowed time, with a fresh attempt budget.
create or replace function public.retry_distribution(p_id uuid)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row public.distributions;
  v_at timestamptz;
  v_reason text;
  v_note text;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status <> 'failed' then
    perform scheduling.refuse_transition(v_row, 'scheduled', 'retry');
  end if;
  v_reason := scheduling.slot_conflict(v_row.platform_id, now(), v_row.timezone, v_row.id);
  if v_reason is null then
    v_at := now();
  else
    v_at := scheduling.nearest_allowed(v_row.platform_id, now(), v_row.timezone, v_row.id);
    v_note := format('not allowed now (%s); retrying at the next allowed time', v_reason);
  end if;
  update public.distributions
     set status = 'scheduled', scheduled_for = v_at, next_attempt_at = null, retry_count = 0, error_message = null
   where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id, v_note));
end
$$;

-- draft or scheduled -> scheduled for now(), if the platform's limits and calendar allow a post now.
create or replace function public.publish_distribution_now(p_id uuid)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row public.distributions;
  v_reason text;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status not in ('draft', 'scheduled') then
    perform scheduling.refuse_transition(v_row, 'scheduled', 'publish now');
  end if;
  v_reason := scheduling.slot_conflict(v_row.platform_id, now(), v_row.timezone, v_row.id);
  if v_reason is not null then
    return jsonb_build_object('ok', false, 'errors',
                              jsonb_build_array(jsonb_build_object('field', 'scheduled_for', 'message', v_reason)));
  end if;
  update public.distributions
     set status = 'scheduled', scheduled_for = now(), next_attempt_at = null
   where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id));
end
$$;

comment on function public.reschedule_distribution(uuid, timestamptz, boolean) is
  'Moves a draft, scheduled or failed distribution to p_at (refused with the reason unless p_nearest), or to the '
  'best allowed slot when p_at is null.';
comment on function public.cancel_distribution(uuid) is 'Cancels a scheduled or failed distribution and frees its slot.';
comment on function public.retry_distribution(uuid) is 'Reschedules a failed distribution now, or at the next allowed time.';
comment on function public.publish_distribution_now(uuid) is
  'Schedules a draft or scheduled distribution for now, if the platform''s limits allow it.';

revoke execute on function public.reschedule_distribution(uuid, timestamptz, boolean), public.cancel_distribution(uuid),
  public.retry_distribution(uuid), public.publish_distribution_now(uuid) from public, anon;
grant execute on function public.reschedule_distribution(uuid, timestamptz, boolean), public.cancel_distribution(uuid),
  public.retry_distribution(uuid), public.publish_distribution_now(uuid) to authenticated, service_role;
revoke execute on all functions in schema scheduling from public, anon;
grant execute on all functions in schema scheduling to authenticated, service_role;
