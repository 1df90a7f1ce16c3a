-- Row-level security. Members of a client read its rows; owners and editors write them; viewers only read;
-- anon has no policy (and no grant); service_role bypasses RLS.
-- `client_id = any (array(select ...))` evaluates the membership once per statement (an InitPlan) and can use
-- the client_id index, unlike a per-row function call.

alter table public.clients enable row level security;
alter table public.client_members enable row level security;
alter table public.platforms enable row level security;
alter table public.publisher_verticals enable row level security;
alter table public.generated_content enable row level security;
alter table public.cross_post_groups enable row level security;
alter table public.distributions enable row level security;
alter table public.distribution_metrics enable row level security;
alter table public.publishing_calendar enable row level security;
alter table public.platform_patterns enable row level security;
alter table public.pattern_feedback enable row level security;

-- clients: members read; owners update. Creating and deleting clients is for the service role.
create policy clients_select on public.clients for select to authenticated
  using (id = any (array(select private.member_client_ids())));
create policy clients_update on public.clients for update to authenticated
  using (id = any (array(select private.member_client_ids(array['owner']))))
  with check (id = any (array(select private.member_client_ids(array['owner']))));

-- client_members: members see the members of their clients; only owners add, change or remove members.
create policy client_members_select on public.client_members for select to authenticated
  using (client_id = any (array(select private.member_client_ids())));
create policy client_members_insert on public.client_members for insert to authenticated
  with check (client_id = any (array(select private.member_client_ids(array['owner']))));
create policy client_members_update on public.client_members for update to authenticated
  using (client_id = any (array(select private.member_client_ids(array['owner']))))
  with check (client_id = any (array(select private.member_client_ids(array['owner']))));
create policy client_members_delete on public.client_members for delete to authenticated
  using (client_id = any (array(select private.member_client_ids(array['owner']))));

-- Tenant-owned tables: the same four policies on each.
do $$
declare
  t text;
begin
  foreach t in array array[
    'platforms', 'publisher_verticals', 'generated_content', 'cross_post_groups', 'distributions',
    'distribution_metrics', 'publishing_calendar', 'platform_patterns', 'pattern_feedback'
  ] loop
    execute format(
      'create policy %I on public.%I for select to authenticated
         using (client_id = any (array(select private.member_client_ids())))',
      t || '_select', t);
    execute format(
      'create policy %I on public.%I for insert to authenticated
         with check (client_id = any (array(select private.member_client_ids(array[''owner'', ''editor'']))))',
      t || '_insert', t);
    execute format(
      'create policy %I on public.%I for update to authenticated
         using (client_id = any (array(select private.member_client_ids(array[''owner'', ''editor'']))))
         with check (client_id = any (array(select private.member_client_ids(array[''owner'', ''editor'']))))',
      t || '_update', t);
    execute format(
      'create policy %I on public.%I for delete to authenticated
         using (client_id = any (array(select private.member_client_ids(array[''owner'', ''editor'']))))',
      t || '_delete', t);
  end loop;
end
$$;
