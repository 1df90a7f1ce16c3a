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

CREATE FUNCTION private.sync_cross_post_group_status() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform private.refresh_cross_post_groups(
    array[case when tg_op = 'DELETE' then old.cross_post_group_id else new.cross_post_group_id end]);
  return null;
end
$$;

COMMENT ON FUNCTION private.sync_cross_post_group_status() IS 'Recomputes the cross-post group status of an inserted or deleted member''s group.';

REVOKE ALL ON FUNCTION private.sync_cross_post_group_status() FROM PUBLIC;

CREATE FUNCTION private.refresh_cross_post_groups(p_group_ids uuid[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_locked uuid[];
begin
  -- Locked in id order, as private.record_publish_outcomes takes them; groups being deleted (or whose client is)
  -- are left out. The counts below are read after the locks, so a writer that waited for one sees the members
  -- the other committed.
  select array_agg(l.id) into v_locked
  from (select g.id from public.cross_post_groups g
        join public.clients c on c.id = g.client_id
        where g.id = any (p_group_ids)
        order by g.id
        for no key update of g) l;
  if v_locked is null then
    return;
  end if;
  update public.cross_post_groups g set status = x.status
  from (select k.id,
               private.cross_post_group_status(
                 count(d.id),
                 count(d.id) filter (where d.status = 'published'),
                 count(d.id) filter (where d.status in ('failed', 'cancelled', 'rejected')),
                 count(d.id) filter (where d.status in ('publishing', 'unconfirmed')))::public.cross_post_group_status
                 as status
        from unnest(v_locked) k(id)
        left join public.distributions d on d.cross_post_group_id = k.id
        group by k.id) x
  where g.id = x.id and g.status is distinct from x.status;
end
$$;

COMMENT ON FUNCTION private.refresh_cross_post_groups(p_group_ids uuid[]) IS 'The status of the given cross-post groups from their members'' counts, the groups locked and written in id order (groups being deleted are left out).';

REVOKE ALL ON FUNCTION private.refresh_cross_post_groups(p_group_ids uuid[]) FROM PUBLIC;

CREATE FUNCTION private.sync_cross_post_groups_status() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if not exists (select 1 from new_rows n where n.cross_post_group_id is not null)
     and not exists (select 1 from old_rows o where o.cross_post_group_id is not null) then
    return null; -- no member of any group (a publish batch of posts without one)
  end if;
  -- The groups of the members whose status changed, and both groups of a member that moved: each once a
  -- statement (a publish batch's claim or outcome moves many members of a group together).
  perform private.refresh_cross_post_groups(array(
    select distinct x.g from old_rows o join new_rows n on n.id = o.id,
      lateral (values (o.cross_post_group_id), (n.cross_post_group_id)) x(g)
    where x.g is not null
      and ((o.status is distinct from n.status and n.cross_post_group_id is not null)
           or o.cross_post_group_id is distinct from n.cross_post_group_id)));
  return null;
end
$$;

COMMENT ON FUNCTION private.sync_cross_post_groups_status() IS 'Recomputes the cross-post group status of the groups whose members an update changed (status) or moved, once a group a statement.';

REVOKE ALL ON FUNCTION private.sync_cross_post_groups_status() FROM PUBLIC;

CREATE TRIGGER distributions_group_status_delete AFTER DELETE ON public.distributions FOR EACH ROW WHEN ((old.cross_post_group_id IS NOT NULL)) EXECUTE FUNCTION private.sync_cross_post_group_status();

CREATE TRIGGER distributions_group_status_insert AFTER INSERT ON public.distributions FOR EACH ROW WHEN ((new.cross_post_group_id IS NOT NULL)) EXECUTE FUNCTION private.sync_cross_post_group_status();

-- Named to fire first of the statement triggers on distributions (they fire in name order): an update takes its
-- groups' row locks before the other triggers' locks (rollup buckets, calendar, A/B clients), as the row triggers
-- above do and as the update's member row triggers did before it.
CREATE TRIGGER distributions_a_group_status_update AFTER UPDATE ON public.distributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.sync_cross_post_groups_status();
