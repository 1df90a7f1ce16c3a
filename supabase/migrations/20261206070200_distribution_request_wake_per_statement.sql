-- A generated_content row that becomes ready_for_distribution (inserted so, or updated to it) still gets its
-- durable distribution_requests row in the same transaction, but the processor is woken once per statement,
-- not once per row: one UPDATE marking 10,000 rows ready queues one pg_net request, and the processor (which
-- claims every pending request, up to its limit, and is swept every minute) picks them all up.
-- Statement-level triggers with transition tables see every row the statement inserted or changed.
-- The wake-up names the request when the statement made one row ready (as before); for more it carries an empty
-- body, as the cron sweep's does: the processor claims whatever is pending either way.

drop trigger generated_content_ready_insert on public.generated_content;
drop trigger generated_content_ready_update on public.generated_content;
drop function private.request_distribution();

-- SECURITY DEFINER: the writer (an editor in Studio, the generation engine) may not insert requests itself, and
-- only the service role may call private.invoke_edge_function.
create function private.request_distributions()
returns trigger
language plpgsql
volatile
security definer
set search_path = ''
as $$
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

comment on function private.request_distributions() is
  'Rows of one statement became ready_for_distribution: record a distribution request per row (one open request '
  'per content row) and wake the processor once.';

create trigger generated_content_ready_insert
  after insert on public.generated_content
  referencing new table as new_rows
  for each statement
  execute function private.request_distributions();

create trigger generated_content_ready_update
  after update on public.generated_content
  referencing old table as old_rows new table as new_rows
  for each statement
  execute function private.request_distributions();

revoke execute on function private.request_distributions() from public, anon, authenticated;
