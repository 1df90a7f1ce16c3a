-- A cross-post group's status follows its distributions.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.cross_post_group_status(p_total bigint, p_published bigint, p_ended bigint, p_in_flight bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select case
    when p_total = 0 then 'pending'
    when p_published = p_total then 'completed'
    when p_published + p_ended = p_total then case when p_published > 0 then 'partial' else 'failed' end
    when p_published = 0 and p_ended = 0 and p_in_flight = 0 then 'pending'
    else 'in_progress'
  end
$$;

COMMENT ON FUNCTION private.cross_post_group_status(p_total bigint, p_published bigint, p_ended bigint, p_in_flight bigint) IS 'A cross-post group''s status from its member counts (total, published, failed, cancelled or rejected, in flight).';

REVOKE ALL ON FUNCTION private.cross_post_group_status(p_total bigint, p_published bigint, p_ended bigint, p_in_flight bigint) FROM PUBLIC;

CREATE FUNCTION private.refresh_cross_post_group(p_group_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_current public.cross_post_group_status;
  v_new public.cross_post_group_status;
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
           count(*) filter (where d.status in ('failed', 'cancelled', 'rejected')),
           count(*) filter (where d.status in ('publishing', 'unconfirmed')))
    into v_new
  from public.distributions d
  where d.cross_post_group_id = p_group_id;
  if v_new is distinct from v_current then
    update public.cross_post_groups set status = v_new where id = p_group_id;
  end if;
end
$$;

REVOKE ALL ON FUNCTION private.refresh_cross_post_group(p_group_id uuid) FROM PUBLIC;

CREATE FUNCTION private.sync_cross_post_group_status() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

COMMENT ON FUNCTION private.sync_cross_post_group_status() IS 'Recomputes the cross-post group status of a changed member''s group(s).';

REVOKE ALL ON FUNCTION private.sync_cross_post_group_status() FROM PUBLIC;

CREATE TRIGGER distributions_group_status_delete AFTER DELETE ON public.distributions FOR EACH ROW WHEN ((old.cross_post_group_id IS NOT NULL)) EXECUTE FUNCTION private.sync_cross_post_group_status();

CREATE TRIGGER distributions_group_status_insert AFTER INSERT ON public.distributions FOR EACH ROW WHEN ((new.cross_post_group_id IS NOT NULL)) EXECUTE FUNCTION private.sync_cross_post_group_status();

CREATE TRIGGER distributions_group_status_update AFTER UPDATE ON public.distributions FOR EACH ROW WHEN ((((old.status IS DISTINCT FROM new.status) AND (new.cross_post_group_id IS NOT NULL)) OR (old.cross_post_group_id IS DISTINCT FROM new.cross_post_group_id))) EXECUTE FUNCTION private.sync_cross_post_group_status();
