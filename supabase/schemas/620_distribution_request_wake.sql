-- Content that becomes ready for distribution queues one request per statement.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.request_distributions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_ready uuid[];
  v_body jsonb := '{}'::jsonb;
begin
  if tg_op = 'INSERT' then
    select array_agg(n.id) into v_ready from new_rows n where n.status = 'ready_for_distribution';
  else
    select array_agg(n.id) into v_ready
    from new_rows n join old_rows o on o.id = n.id
    where n.status = 'ready_for_distribution' and o.status is distinct from n.status;
  end if;
  if v_ready is null then
    return null;
  end if;

  -- One open request per content row is enough.
  insert into public.distribution_requests (client_id, content_id)
  select g.client_id, g.id
  from public.generated_content g
  where g.id = any (v_ready)
    and not exists (select 1 from public.distribution_requests r
                    where r.content_id = g.id and r.status in ('pending', 'processing'));

  if cardinality(v_ready) = 1 then
    select jsonb_build_object('request_id', r.id) into v_body from public.distribution_requests r
    where r.content_id = v_ready[1] and r.status in ('pending', 'processing')
    order by r.requested_at desc limit 1;
  end if;
  perform private.invoke_edge_function('process-distribution-requests', coalesce(v_body, '{}'::jsonb));
  return null;
end
$$;

COMMENT ON FUNCTION private.request_distributions() IS 'Rows of one statement became ready_for_distribution: record a distribution request per row (one open request per content row) and wake the processor once.';

REVOKE ALL ON FUNCTION private.request_distributions() FROM PUBLIC;

CREATE TRIGGER generated_content_ready_insert AFTER INSERT ON public.generated_content REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.request_distributions();

CREATE TRIGGER generated_content_ready_update AFTER UPDATE ON public.generated_content REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.request_distributions();
