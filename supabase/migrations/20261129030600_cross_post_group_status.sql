-- cross_post_groups.status follows its members on every member insert, update and delete:
--   completed   every member published
--   partial     none left to go; some published, the rest failed or cancelled
--   failed      none left to go; none published (all failed or cancelled)
--   pending     none published, failed, cancelled or in flight yet (also: no members)
--   in_progress otherwise (some published, in flight or failed while others are still to go)
-- The group row is locked before the members are counted, and the count is a new statement (a new snapshot under
-- READ COMMITTED), so two transactions changing members of one group at once cannot leave a stale status.

create or replace function private.cross_post_group_status(
  p_total bigint, p_published bigint, p_ended bigint, p_in_flight bigint
) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when p_total = 0 then 'pending'
    when p_published = p_total then 'completed'
    when p_published + p_ended = p_total then case when p_published > 0 then 'partial' else 'failed' end
    when p_published = 0 and p_ended = 0 and p_in_flight = 0 then 'pending'
    else 'in_progress'
  end
$$;

comment on function private.cross_post_group_status(bigint, bigint, bigint, bigint) is
  'A cross-post group''s status from its member counts (total, published, failed or cancelled, in flight).';

create or replace function private.refresh_cross_post_group(p_group_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_current text;
  v_new text;
begin
  select g.status into v_current
  from public.cross_post_groups g
  join public.clients c on c.id = g.client_id
  where g.id = p_group_id
  for no key update of g;
  if not found then
    return; -- the group (or its whole client) is being deleted
  end if;
  select private.cross_post_group_status(
           count(*),
           count(*) filter (where d.status = 'published'),
           count(*) filter (where d.status in ('failed', 'cancelled')),
           count(*) filter (where d.status in ('publishing', 'unconfirmed')))
    into v_new
  from public.distributions d
  where d.cross_post_group_id = p_group_id;
  if v_new is distinct from v_current then
    update public.cross_post_groups set status = v_new where id = p_group_id;
  end if;
end
$$;

create or replace function private.sync_cross_post_group_status()
returns trigger
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  -- Two groups (a member moved between groups): lock them in id order.
  if tg_op = 'UPDATE' and old.cross_post_group_id is distinct from new.cross_post_group_id then
    perform private.refresh_cross_post_group(g)
    from unnest(array[old.cross_post_group_id, new.cross_post_group_id]) as g
    where g is not null
    order by g;
  elsif tg_op = 'DELETE' then
    perform private.refresh_cross_post_group(old.cross_post_group_id);
  else
    perform private.refresh_cross_post_group(new.cross_post_group_id);
  end if;
  return null;
end
$$;

comment on function private.sync_cross_post_group_status() is
  'Recomputes the cross-post group status of a changed member''s group(s).';

revoke execute on function private.cross_post_group_status(bigint, bigint, bigint, bigint),
  private.refresh_cross_post_group(uuid), private.sync_cross_post_group_status() from public, anon, authenticated;

create trigger distributions_group_status_insert
  after insert on public.distributions
  for each row
  when (new.cross_post_group_id is not null)
  execute function private.sync_cross_post_group_status();

create trigger distributions_group_status_update
  after update on public.distributions
  for each row
  when ((old.status is distinct from new.status and new.cross_post_group_id is not null)
        or old.cross_post_group_id is distinct from new.cross_post_group_id)
  execute function private.sync_cross_post_group_status();

create trigger distributions_group_status_delete
  after delete on public.distributions
  for each row
  when (old.cross_post_group_id is not null)
  execute function private.sync_cross_post_group_status();
