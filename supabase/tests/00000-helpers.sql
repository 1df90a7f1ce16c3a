set client_min_messages = warning;
-- Test helpers (basejump style), committed so the other files can use them. Runs first (file order).
-- tests.create_user(email) / tests.get_user_id(email) / tests.authenticate_as(user_id) / tests.authenticate_as_anon()
-- / tests.clear_authentication() / tests.fx(client, thing) / tests.create_two_clients().
begin;

create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;

-- The migrations revoke EXECUTE from PUBLIC by default for new functions, which includes pgTAP's: tests call
-- pgTAP while acting as the API roles.
do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_proc p
    join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
    join pg_extension e on e.oid = d.refobjid and e.extname = 'pgtap'
  loop
    execute format('grant execute on function %s to anon, authenticated, service_role', f);
  end loop;
end
$$;

create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

create or replace function tests.get_user_id(p_email text) returns uuid
language sql immutable as $$ select md5(lower(p_email))::uuid $$;

create or replace function tests.create_user(p_email text) returns uuid
language plpgsql as $$
begin
  insert into auth.users (id, email, aud, role, raw_app_meta_data, raw_user_meta_data)
  values (tests.get_user_id(p_email), p_email, 'authenticated', 'authenticated', '{}', '{}')
  on conflict (id) do nothing;
  return tests.get_user_id(p_email);
end
$$;

-- Act as a signed-in user for the rest of the transaction, as PostgREST/the functions host do.
create or replace function tests.authenticate_as(p_user_id uuid) returns void
language plpgsql as $$
begin
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims',
    json_build_object('sub', p_user_id, 'role', 'authenticated', 'aud', 'authenticated')::text, true);
end
$$;

create or replace function tests.authenticate_as_anon() returns void
language plpgsql as $$
begin
  perform set_config('role', 'anon', true);
  perform set_config('request.jwt.claims', json_build_object('role', 'anon')::text, true);
end
$$;

create or replace function tests.authenticate_as_service_role() returns void
language plpgsql as $$
begin
  perform set_config('role', 'service_role', true);
  perform set_config('request.jwt.claims', json_build_object('role', 'service_role')::text, true);
end
$$;

-- Back to the session user (postgres).
create or replace function tests.clear_authentication() returns void
language plpgsql as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end
$$;

-- Fixed ids of the two-client fixture: tests.fx('A', 'platform').
create or replace function tests.fx(p_client text, p_thing text) returns uuid
language sql immutable as $$
  select (case upper(p_client) when 'A' then 'aaaaaaaa' when 'B' then 'bbbbbbbb' end
          || '-0000-4000-8000-0000000000'
          || case p_thing
               when 'client' then '00' when 'platform' then '01' when 'vertical' then '02'
               when 'content' then '03' when 'group' then '04' when 'distribution' then '05'
               when 'metric' then '06' when 'calendar' then '07' when 'pattern' then '08'
               when 'feedback' then '09' when 'member' then '0a'
             end)::uuid
$$;

-- Two clients A and B, each with one row in every table. A has an owner, an editor and a viewer; B an owner.
-- Users: owner_a@test.local, editor_a@test.local, viewer_a@test.local, owner_b@test.local, outsider@test.local.
create or replace function tests.create_two_clients() returns void
language plpgsql as $$
declare
  c text;
begin
  perform tests.create_user(e) from unnest(array[
    'owner_a@test.local', 'editor_a@test.local', 'viewer_a@test.local', 'owner_b@test.local', 'outsider@test.local'
  ]) as e;

  foreach c in array array['A', 'B'] loop
    insert into public.clients (id, name) values (tests.fx(c, 'client'), 'Client ' || c);
    insert into public.platforms (id, client_id, name, kind, posts_per_hour, publish_config)
      values (tests.fx(c, 'platform'), tests.fx(c, 'client'), 'Blog ' || c, 'wordpress', 5,
              '{"base_url": "http://127.0.0.1:1"}');
    insert into public.publisher_verticals (id, client_id, name, slug)
      values (tests.fx(c, 'vertical'), tests.fx(c, 'client'), 'Vertical ' || c, 'vertical-' || lower(c));
    insert into public.generated_content (id, client_id, vertical_id, title, content, target_platform_ids)
      values (tests.fx(c, 'content'), tests.fx(c, 'client'), tests.fx(c, 'vertical'), 'Content ' || c, 'Body',
              array[tests.fx(c, 'platform')]);
    insert into public.cross_post_groups (id, client_id, name, source_content_id)
      values (tests.fx(c, 'group'), tests.fx(c, 'client'), 'Group ' || c, tests.fx(c, 'content'));
    insert into public.distributions (id, client_id, content_id, content_type, platform_id, title, body,
                                      status, scheduled_for, published_at, external_id, impressions,
                                      engagements, clicks, engagement_rate, click_through_rate,
                                      cross_post_group_id, vertical_id)
      values (tests.fx(c, 'distribution'), tests.fx(c, 'client'), tests.fx(c, 'content'), 'generated',
              tests.fx(c, 'platform'), 'Title ' || c, 'Body ' || c, 'published', now() - interval '2 days',
              now() - interval '2 days', 'ext-' || c, 100, 5, 2, 5, 2, tests.fx(c, 'group'), tests.fx(c, 'vertical'));
    insert into public.distribution_metrics (id, client_id, distribution_id, hours_since_publish, impressions)
      values (tests.fx(c, 'metric'), tests.fx(c, 'client'), tests.fx(c, 'distribution'), 24, 100);
    insert into public.publishing_calendar (id, client_id, date, time_slot, platform_id, distribution_id)
      values (tests.fx(c, 'calendar'), tests.fx(c, 'client'), current_date + 1, '09:00', tests.fx(c, 'platform'),
              tests.fx(c, 'distribution'));
    insert into public.platform_patterns (id, client_id, platform_id, pattern_type, pattern_name, pattern_template)
      values (tests.fx(c, 'pattern'), tests.fx(c, 'client'), tests.fx(c, 'platform'), 'timing',
              'optimal_posting_times', '[{"day_of_week": 1, "hour": 9}]');
    insert into public.pattern_feedback (id, client_id, pattern_id, content_id, distribution_id, pattern_applied,
                                         impressions, day_of_week, hour_of_day)
      values (tests.fx(c, 'feedback'), tests.fx(c, 'client'), tests.fx(c, 'pattern'), tests.fx(c, 'content'),
              tests.fx(c, 'distribution'), true, 100, 1, 9);
  end loop;

  insert into public.client_members (id, client_id, user_id, role) values
    (tests.fx('A', 'member'), tests.fx('A', 'client'), tests.get_user_id('owner_a@test.local'), 'owner'),
    (gen_random_uuid(), tests.fx('A', 'client'), tests.get_user_id('editor_a@test.local'), 'editor'),
    (gen_random_uuid(), tests.fx('A', 'client'), tests.get_user_id('viewer_a@test.local'), 'viewer'),
    (tests.fx('B', 'member'), tests.fx('B', 'client'), tests.get_user_id('owner_b@test.local'), 'owner');
end
$$;


-- Every table of the RLS matrix, and the column that names its client.
create or replace function tests.rls_tables() returns setof text
language sql immutable as $$
  select unnest(array[
    'clients', 'client_members', 'platforms', 'publisher_verticals', 'generated_content', 'cross_post_groups',
    'distributions', 'distribution_metrics', 'publishing_calendar', 'platform_patterns', 'pattern_feedback'])
$$;

create or replace function tests.client_column(p_table text) returns text
language sql immutable as $$ select case p_table when 'clients' then 'id' else 'client_id' end $$;

-- Temp table copies(tbl, client, insert_sql): for each table and fixture client, an INSERT of a copy of that
-- client's row under a new id, built while still privileged so it can be run later as another role.
create or replace function tests.prepare_copies() returns void
language plpgsql as $$
declare
  t text;
  c text;
  r jsonb;
begin
  create temp table if not exists copies (tbl text, client text, insert_sql text) on commit drop;
  grant select on copies to anon, authenticated, service_role;
  for t in select tests.rls_tables() loop
    foreach c in array array['A', 'B'] loop
      execute format('select to_jsonb(r) from public.%I r where %I = %L order by 1 limit 1',
                     t, tests.client_column(t), tests.fx(c, 'client')) into r;
      insert into copies values (t, c, format(
        'insert into public.%I select * from jsonb_populate_record(null::public.%I, %L::jsonb)',
        t, t, r || jsonb_build_object('id', gen_random_uuid())));
    end loop;
  end loop;
end
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

select plan(3);
select has_function('tests', 'authenticate_as', array['uuid'], 'tests.authenticate_as(uuid) exists');
select has_function('tests', 'create_two_clients', 'tests.create_two_clients() exists');
select is(tests.fx('B', 'platform'), 'bbbbbbbb-0000-4000-8000-000000000001'::uuid, 'fixture ids are stable');
select * from finish();

commit;
